"""After a crash, a note the journal saw accepted but never saw stacked is placed by the
device's own counter: credited when the device stacked it, closed as returned when it did not,
flagged when the counts disagree. Plus the cashbox counters derived from the journal."""

from __future__ import annotations

from pathlib import Path

from drivers.cash.base import NoteInEscrow
from kiosk.money.cash.counters import (
    CashboxLevel,
    cashbox_counts,
    cashbox_counts_sql,
    record_exchange,
)
from kiosk.money.cash.reconcile import CashboxReading
from kiosk.money.recovery import recover
from offline_queue.db import make_engine
from tests.kiosk.journey_fixtures import make_rig


def _crash_with_a_note_in_transit(tmp_path: Path):  # type: ignore[no-untyped-def]
    rig = make_rig(tmp_path)
    recover(rig.ledger, CashboxReading("cash", 40))  # an earlier start: baseline 40 notes
    rig.to_insert_cash()
    rig.note(50)  # journaled as stacked: the device is now at 41
    rig.journey.handle(NoteInEscrow("cash", 6, 10000, "CNY"))  # accepted, then kill -9
    return rig


def credited(rig) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r.data for r in rig.ledger.records() if r.kind == "cash_credited"]


def test_device_stacked_the_note_in_transit_so_it_is_credited(tmp_path: Path) -> None:
    rig = _crash_with_a_note_in_transit(tmp_path)
    report = recover(rig.ledger, CashboxReading("cash", 42))
    assert report.cashbox["result"] == "stacked"
    assert credited(rig)[0]["amount"] == {"amount": "150.00", "currency": "CNY"}
    assert report.flagged == []
    again = recover(rig.ledger, CashboxReading("cash", 42))  # next start: nothing to do
    assert again.cashbox["result"] == "match" and len(credited(rig)) == 1


def test_device_did_not_stack_it_so_only_the_stacked_notes_are_credited(tmp_path: Path) -> None:
    rig = _crash_with_a_note_in_transit(tmp_path)
    report = recover(rig.ledger, CashboxReading("cash", 41))
    assert report.cashbox["result"] == "returned"
    assert credited(rig)[0]["amount"] == {"amount": "50.00", "currency": "CNY"}
    resolved = [r.data for r in rig.ledger.records() if r.kind == "note_resolved"]
    assert resolved == [{"outcome": "returned", "reason": "device counter unchanged"}]


def test_counts_that_disagree_are_flagged_and_nothing_is_guessed(tmp_path: Path) -> None:
    rig = _crash_with_a_note_in_transit(tmp_path)
    report = recover(rig.ledger, CashboxReading("cash", 45))
    assert report.cashbox["result"] == "cashbox_mismatch"
    assert rig.journey.session.session_id in report.flagged
    assert credited(rig)[0]["amount"]["amount"] == "50.00", "the doubtful note is not credited"
    flags = [r.data.get("flag") for r in rig.ledger.records() if r.kind == "recovery"]
    assert "cashbox_mismatch" in flags


def test_without_a_device_reading_the_note_stays_flagged(tmp_path: Path) -> None:
    rig = _crash_with_a_note_in_transit(tmp_path)
    report = recover(rig.ledger, None)
    assert rig.journey.session.session_id in report.flagged
    assert credited(rig)[0]["amount"]["amount"] == "50.00"


def test_cashbox_counters_follow_the_journal_and_restart_at_an_exchange(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.note(100)
    rig.note(20)
    counts = cashbox_counts(rig.ledger, "CNY", capacity=3, near_full=2)
    assert counts.notes == {"100.00": 1, "20.00": 1}
    assert counts.total.amount == 120 and counts.level is CashboxLevel.NEAR_FULL
    assert counts.supplies()["cashbox_notes"] == "2/3"
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    assert cashbox_counts_sql(engine, "CNY", capacity=3, near_full=2) == counts
    removed = record_exchange(rig.ledger, "CNY", technician="tech-7")
    assert removed.count == 2
    assert cashbox_counts(rig.ledger, "CNY").count == 0
    assert cashbox_counts_sql(engine, "CNY").count == 0
    engine.dispose()
