"""Resolving notes the journal cannot place, using the validator's non-volatile counters.

After a crash the journal may say "note accepted from escrow" with no "note stacked": the note
was either stacked (the device counted it) or went back to the customer (escrow timeout, or the
REJECT the driver sends at start-up). The journal alone cannot tell; the device's lifetime
"notes stacked" counter can. Each start writes a `cashbox_baseline` (device counter, journal
note count) once every note is placed, so the next start knows how many notes the device
stacked that the journal never saw:

    k = (device_now - device_at_baseline) - (journal_notes_now - journal_notes_at_baseline)

k == number of unresolved notes  -> all were stacked: each is journaled as stacked (and so is
                                    credited to its customer by the recovery that follows);
k == 0                           -> none was stacked: each is journaled as returned;
anything else                    -> flagged `cashbox_mismatch` for a technician with both counts.
Because every start resolves what it finds, a crash leaves at most one note in doubt, so in
practice the first two cases are the only ones a healthy device produces.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from drivers.cash.base import BanknoteAcceptor
from kiosk.money.amount import Money
from kiosk.money.journal import JournalRecord
from kiosk.money.ledger import Ledger

log = logging.getLogger(__name__)

STACKED_KINDS = frozenset({"note_stacked", "note_stacked_unassigned"})
BASELINE = "cashbox_baseline"
TERMINAL_KINDS = frozenset({"payment_committed", "cash_credited", "cash_session_closed"})
SYSTEM_SESSION = "cashbox"


@dataclass(frozen=True)
class CashboxReading:
    """The device's lifetime count of stacked notes, read with the note path at rest."""

    device_id: str
    stacked: int


@dataclass(frozen=True)
class Unresolved:
    session_id: str
    txn_id: str | None
    value: dict[str, str]  # Money wire form, from the escrow decision
    terminal: bool  # the session already settled (a credit for this note is still owed)


def reading_of(device: BanknoteAcceptor) -> CashboxReading | None:
    stacked = device.stacked_at_open
    return None if stacked is None else CashboxReading(device.device_id, stacked)


def unresolved_notes(records: list[JournalRecord]) -> list[Unresolved]:
    """Per session: escrow acceptances not followed by a stack, a return or a resolution."""
    by_session: dict[str, list[JournalRecord]] = defaultdict(list)
    for record in records:
        by_session[record.session_id].append(record)
    found: list[Unresolved] = []
    for session_id, items in by_session.items():
        waiting: JournalRecord | None = None
        for record in items:
            if record.kind == "note_escrow_accepted":
                waiting = record
            elif record.kind in ("note_stacked", "note_returned", "note_resolved"):
                waiting = None
        if waiting is not None:
            terminal = any(r.kind in TERMINAL_KINDS for r in items)
            txn_id = next((r.txn_id for r in items if r.txn_id), None)
            found.append(Unresolved(session_id, txn_id, waiting.data["value"], terminal))
    return found


def journal_note_count(records: list[JournalRecord]) -> int:
    return sum(1 for r in records if r.kind in STACKED_KINDS)


def reconcile(ledger: Ledger, reading: CashboxReading | None) -> dict[str, Any]:
    """Places every unresolved note using the reading; returns what it did (also journaled)."""
    records = ledger.records()
    doubtful = unresolved_notes(records)
    baseline = next((r for r in reversed(records) if r.kind == BASELINE), None)
    outcome: dict[str, Any] = {"unresolved": len(doubtful), "stacked": 0, "returned": 0}
    if reading is None:
        outcome["result"] = "no_device_reading"
        return outcome  # recovery flags them; nothing is credited without evidence
    if baseline is None:
        # First start with this device: nothing to compare with. Doubtful notes (a journal
        # copied from another kiosk, a device swapped) go to the technician, once.
        outcome["result"] = "first_baseline"
        for note in doubtful:
            ledger.record(
                note.session_id,
                "note_resolved",
                {"outcome": "unknown", "reason": "no earlier device counter to compare"},
                txn_id=note.txn_id,
            )
        outcome["flagged_sessions"] = [n.session_id for n in doubtful]
    else:
        device_delta = reading.stacked - int(baseline.data["device_stacked"])
        journal_delta = journal_note_count(records) - int(baseline.data["journal_notes"])
        k = device_delta - journal_delta
        outcome["k"] = k
        if doubtful and k == len(doubtful):
            for note in doubtful:
                _resolve_stacked(ledger, note)
            outcome.update(result="stacked", stacked=len(doubtful))
        elif k == 0:
            for note in doubtful:
                ledger.record(
                    note.session_id,
                    "note_resolved",
                    {"outcome": "returned", "reason": "device counter unchanged"},
                    txn_id=note.txn_id,
                )
            outcome.update(result="returned" if doubtful else "match", returned=len(doubtful))
        else:
            outcome["result"] = "cashbox_mismatch"
            outcome["flagged_sessions"] = [n.session_id for n in doubtful]
            for note in doubtful:
                ledger.record(
                    note.session_id,
                    "note_resolved",
                    {"outcome": "unknown", "reason": f"device counted {k} unplaced notes"},
                    txn_id=note.txn_id,
                )
            ledger.record(
                SYSTEM_SESSION,
                "recovery",
                {
                    "flag": "cashbox_mismatch",
                    "device_minus_journal": k,
                    "unresolved": len(doubtful),
                },
            )
            log.error("cashbox mismatch: device counted %d notes the journal cannot place", k)
    after = journal_note_count(ledger.records())
    ledger.record(
        SYSTEM_SESSION,
        BASELINE,
        {"device": reading.device_id, "device_stacked": reading.stacked, "journal_notes": after},
    )
    return outcome


def _resolve_stacked(ledger: Ledger, note: Unresolved) -> None:
    value = Money.parse(note.value["amount"], note.value["currency"])
    if not note.terminal:
        # The open session is then settled by recovery, which credits every stacked note.
        ledger.record(
            note.session_id,
            "note_stacked",
            {"value": value.wire(), "recovered": True, "reason": "device counter"},
            txn_id=note.txn_id,
        )
        return
    ledger.record(
        note.session_id,
        "note_resolved",
        {"outcome": "stacked", "reason": "device counter", "value": value.wire()},
        txn_id=note.txn_id,
    )
    ledger.commit_money(
        note.session_id,
        "note_stacked_unassigned",
        {"recovered": True, "flagged": True},
        txn_id=str(uuid.uuid4()),
        txn_type="cash_deposit",
        amount=value,
        tender={"type": "cash", "notes": {str(value.amount): 1}},
        details={"reason": "note_stacked_after_settlement", "flagged": True},
    )
