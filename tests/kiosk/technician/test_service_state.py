"""Service state from device health: what a customer is offered, and the reasons shown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from drivers.base import DeviceHealth, DeviceState
from kiosk.clock import FakeClock
from kiosk.money import journal
from kiosk.technician.health import HealthMonitor
from kiosk.technician.service_state import ServiceState, derive_service_status
from kiosk.technician.telemetry import cards_retained
from offline_queue.db import make_engine
from offline_queue.outbox import QueueStatus

ON = DeviceState.ONLINE


def printer(paper: str = "ready") -> DeviceHealth:
    state = {"ready": ON, "paper_near_end": ON, "offline": DeviceState.OFFLINE}.get(
        paper, DeviceState.USER_ERROR
    )
    return DeviceHealth("printer", state, "", {"paper": paper})


def cash(state: DeviceState = ON, detail: str = "", cashbox: str = "ok") -> DeviceHealth:
    return DeviceHealth("cash", state, detail, {"cashbox": cashbox})


CARD_OK = DeviceHealth("card", ON)


def test_everything_working_is_in_service_with_every_tender() -> None:
    status = derive_service_status([printer(), cash(), CARD_OK])
    assert status.state is ServiceState.IN_SERVICE and status.reasons == ()
    assert status.tenders == {"cash", "card"} and status.paper_receipts
    assert status.offers("service_reprint")


def test_paper_out_with_a_card_reader_is_card_only_with_on_screen_receipts() -> None:
    status = derive_service_status([printer("paper_out"), cash(), CARD_OK])
    assert status.state is ServiceState.DEGRADED
    assert status.tenders == {"card"} and not status.paper_receipts
    assert "printer_paper_out" in status.reasons and "cash_needs_receipt" in status.reasons
    assert not status.offers("service_reprint") and status.offers("service_pay_bill")


def test_paper_out_on_a_cash_only_kiosk_keeps_cash_with_on_screen_receipts() -> None:
    status = derive_service_status([printer("paper_out"), cash()])
    assert status.state is ServiceState.DEGRADED and status.tenders == {"cash"}
    assert status.reasons == ("printer_paper_out",)


def test_cashbox_removed_hides_cash_but_keeps_the_kiosk_in_degraded_service() -> None:
    status = derive_service_status(
        [printer(), cash(DeviceState.USER_ERROR, "cashbox removed"), CARD_OK]
    )
    assert status.state is ServiceState.DEGRADED and status.reasons == ("cashbox_removed",)
    assert status.tenders == {"card"}


def test_full_cashbox_and_jammed_acceptor_each_hide_cash() -> None:
    full = derive_service_status([printer(), cash(cashbox="full")])
    jam = derive_service_status([printer(), cash(DeviceState.HARDWARE_ERROR, "jam")])
    assert full.reasons == ("cashbox_full",) and "cash" not in full.tenders
    assert jam.reasons == ("cash_fault",) and "cash" not in jam.tenders
    assert full.state is ServiceState.DEGRADED  # the printer still reprints receipts


def test_no_printer_no_cash_no_card_is_out_of_service() -> None:
    status = derive_service_status([printer("offline"), cash(DeviceState.OFFLINE, "not answering")])
    assert status.state is ServiceState.OUT_OF_SERVICE
    assert status.reasons == ("printer_fault", "cash_fault") and status.tenders == frozenset()
    assert not status.offers("service_pay_bill")


def test_near_end_and_near_full_are_warnings_not_degradation() -> None:
    status = derive_service_status([printer("paper_near_end"), cash(cashbox="near_full")])
    assert status.state is ServiceState.IN_SERVICE
    assert status.warnings == ("printer_paper_near_end", "cashbox_near_full")


def test_core_unreachable_is_a_degraded_reason() -> None:
    status = derive_service_status([printer(), cash()], core_reachable=False)
    assert (status.state, status.reasons) == (ServiceState.DEGRADED, ("core_unreachable",))


class Device:
    def __init__(self, health: DeviceHealth) -> None:
        self.current = health

    def health(self) -> DeviceHealth:
        return self.current


class Queue:
    def status(self) -> QueueStatus:
        return QueueStatus(3, 1, 10, 2, 75.0, "timeout", datetime(2026, 11, 23, 8, tzinfo=UTC))


def test_monitor_snapshot_has_queue_supplies_counters_and_the_last_error(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    cash_device = Device(cash())
    monitor = HealthMonitor(
        {"printer": Device(printer()), "cash": cash_device},
        Queue(),
        clock,
        version="9.9",
        data_dir=tmp_path,
        kiosk_id="k-1",
        supplies={"cash": lambda: {"cashbox_notes": "12/1000"}},
        counters={"cash": lambda: {"notes_100": 12}},
    )
    clock.advance(30)
    cash_device.current = cash(DeviceState.HARDWARE_ERROR, "note jammed")
    jammed = monitor.snapshot()
    clock.advance(60)
    cash_device.current = cash()
    snap = monitor.snapshot()
    assert jammed.service_state is ServiceState.DEGRADED and jammed.degraded_reasons == (
        "cash_fault",
        "core_unreachable",  # money has waited 75 s in the queue
    )
    assert (snap.queue_pending, snap.queue_dead, snap.oldest_pending_age_s) == (4, 2, 75.0)
    assert snap.uptime_s == 90.0 and snap.version == "9.9" and snap.free_disk_bytes > 0
    device = snap.device("cash")
    assert device is not None and device.counters == {"notes_100": 12, "errors": 1}
    assert device.supplies["cashbox_notes"] == "12/1000"
    error = snap.last_errors["cash"]  # cleared since, but the technician still sees it
    assert error.detail == "note jammed" and error.at == datetime(
        2026, 11, 23, 9, 0, 30, tzinfo=UTC
    )
    wire = snap.wire()
    assert wire["kiosk_id"] == "k-1" and wire["devices"][1]["last_error"]["detail"] == "note jammed"
    assert wire["queue"]["last_sync_at"] == "2026-11-23T08:00:00Z"


def test_cards_retained_counts_captures_since_the_bin_was_emptied(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    journal.JournalBase.metadata.create_all(engine)
    at = datetime(2026, 11, 23, 9, tzinfo=UTC)
    kinds = [
        ("card_retained", {"captured": True}),
        ("card_bin_emptied", {}),
        ("card_retained", {"captured": True}),
        ("card_retained", {"captured": False}),  # the customer took it back in time
        ("card_retained", {"captured": True}),
    ]
    with Session(engine) as session, session.begin():
        for kind, data in kinds:
            journal.append(session, at=at, session_id="s", kind=kind, data=data)
    assert cards_retained(engine) == 2
    engine.dispose()
