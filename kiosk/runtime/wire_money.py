"""Wiring steps for the money path: the journal and outbox, the links to the core, the cash tender.

Called by the composition root (kiosk/runtime/app.py `build_kiosk`) in this order: `wire_books`,
then `wire_core_links`, then `wire_cash`. Each step builds objects only (no thread started, no
device opened) and returns what it built; nothing is kept here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from kiosk.clock import Clock
from kiosk.events import EventBus
from kiosk.journeys.ports import CashPort
from kiosk.money.cash.coin_service import CoinTender, build_coins
from kiosk.money.cash.counters import cashbox_counts_sql
from kiosk.money.cash.service import CashService
from kiosk.money.ledger import Ledger
from kiosk.money.offline_policy import BillCache, outbox_paid_bills
from kiosk.runtime.adapters import CashAdapter, CoreBillLookup, PrinterAdapter
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.core_client import CoreClient
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.runtime.workers import Workers
from kiosk.technician.health import ServiceBoard, TenderGate
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker


def core_reachable(outbox: Outbox, stale_after_s: float = 60.0) -> bool:
    """Offline for the escrow policy: money has waited in the queue longer than a sync round
    trip should take, so the core is not taking it (the biller's offline limit applies)."""
    age = outbox.status().oldest_pending_age_s
    return age is None or age < stale_after_s


def core_http(config: KioskConfig) -> CoreHttp:
    """A new HTTP session to the core, configured from [core]: one per thread that talks to it."""
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


@dataclass(frozen=True)
class Books:
    """Where money is journaled before it moves: the journal and the outbox share one engine
    so an entry and the message that reports it are written in one transaction."""

    engine: Engine
    outbox: Outbox
    ledger: Ledger


def wire_books(config: KioskConfig, clock: Clock) -> Books:
    engine = make_engine(config.database_url)
    outbox = Outbox(engine, config.kiosk_id, clock)
    ledger = Ledger(engine, outbox, clock, seal_key=config.journal_key or None)
    return Books(engine=engine, outbox=outbox, ledger=ledger)


@dataclass(frozen=True)
class CoreLinks:
    """What talks to the core (bill lookup, outbox sync, the daily reconciliation's session)
    and the worker threads that lookups and the printer run on."""

    lookup_http: CoreHttp
    sync_http: CoreHttp
    daily_http: CoreHttp
    workers: Workers
    printer_port: PrinterAdapter
    lookup: CoreBillLookup
    sync: SyncWorker


def wire_core_links(
    config: KioskConfig, *, clock: Clock, bus: EventBus, books: Books, printer: BuiltDevice
) -> CoreLinks:
    # requests.Session is not shared across threads: one per thread that talks to the core
    lookup_http, sync_http, daily_http = core_http(config), core_http(config), core_http(config)
    workers = Workers()
    printer_port = PrinterAdapter(printer.device, bus, workers.printer)
    bill_cache = BillCache(clock, paid_since=outbox_paid_bills(books.engine))  # offline payments
    lookup = CoreBillLookup(
        CoreClient(lookup_http), bus, workers.network, clock, bill_cache=bill_cache
    )
    sync = SyncWorker(
        books.outbox,
        sync_http,
        clock,
        bus.publish,
        batch_size=config.queue.batch_size,
        backoff_base=config.queue.backoff_base,
        backoff_cap=config.queue.backoff_cap,
    )
    return CoreLinks(
        lookup_http=lookup_http,
        sync_http=sync_http,
        daily_http=daily_http,
        workers=workers,
        printer_port=printer_port,
        lookup=lookup,
        sync=sync,
    )


@dataclass(frozen=True)
class CashTender:
    """How the journeys take cash: `port` is the note acceptor, or notes and coins together
    when [devices.coin] is configured; `service` answers whether cash is available at all."""

    service: CashService
    coins: CoinTender | None  # [devices.coin]: coins as a cash tender
    port: CashPort


def wire_cash(
    config: KioskConfig,
    *,
    registry: DeviceRegistry,
    context: DeviceContext,
    engine: Engine,
    cash: BuiltDevice,
    board: ServiceBoard,
) -> CashTender:
    cash_options = config.devices["cash"].options
    service = CashService(
        TenderGate(CashAdapter(cash.device), board),
        lambda: cashbox_counts_sql(
            engine,
            config.currency,
            capacity=int(cash_options.get("cashbox_capacity", 1000)),
            near_full=int(cash_options.get("cashbox_near_full", 900)),
        ),
    )
    coins = None
    port: CashPort = service
    if "coin" in config.devices:
        coins = build_coins(registry, config.devices["coin"], context, service, engine)
        port = coins.port
    return CashTender(service=service, coins=coins, port=port)
