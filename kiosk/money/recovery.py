"""Start-up recovery: every cash session a crash left open is settled or flagged, never dropped.

The journal is the source of truth. A session with stacked notes but no payment or credit is
credited to the customer's account (a `cash_deposit` queued to the core, the same path as a
timeout), with the reason in the journal. A note accepted from escrow but never confirmed stacked
cannot be counted from the journal alone: when the device's counters were read at start-up
(`CashboxReading`), kiosk.money.cash.reconcile places it (stacked -> credited, or returned);
otherwise, or when the counts disagree, it is flagged for the technician to reconcile against
the cashbox.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kiosk.journeys.bill_payment_card_recovery import reverse_unsettled
from kiosk.journeys.topup_ic_card_ports import pending_credits
from kiosk.money.amount import Money
from kiosk.money.cash.reconcile import CashboxReading, reconcile, unresolved_notes
from kiosk.money.journal import JournalRecord
from kiosk.money.ledger import Ledger

log = logging.getLogger(__name__)

TERMINAL_KINDS = frozenset({"payment_committed", "cash_credited", "cash_session_closed"})
PRINT_OUTCOMES = frozenset({"receipt_printed", "receipt_not_printed"})


@dataclass
class RecoveryReport:
    credited: list[str] = field(default_factory=list)  # txn_ids credited on recovery
    closed_empty: list[str] = field(default_factory=list)  # session ids with no cash
    flagged: list[str] = field(default_factory=list)  # session ids needing a technician
    cashbox: dict[str, Any] = field(default_factory=dict)  # what reconcile() found and did
    reversed: list[str] = field(default_factory=list)  # card authorizations reversed

    @property
    def anything(self) -> bool:
        return bool(self.credited or self.closed_empty or self.flagged or self.reversed)


def recover(ledger: Ledger, cashbox: CashboxReading | None = None) -> RecoveryReport:
    report = RecoveryReport()
    report.cashbox = reconcile(ledger, cashbox)
    for session_id in report.cashbox.get("flagged_sessions", []):
        ledger.record(session_id, "recovery", {"flag": "note_unresolved", "count": 1})
        report.flagged.append(session_id)
    records_now = ledger.records()
    doubtful = {n.session_id for n in unresolved_notes(records_now)}
    sessions: dict[str, list[JournalRecord]] = defaultdict(list)
    for record in records_now:
        sessions[record.session_id].append(record)
    for session_id, records in sessions.items():
        kinds = [r.kind for r in records]
        if "cash_session_opened" in kinds and not TERMINAL_KINDS.intersection(kinds):
            _settle_open_cash(ledger, session_id, records, report, session_id in doubtful)
        committed = "payment_committed" in kinds or "cash_credited" in kinds
        if committed and not PRINT_OUTCOMES.intersection(kinds) and "recovery" not in kinds:
            ledger.record(
                session_id, "recovery", {"flag": "receipt_unconfirmed"}, txn_id=_txn(records)
            )
            report.flagged.append(session_id)
    _flag_pending_card_credits(ledger, records_now, report)
    report.reversed = reverse_unsettled(ledger, records_now)  # card holds never left charged
    if report.anything:
        log.warning("recovery: %s", report)
    return report


def _flag_pending_card_credits(
    ledger: Ledger, records: list[JournalRecord], report: RecoveryReport
) -> None:
    """Cash booked for an IC-card recharge whose credit is not confirmed on the card: the money
    is safe (booked); the credit is written when the card is next presented, or settled by a
    technician. Flagged once per transaction."""
    flagged = {
        r.txn_id
        for r in records
        if r.kind == "recovery" and r.data.get("flag") == "card_credit_pending"
    }
    for job in pending_credits(records):
        if job.txn_id not in flagged:
            ledger.record(
                job.session_id,
                "recovery",
                {"flag": "card_credit_pending", "card_id": job.before.card_id},
                txn_id=job.txn_id,
            )
            report.flagged.append(job.session_id)


def _txn(records: list[JournalRecord]) -> str | None:
    return next((r.txn_id for r in records if r.txn_id), None)


def _settle_open_cash(
    ledger: Ledger,
    session_id: str,
    records: list[JournalRecord],
    report: RecoveryReport,
    doubtful: bool,
) -> None:
    opened = next(r for r in records if r.kind == "cash_session_opened")
    stacked = [r for r in records if r.kind in ("note_stacked", "coin_credited")]
    txn_id = opened.txn_id
    if doubtful:
        ledger.record(
            session_id,
            "recovery",
            {"flag": "note_unresolved", "count": 1},
            txn_id=txn_id,
        )
        report.flagged.append(session_id)
    if not stacked or txn_id is None:
        ledger.record(session_id, "cash_session_closed", {"reason": "recovered", "total": "0"})
        report.closed_empty.append(session_id)
        return
    notes: dict[str, int] = defaultdict(int)
    coins: dict[str, int] = defaultdict(int)  # coins have no escrow: booked when credited
    total: Money | None = None
    for record in stacked:
        value = _money(record.data["value"])
        (coins if record.kind == "coin_credited" else notes)[str(value.amount)] += 1
        total = value if total is None else total + value
    assert total is not None
    tender: dict[str, Any] = {"type": "cash", "notes": dict(notes)}
    if coins:
        tender["coins"] = dict(coins)
    ledger.commit_money(
        session_id,
        "cash_credited",
        {"reason": "recovered"},
        txn_id=txn_id,
        txn_type="cash_deposit",
        amount=total,
        tender=tender,
        details={
            "biller": opened.data.get("biller"),
            "account": opened.data.get("account"),
            "reason": "recovered",
        },
    )
    ledger.record(session_id, "recovery", {"flag": "credited_after_restart"}, txn_id=txn_id)
    report.credited.append(txn_id)


def _money(wire: Any) -> Money:
    return Money.parse(wire["amount"], wire["currency"])
