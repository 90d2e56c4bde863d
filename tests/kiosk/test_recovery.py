"""After a crash, start-up recovery accounts for every stacked note: credited or flagged."""

from __future__ import annotations

from pathlib import Path

from drivers.cash.base import NoteInEscrow
from kiosk.events import Key
from kiosk.journeys.bill_payment import State
from kiosk.money.recovery import recover
from tests.kiosk.journey_fixtures import make_rig


def test_a_session_killed_after_notes_were_stacked_is_credited_once(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.note(100)
    rig.note(20)
    txn_id = rig.journey.session.txn_id
    # the process dies here: nothing else is written

    report = recover(rig.ledger)
    assert report.credited == [txn_id]
    item = rig.outbox.item(txn_id)
    assert item is not None
    credited = [r for r in rig.ledger.records(txn_id=txn_id) if r.kind == "cash_credited"]
    assert credited[0].data["amount"] == {"amount": "120.00", "currency": "CNY"}

    again = recover(rig.ledger)  # a second restart changes nothing
    assert not again.anything
    assert rig.outbox.status().pending == 1
    assert rig.ledger.verify() is None


def test_a_note_accepted_but_never_confirmed_is_flagged_for_a_technician(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.journey.handle(NoteInEscrow("cash", 6, 10000, "CNY"))  # killed while stacking
    session_id = rig.journey.session.session_id

    report = recover(rig.ledger)
    assert report.flagged == [session_id]
    assert report.closed_empty == [session_id]
    flags = [r.data for r in rig.ledger.records(session_id=session_id) if r.kind == "recovery"]
    assert flags == [{"flag": "note_unresolved", "count": 1}]
    assert rig.outbox.status().pending == 0, "nothing is paid or credited without evidence"


def test_a_payment_killed_before_the_receipt_is_kept_and_flagged(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.note(100)
    rig.note(50)
    rig.press(Key.ENTER)
    assert rig.journey.state is State.PRINTING_RECEIPT

    report = recover(rig.ledger)
    assert report.flagged == [rig.journey.session.session_id]
    assert report.credited == [], "a committed payment is never credited a second time"
    assert rig.outbox.status().pending == 1
