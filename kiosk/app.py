"""The composition root: the one place that builds and wires every object of a running kiosk.

Nothing here is global; `KioskRuntime` holds what was built so the Qt shell, the headless demo
and the tests can drive it and stop it cleanly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from kiosk.card_stripe import stripe_head
from kiosk.cash.coin_service import CoinTender, build_coins
from kiosk.cash.counters import cashbox_counts_sql
from kiosk.cash.reconcile import reading_of
from kiosk.cash.service import CashService
from kiosk.clock import Clock
from kiosk.config import KioskConfig
from kiosk.core_client import CoreClient
from kiosk.errors import KioskError
from kiosk.events import EventBus
from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.card_payment_port import card_tender
from kiosk.journeys.card_services_menu import CardServices, build_card_services, card_http
from kiosk.journeys.kiosk_session import KioskSession, MenuEntry
from kiosk.journeys.ports import CashPort
from kiosk.journeys.reprint import ReprintJourney
from kiosk.journeys.reprint_source import ReceiptLookup
from kiosk.journeys.services import ReprintService, TopupService
from kiosk.journeys.topup import Product, TopupJourney
from kiosk.journeys.topup_ic_card_service import IcCardRecharge, build_ic_card_recharge
from kiosk.ledger import Ledger
from kiosk.offline_policy import BillCache, available_offline, outbox_paid_bills
from kiosk.recovery import RecoveryReport, recover
from kiosk.runtime.adapters import CashAdapter, CoreBillLookup, PrinterAdapter, SyncAdapter
from kiosk.runtime.controller import JourneyController
from kiosk.runtime.daily_reconciliation import DailyReconciliation
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.runtime.workers import Workers
from kiosk.speech.select import choose_engine
from kiosk.speech.service import SpeechService
from kiosk.technician.health import HealthMonitor, ServiceBoard, TenderGate
from kiosk.technician.mode_wiring import TechnicianWiring, build_technician
from kiosk.technician.telemetry import TelemetryWorker, wire_health
from kiosk.voice_mode import VoiceMode
from offline_queue.db import make_engine
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
        if self.technician is not None:
            self.technician.start()  # the operator switch
        if not self.lookup.refresh_billers():
            log.warning("core unreachable at start-up: bill payments unavailable until it is back")
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
        if self.headphone is not None:
            self.headphone.close()
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


def _core_reachable(outbox: Outbox, stale_after_s: float = 60.0) -> bool:
    """Offline for the escrow policy: money has waited in the queue longer than a sync round
    trip should take, so the core is not taking it (the biller's offline limit applies)."""
    age = outbox.status().oldest_pending_age_s
    return age is None or age < stale_after_s


def build_kiosk(
    config: KioskConfig,
    *,
    clock: Clock,
    registry: DeviceRegistry,
    catalog: Catalog,
    receipts_dir: Path,
) -> KioskRuntime:
    """Builds a kiosk from its config without starting any thread or opening any device."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    bus = EventBus()
    engine = make_engine(config.database_url)
    outbox = Outbox(engine, config.kiosk_id, clock)
    ledger = Ledger(engine, outbox, clock, seal_key=config.journal_key or None)
    context = DeviceContext(bus.publish, config.data_dir, receipts_dir)
    cash = registry.build(config.devices["cash"], context)
    printer = registry.build(config.devices["printer"], context)

    def http() -> CoreHttp:
        core = config.core
        return CoreHttp(
            core.url,
            config.kiosk_id,
            core.token,
            connect_timeout=core.connect_timeout,
            read_timeout=core.read_timeout,
            verify=core.verify,
            pin_sha256=core.pin_sha256,
        )

    # requests.Session is not shared across threads: one per thread that talks to the core
    lookup_http, sync_http, daily_http = http(), http(), http()
    workers = Workers()
    printer_port = PrinterAdapter(printer.device, bus, workers.printer)
    bill_cache = BillCache(clock, paid_since=outbox_paid_bills(engine))  # offline payments
    lookup = CoreBillLookup(
        CoreClient(lookup_http), bus, workers.network, clock, bill_cache=bill_cache
    )
    sync = SyncWorker(
        outbox,
        sync_http,
        clock,
        bus.publish,
        batch_size=config.queue.batch_size,
        backoff_base=config.queue.backoff_base,
        backoff_cap=config.queue.backoff_cap,
    )
    cash_options = config.devices["cash"].options
    board = ServiceBoard(catalog)  # service state: attract banner, menu and tender gating
    cash_service = CashService(
        TenderGate(CashAdapter(cash.device), board),
        lambda: cashbox_counts_sql(
            engine,
            config.currency,
            capacity=int(cash_options.get("cashbox_capacity", 1000)),
            near_full=int(cash_options.get("cashbox_near_full", 900)),
        ),
    )
    coins = None
    cash_port: CashPort = cash_service
    if "coin" in config.devices:
        coins = build_coins(registry, config.devices["coin"], context, cash_service, engine)
        cash_port = coins.port
    card = None
    if "card_reader" in config.devices:  # config.py requires the PIN pad with it
        card = build_card_services(
            reader=registry.build(config.devices["card_reader"], context).device,
            pinpad=registry.build(config.devices["pinpad"], context).device,
            reader_options=config.devices["card_reader"].options,
            http=card_http(config.core, config.kiosk_id),  # its own session, on its own worker
            journey_kwargs={
                "kiosk_id": config.kiosk_id,
                "catalog": catalog,
                "clock": clock,
                "timeouts": config.timeouts,
                "ledger": ledger,
                "printer": printer_port,
                "timezone": config.timezone,
            },
            publish=bus.publish,
            stripe=stripe_head(config.devices["card_reader"].options, bus.publish, clock),
        )
    journey = BillPaymentJourney(
        kiosk_id=config.kiosk_id,
        currency=config.currency,
        default_language=config.default_language,
        catalog=catalog,
        clock=clock,
        timeouts=config.timeouts,
        ledger=ledger,
        lookup=lookup,
        cash=cash_port,
        online=lambda: _core_reachable(outbox),
        overpay_consent=bool(cash_options.get("overpay_consent", False)),
        printer=printer_port,
        sync=SyncAdapter(sync),
        timezone=config.timezone,
        **(card_tender(card) if card is not None else {}),
    )
    topup = TopupService(
        lambda lang: TopupJourney(
            kiosk_id=config.kiosk_id,
            currency=config.currency,
            catalog=catalog,
            clock=clock,
            timeouts=config.timeouts,
            ledger=ledger,
            products=tuple(Product(b.code, b) for b in lookup.billers()),
            cash=cash_port,
            printer=printer_port,
            sync=SyncAdapter(sync),
            online=lambda: _core_reachable(outbox),
            lang=lang,
        ),
        # offline policy: top-up is not offered while the core is unreachable (told up front)
        available=lambda: (
            bool(lookup.billers())
            and cash_service.available()
            and (_core_reachable(outbox) or available_offline("topup"))
        ),
    )
    receipts = ReceiptLookup(ledger, lookup_http, bus, workers.network)  # same thread as lookups
    reprint = ReprintService(
        lambda lang: ReprintJourney(
            kiosk_id=config.kiosk_id,
            lang=lang,
            catalog=catalog,
            clock=clock,
            ledger=ledger,
            source=receipts,
            printer=printer_port,
            timezone=config.timezone,
            columns=printer.device.capabilities.columns,
        ),
        clock,
        config.timeouts.input,
    )
    ic_card = None
    if "ic_card_reader" in config.devices:
        ic_card = build_ic_card_recharge(
            registry=registry,
            device=config.devices["ic_card_reader"],
            context=context,
            billers=lookup.billers,
            cash=cash_port,
            cash_available=cash_service.available,
            online=lambda: _core_reachable(outbox),
            journey_kwargs={
                "kiosk_id": config.kiosk_id,
                "currency": config.currency,
                "clock": clock,
                "timeouts": config.timeouts,
                "ledger": ledger,
                "printer": printer_port,
                "sync": SyncAdapter(sync),
                "catalog": catalog,
            },
            default_language=config.default_language,
        )
    session = KioskSession(
        entries=(
            MenuEntry("service_pay_bill", journey),
            MenuEntry("service_topup", topup),
            *((ic_card.entry(),) if ic_card is not None else ()),
            *(card.entries() if card is not None else ()),
            MenuEntry("service_reprint", reprint),
        ),
        fallback=journey,
        catalog=catalog,
        clock=clock,
        timeouts=config.timeouts,
        default_language=config.default_language,
        service_gate=board.offers,
        service_notice=board.notice,
    )
    choice = choose_engine(config.voice.engine)
    speech = SpeechService(choice.engine)
    headphone = None
    voice = None
    if "headphone" in config.devices:
        headphone = registry.build(config.devices["headphone"], context)
        voice = VoiceMode(speech, catalog, clock, config.voice)
    health, telemetry = wire_health(
        board=board,
        devices={
            "cash": cash.device,
            "printer": printer.device,
            "coin": coins.built.device if coins is not None else None,
            "card_reader": card.station.reader if card is not None else None,
            "card_stripe": card.station.stripe if card is not None else None,
            "headphone": headphone.device if headphone is not None else None,
        },
        outbox=outbox,
        engine=engine,
        clock=clock,
        config=config,
        http=http(),  # its own session and thread: a heartbeat never waits behind money
        core_reachable=lambda: _core_reachable(outbox),
    )
    technician = build_technician(
        config=config,
        session=session,
        registry=registry,
        context=context,
        catalog=catalog,
        clock=clock,
        ledger=ledger,
        engine=engine,
        health=health,
        printer_port=printer_port,
        sync=SyncAdapter(sync),
        submit=workers.printer.submit,
        publish=bus.publish,
        cash=cash,
        printer_device=printer.device,
        coin=coins.built if coins is not None else None,
        headphone=headphone,
        card_reader=card.station.reader if card is not None else None,
        card_reads=card.station.port if card is not None else None,
        card_stripe=card.station.stripe if card is not None else None,
        speech=choice.engine,
        speech_problem=choice.reason,
    )
    controller = JourneyController(
        bus, technician.router, voice, debounce_s=config.voice.keypad_debounce_s
    )
    return KioskRuntime(
        config=config,
        clock=clock,
        bus=bus,
        engine=engine,
        outbox=outbox,
        ledger=ledger,
        cash=cash,
        printer=printer,
        printer_port=printer_port,
        lookup=lookup,
        sync=sync,
        journey=journey,
        session=session,
        controller=controller,
        workers=workers,
        speech=speech,
        speech_problem=choice.reason,
        headphone=headphone,
        coins=coins,
        ic_card=ic_card,
        card=card,
        reconciliation=DailyReconciliation(
            engine=engine,
            ledger=ledger,
            http=daily_http,
            kiosk_id=config.kiosk_id,
            clock=clock,
            alert=bus.publish,
        ),
        http=[lookup_http, sync_http, daily_http],
        health=health,
        board=board,
        telemetry=telemetry,
        technician=technician,
    )
