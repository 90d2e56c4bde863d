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
from kiosk.config import KioskConfig
from kiosk.core_client import CoreClient
from kiosk.errors import KioskError
from kiosk.events import EventBus
from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.ledger import Ledger
from kiosk.recovery import RecoveryReport, recover
from kiosk.runtime.adapters import CashAdapter, CoreBillLookup, PrinterAdapter, SyncAdapter
from kiosk.runtime.controller import JourneyController
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.runtime.workers import Workers
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
    controller: JourneyController
    workers: Workers
    http: list[CoreHttp] = field(default_factory=list)
    recovery: RecoveryReport | None = None
    started: bool = False

    def start(self) -> None:
        """Recovery first (before any device can move money), then devices, then sync."""
        self.outbox.create_schema()
        self.ledger.create_schema()
        self.recovery = recover(self.ledger)
        self.workers.start()
        for built in (self.printer, self.cash):
            try:
                built.device.open()
            except KioskError as exc:
                log.error("device %s did not open: %s", built.device.device_id, exc)
        self.sync.start()
        if not self.lookup.refresh_billers():
            log.warning("core unreachable at start-up: bill payments unavailable until it is back")
        self.started = True

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
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
    """Builds a kiosk from its config without starting any thread or opening any device."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    bus = EventBus()
    engine = make_engine(config.database_url)
    outbox = Outbox(engine, config.kiosk_id, clock)
    ledger = Ledger(engine, outbox, clock)
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
        )

    lookup_http, sync_http = http(), http()  # requests.Session is not shared across threads
    workers = Workers()
    printer_port = PrinterAdapter(printer.device, bus, workers.printer)
    lookup = CoreBillLookup(CoreClient(lookup_http), bus, workers.network, clock)
    sync = SyncWorker(
        outbox,
        sync_http,
        clock,
        bus.publish,
        batch_size=config.queue.batch_size,
        backoff_base=config.queue.backoff_base,
        backoff_cap=config.queue.backoff_cap,
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
        cash=CashAdapter(cash.device),
        printer=printer_port,
        sync=SyncAdapter(sync),
        timezone=config.timezone,
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
        controller=JourneyController(bus, journey),
        workers=workers,
        http=[lookup_http, sync_http],
    )
