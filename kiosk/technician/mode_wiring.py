"""Builds technician entry and maintenance mode for the running kiosk (see kiosk/runtime/app.py).

Kept out of the composition root so app.py gains three lines, not sixty: the router wraps the
customer session, the self-test suite is built over the kiosk's own opened devices, and slow
work (self-tests, health snapshots) runs on the printer worker, so a test print never races a
receipt on the same printer link (no customer prints while maintenance mode is open anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from kiosk.documents.common import DocContext
from kiosk.i18n import Catalog
from kiosk.journeys.kiosk_session import KioskSession, SessionState
from kiosk.money.amount import Money
from kiosk.money.cash.counters import cashbox_counts_sql
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.technician.audit import TechnicianAudit
from kiosk.technician.cashbox_exchange import CashboxExchange
from kiosk.technician.entry import TechnicianEntry
from kiosk.technician.entry_guard import CustomerPresence
from kiosk.technician.health import HealthMonitor
from kiosk.technician.mode import MaintenanceMode
from kiosk.technician.mode_router import TechnicianRouter
from kiosk.technician.selftests import EventTap
from kiosk.technician.selftests_devices import SelfTestDevices, build_suite


@dataclass
class TechnicianWiring:
    router: TechnicianRouter
    switch: BuiltDevice | None = None  # [devices.operator_switch], opened with the kiosk

    def start(self) -> None:
        if self.switch is not None:
            self.switch.device.open()

    def stop(self) -> None:
        if self.switch is not None:
            self.switch.close()


def build_technician(
    *,
    config: KioskConfig,
    session: KioskSession,
    registry: DeviceRegistry,
    context: DeviceContext,
    catalog: Catalog,
    clock: Any,
    ledger: Ledger,
    engine: Engine,
    health: HealthMonitor,
    printer_port: Any,
    sync: Any,
    submit: Callable[[Callable[[], None]], None],
    publish: Callable[[object], None],
    cash: BuiltDevice,
    printer_device: Any,
    coin: BuiltDevice | None = None,
    headphone: BuiltDevice | None = None,
    card_reader: Any = None,
    card_reads: Any = None,
    card_stripe: Any = None,
    speech: Any = None,
    speech_problem: str = "",
) -> TechnicianWiring:
    """`card_reads`: the card station's read port, so a technician card works at attract."""
    audit = TechnicianAudit(ledger, clock)
    presence = CustomerPresence(lambda: session.state is SessionState.ATTRACT)
    entry = TechnicianEntry(config.technician, audit, presence, clock)
    printer = printer_device
    columns = printer.capabilities.columns if hasattr(printer, "capabilities") else 48
    cash_options = config.devices["cash"].options

    def notes() -> tuple[Money, ...]:
        caps = getattr(cash.device, "capabilities", None)
        minors = getattr(caps, "denominations_minor", ()) or ()
        return tuple(Money.from_minor(m, config.currency) for m in minors)

    cashbox = CashboxExchange(
        kiosk_id=config.kiosk_id,
        currency=config.currency,
        ledger=ledger,
        audit=audit,
        counts=lambda: cashbox_counts_sql(
            engine,
            config.currency,
            capacity=int(cash_options.get("cashbox_capacity", 1000)),
            near_full=int(cash_options.get("cashbox_near_full", 900)),
        ),
        denominations=notes,
        printer=printer_port,
        sync=sync,
        catalog=catalog,
        clock=clock,
        timezone=config.timezone,
        columns=columns,
    )
    tap = EventTap()
    zone = ZoneInfo(config.timezone)

    def doc_context() -> DocContext:
        now = datetime.now(zone).strftime("%Y-%m-%d %H:%M:%S")
        return DocContext(catalog, config.default_language, config.kiosk_id, now, columns)

    suite = build_suite(
        SelfTestDevices(
            tap=tap,
            printer=printer,
            doc_context=doc_context,
            cash=cash.device,
            cash_emulator=cash.emulator,
            coin=coin.device if coin else None,
            coin_emulator=coin.emulator if coin else None,
            card=card_reader,
            stripe=card_stripe,
            speech=speech if hasattr(speech, "render") else None,
            speech_problem=speech_problem,
            headphone=headphone.device if headphone else None,
            work_dir=config.data_dir / "selftests",
        )
    )
    mode = MaintenanceMode(
        kiosk_id=config.kiosk_id,
        data_dir=config.data_dir,
        database_url=config.database_url,
        health=health,
        selftests=suite,
        cashbox=cashbox,
        audit=audit,
        catalog=catalog,
        clock=clock,
        submit=submit,
        publish=publish,
        default_language=config.default_language,
        idle_timeout_s=config.technician.idle_timeout_s,
    )
    switch = None
    if "operator_switch" in config.devices:
        switch = registry.build(config.devices["operator_switch"], context)
    router = TechnicianRouter(
        session,
        entry=entry,
        mode=mode,
        presence=presence,
        timezone=config.timezone,
        cards=card_reads,
        health=health,
        tap=tap.publish,
    )
    return TechnicianWiring(router, switch)
