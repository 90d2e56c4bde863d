"""The composition root: the one place that builds and wires every object of a running kiosk.

Nothing here is global; `KioskRuntime` holds what was built so the Qt shell, the headless demo
and the tests can drive it and stop it cleanly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from kiosk.clock import Clock
from kiosk.errors import KioskError
from kiosk.events import EventBus
from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.card_services_menu import CardServices
from kiosk.journeys.kiosk_session import KioskSession
from kiosk.journeys.topup_ic_card_service import IcCardRecharge
from kiosk.money.cash.coin_service import CoinTender
from kiosk.money.cash.reconcile import reading_of
from kiosk.money.ledger import Ledger
from kiosk.money.recovery import RecoveryReport, recover
from kiosk.runtime.adapters import CoreBillLookup, PrinterAdapter
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.controller import JourneyController
from kiosk.runtime.daily_reconciliation import DailyReconciliation
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.runtime.wire_money import wire_books, wire_cash, wire_core_links
from kiosk.runtime.wire_services import wire_menu
from kiosk.runtime.wire_technician import wire_technician
from kiosk.runtime.workers import Workers
from kiosk.speech.select import choose_engine
from kiosk.speech.service import SpeechService
from kiosk.speech.voice_mode import VoiceMode
from kiosk.technician.health import HealthMonitor, ServiceBoard
from kiosk.technician.mode_wiring import TechnicianWiring
from kiosk.technician.telemetry import TelemetryWorker
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

log = logging.getLogger(__name__)


@dataclass
class KioskRuntime:
    config: KioskConfig
    clock: Clock
    bus: EventBus
    engine: Engine
    outbox: Outbox
    ledger: Ledger
    cash: BuiltDevice
    printer: BuiltDevice
    printer_port: PrinterAdapter
    lookup: CoreBillLookup
    sync: SyncWorker
    journey: BillPaymentJourney
    session: KioskSession
    controller: JourneyController
    workers: Workers
    speech: SpeechService
    speech_problem: str = ""  # why the kiosk cannot speak (a technician alert), or ""
    headphone: BuiltDevice | None = None
    coins: CoinTender | None = None  # [devices.coin]: coins as a cash tender
    ic_card: IcCardRecharge | None = None  # [devices.ic_card_reader]: IC-card recharge
    reconciliation: DailyReconciliation | None = None
    card: CardServices | None = None  # balance + statement, when a card reader is configured
    scanner: BuiltDevice | None = None  # [devices.scanner]: "scan your bill"
    http: list[CoreHttp] = field(default_factory=list)
    health: HealthMonitor | None = None  # technician dashboard, diag, telemetry
    board: ServiceBoard | None = None  # latest service state: attract banner, menu gating
    telemetry: TelemetryWorker | None = None
    technician: TechnicianWiring | None = None  # entry + maintenance mode (router)
    recovery: RecoveryReport | None = None
    started: bool = False

    def start(self) -> None:
        """Recovery first (before any device can move money), then devices, then sync.

        The acceptor is opened (disabled) before recovery: opening returns any note a dead run
        left in escrow and reads the device's counters, which recovery needs to place notes
        the journal saw accepted but never saw stacked."""
        self.outbox.create_schema()
        self.ledger.create_schema()
        cash_open = self._open(self.cash)
        reading = reading_of(self.cash.device) if cash_open else None
        self.recovery = recover(self.ledger, reading)
        if self.coins is not None:
            self.coins.start()  # after recovery, like the notes: inhibited until a journey asks
        if self.ic_card is not None:
            self.ic_card.start()
        self.workers.start()
        self._open(self.printer)
        self.printer_port.refresh_status()  # known before the first customer, not guessed
        self.sync.start()
        if self.card is not None:
            self.card.start()  # reader thread, core worker, then the start-up card check
        self.speech.start()
        if self.reconciliation is not None:
            self.reconciliation.start()
        if self.speech_problem:
            log.error("technician alert: voice guidance unavailable: %s", self.speech_problem)
        if self.headphone is not None:
            self._open(self.headphone)
        if self.scanner is not None:
            self._open(self.scanner)  # offline until it answers: bill payment then offers keys
        if self.technician is not None:
            self.technician.start()  # the operator switch
        if not self.lookup.refresh_billers():  # the adapter logged why (unreachable or bad reply)
            log.warning("no billers at start-up: bill payments unavailable until the core has some")
        if self.telemetry is not None:
            self.telemetry.start()  # devices are open: the first snapshot is a true one
        self.started = True

    def _open(self, built: BuiltDevice) -> bool:
        try:
            built.device.open()
        except KioskError as exc:
            log.error("device %s did not open: %s", built.device.device_id, exc)
            return False
        return True

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        if self.telemetry is not None:
            self.telemetry.stop()  # before the devices it reads are closed
        if self.reconciliation is not None:
            self.reconciliation.stop()
        self.speech.stop()
        for extra in (self.ic_card, self.coins):
            if extra is not None:
                extra.stop()
        if self.card is not None:
            self.card.stop()
        for device in (self.headphone, self.scanner):
            if device is not None:
                device.close()
        if self.technician is not None:
            self.technician.stop()
        self.sync.stop()
        self.workers.stop()
        for built in (self.cash, self.printer):
            try:
                built.close()
            except KioskError as exc:
                log.warning("closing %s: %s", built.device.device_id, exc)
        for http in self.http:
            http.close()
        self.engine.dispose()


def build_kiosk(
    config: KioskConfig,
    *,
    clock: Clock,
    registry: DeviceRegistry,
    catalog: Catalog,
    receipts_dir: Path,
) -> KioskRuntime:
    """Builds a kiosk from its config without starting any thread or opening any device.

    The steps run in the order the objects depend on each other (and in which devices are
    built): the journal, the note acceptor and printer, the links to the core, the cash tender,
    the menu, voice guidance, then the technician's side, which reads every device."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    bus = EventBus()
    books = wire_books(config, clock)
    context = DeviceContext(bus.publish, config.data_dir, receipts_dir)
    cash = registry.build(config.devices["cash"], context)
    printer = registry.build(config.devices["printer"], context)
    links = wire_core_links(config, clock=clock, bus=bus, books=books, printer=printer)
    board = ServiceBoard(catalog)  # service state: attract banner, menu and tender gating
    tender = wire_cash(
        config, registry=registry, context=context, engine=books.engine, cash=cash, board=board
    )
    menu = wire_menu(
        config,
        registry=registry,
        context=context,
        catalog=catalog,
        clock=clock,
        bus=bus,
        books=books,
        links=links,
        cash=tender,
        board=board,
        printer=printer,
    )
    choice = choose_engine(config.voice.engine)
    speech = SpeechService(choice.engine)
    headphone = None
    voice = None
    if "headphone" in config.devices:
        headphone = registry.build(config.devices["headphone"], context)
        problem = "" if choice.available else choice.reason or "no speech engine"
        voice = VoiceMode(speech, catalog, clock, config.voice, problem=problem)
    side = wire_technician(
        config,
        registry=registry,
        context=context,
        catalog=catalog,
        clock=clock,
        bus=bus,
        books=books,
        links=links,
        board=board,
        session=menu.session,
        cash=cash,
        printer=printer,
        coin=tender.coins.built if tender.coins is not None else None,
        card=menu.card,
        headphone=headphone,
        speech=choice,
    )
    controller = JourneyController(
        bus, side.technician.router, voice, debounce_s=config.voice.keypad_debounce_s
    )
    return KioskRuntime(
        config=config,
        clock=clock,
        bus=bus,
        engine=books.engine,
        outbox=books.outbox,
        ledger=books.ledger,
        cash=cash,
        printer=printer,
        printer_port=links.printer_port,
        lookup=links.lookup,
        sync=links.sync,
        journey=menu.journey,
        session=menu.session,
        controller=controller,
        workers=links.workers,
        speech=speech,
        speech_problem=choice.reason,
        headphone=headphone,
        coins=tender.coins,
        ic_card=menu.ic_card,
        card=menu.card,
        scanner=menu.scanner,
        reconciliation=DailyReconciliation(
            engine=books.engine,
            ledger=books.ledger,
            http=links.daily_http,
            kiosk_id=config.kiosk_id,
            clock=clock,
            alert=bus.publish,
        ),
        http=[links.lookup_http, links.sync_http, links.daily_http],
        health=side.health,
        board=board,
        telemetry=side.telemetry,
        technician=side.technician,
    )
