"""A kiosk session with technician entry and maintenance mode, on a real SQLite ledger.

The customer side is the real KioskSession over the real bill-payment journey (device fakes from
journey_fixtures record what the journey told the devices); the technician side is built exactly
as kiosk/runtime/app.py builds it. Worker jobs run inline and their results travel through a real
EventBus, so tests see the same event order the running kiosk sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from drivers.base import DeviceHealth, DeviceState
from kiosk.events import EventBus, Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.kiosk_session import KioskSession, MenuEntry, SessionState
from kiosk.journeys.ports import PrintPort
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money
from kiosk.money.cash.counters import cashbox_counts
from kiosk.technician.audit import TechnicianAudit
from kiosk.technician.cashbox_exchange import CashboxExchange
from kiosk.technician.entry import TechnicianEntry
from kiosk.technician.entry_config import PinHash, TechnicianSettings, hash_pin
from kiosk.technician.entry_guard import CustomerPresence
from kiosk.technician.health import HealthSnapshot, LastError
from kiosk.technician.mode import MaintenanceMode
from kiosk.technician.mode_router import TechnicianRouter
from kiosk.technician.selftests import SelfTestResult, SelfTestStatus, SelfTestSuite
from kiosk.technician.service_state import ServiceState
from tests.kiosk.journey_fixtures import Rig, make_rig

PIN = "246810"
# Test-only: few PBKDF2 rounds keep the many PIN checks fast. Passed as the explicit
# `min_iterations` parameter; config loading refuses such a hash (FIELD_PIN_HASH is a real one).
TEST_ITERATIONS = 1000
PIN_HASH = hash_pin(PIN, b"kiosk-test-salt", TEST_ITERATIONS, min_iterations=TEST_ITERATIONS)
FIELD_PIN_HASH = hash_pin(PIN, b"kiosk-test-salt")
CATALOG = load_catalog()
NOTES = tuple(Money(Decimal(v), "CNY") for v in ("100", "50", "20", "10"))


def snapshot(*, printer: DeviceState = DeviceState.ONLINE, at: datetime | None = None) -> Any:
    """A health snapshot as kiosk.technician.health builds it; the printer state is chosen."""
    when = at or datetime(2026, 11, 23, 8, 15, tzinfo=UTC)
    printer_detail = "" if printer is DeviceState.ONLINE else "cover open"
    devices = (
        DeviceHealth(
            "cash",
            DeviceState.ONLINE,
            "",
            {"cashbox": "ok", "cashbox_notes": "3/1000", "cashbox_100.00": "3"},
            {"notes_stacked": 3, "errors": 0},
        ),
        DeviceHealth(
            "printer",
            printer,
            printer_detail,
            {"paper": "paper_ok" if printer is DeviceState.ONLINE else "cover_open"},
            {"receipts_printed": 41, "errors": 0 if printer is DeviceState.ONLINE else 1},
        ),
        DeviceHealth("card", DeviceState.ONLINE, "", {}, {"cards_read": 12, "cards_retained": 1}),
    )
    faulted = printer is not DeviceState.ONLINE
    return HealthSnapshot(
        taken_at=when,
        devices=devices,
        queue_pending=2,
        queue_dead=0,
        oldest_pending_age_s=42.0,
        last_sync_at=when,
        core_reachable=True,
        version="0.9.0",
        uptime_s=3 * 3600 + 125,
        free_disk_bytes=12 * 1024**3,
        service_state=ServiceState.DEGRADED if faulted else ServiceState.IN_SERVICE,
        degraded_reasons=("printer_cover_open",) if faulted else (),
        last_errors={"printer": LastError("cover open", when)} if faulted else {},
    )


@dataclass
class FakeHealth:
    """Stands in for HealthMonitor: the snapshot the test chose, plus the events it observed."""

    current: Any = field(default_factory=snapshot)
    observed: list[object] = field(default_factory=list)
    reads: int = 0

    def snapshot(self) -> Any:
        self.reads += 1
        return self.current

    def observe(self, event: object) -> None:
        self.observed.append(event)


def suite() -> SelfTestSuite:
    printed = SelfTestResult(
        "printer",
        "printer",
        SelfTestStatus.PASS,
        "OK",
        {"page": "diagnostic page printed", "detail": ""},
        812.0,
    )
    no_card = SelfTestResult(
        "card_reader", "card", SelfTestStatus.FAIL, "CARD_NO_ATR", {"reader": "Virtual PCD 00 00"}
    )
    return SelfTestSuite(
        {"printer": lambda: printed, "card_reader": lambda: no_card},
        {"printer": "printer", "card_reader": "card"},
    )


@dataclass
class TechRig:
    base: Rig
    session: KioskSession
    bus: EventBus
    router: TechnicianRouter
    entry: TechnicianEntry
    mode: MaintenanceMode
    audit: TechnicianAudit
    health: FakeHealth
    data_dir: Path

    @property
    def clock(self) -> Any:
        return self.base.clock

    def pump(self) -> None:
        for event in self.bus.drain():
            self.router.handle(event)

    def event(self, event: object) -> None:
        self.router.handle(event)
        self.pump()

    def press(self, *keys: Key | str) -> None:
        for key in keys:
            self.event(KeyPressed(Key(key) if isinstance(key, str) else key))

    def tick(self, seconds: float = 0.0) -> None:
        self.base.clock.advance(seconds)
        self.router.tick()
        self.pump()

    def screen(self) -> ScreenModel:
        return self.router.screen()

    def actions(self) -> list[dict[str, Any]]:
        return [r.data for r in self.audit.actions()]

    def hidden_sequence(self) -> None:
        self.press("cancel", "cancel", "clear", "enter", "0", "0", "0")


def make_tech(
    tmp_path: Path,
    *,
    pin_hash: str | None = PIN_HASH,
    printer: PrintPort | None = None,
    settings: TechnicianSettings | None = None,
) -> TechRig:
    base = make_rig(tmp_path)
    session = KioskSession(
        entries=(MenuEntry("service_pay_bill", base.journey),),
        fallback=base.journey,
        catalog=CATALOG,
        clock=base.clock,
        timeouts=base.journey.timeouts,
        default_language="zh_CN",
    )
    settings = settings or TechnicianSettings(
        pin_hash=PinHash.parse(pin_hash, min_iterations=TEST_ITERATIONS) if pin_hash else None
    )
    bus = EventBus()
    audit = TechnicianAudit(base.ledger, base.clock)
    presence = CustomerPresence(lambda: session.state is SessionState.ATTRACT)
    entry = TechnicianEntry(settings, audit, presence, base.clock)
    cashbox = CashboxExchange(
        kiosk_id="kiosk-test",
        currency="CNY",
        ledger=base.ledger,
        audit=audit,
        counts=lambda: cashbox_counts(base.ledger, "CNY"),
        denominations=lambda: NOTES,
        printer=printer or base.printer,
        sync=base.sync,
        catalog=CATALOG,
        clock=base.clock,
    )
    health = FakeHealth()
    data_dir = tmp_path / "data"
    mode = MaintenanceMode(
        kiosk_id="kiosk-test",
        data_dir=data_dir,
        database_url=f"sqlite:///{tmp_path / 'kiosk.db'}",
        health=health,
        selftests=suite(),
        cashbox=cashbox,
        audit=audit,
        catalog=CATALOG,
        clock=base.clock,
        submit=lambda job: job(),
        publish=bus.publish,
        default_language="en",
    )
    router = TechnicianRouter(
        session,
        entry=entry,
        mode=mode,
        presence=presence,
        timezone="Asia/Shanghai",
        health=health,
    )
    return TechRig(base, session, bus, router, entry, mode, audit, health, data_dir)
