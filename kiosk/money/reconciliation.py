"""End-of-day reconciliation: the kiosk's journal against the core's `/v1/reconciliation`.

The kiosk side is read from the journal (the money entries `Ledger.commit_money` wrote, each
carrying its seq and amount) joined to the outbox for the transaction type and delivery state.
The business day is the UTC date of `created_at`, exactly as the core files transactions.

What is still queued or dead-lettered on the kiosk is *expected* to be missing at the core and is
reported as such; a difference is what remains after that: the core holds something the kiosk
did not send, or lacks (or counts differently) something the kiosk says was accepted. Every
difference is a technician alert and goes out with telemetry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.errors import CoreError, KioskError
from kiosk.money.amount import Money
from kiosk.money.journal import JournalEntry
from offline_queue.events import TechnicianAlert
from offline_queue.http import CoreHttp
from offline_queue.models import OutboxItem, OutboxState

log = logging.getLogger(__name__)

Totals = dict[str, Decimal]  # currency -> sum


@dataclass
class TypeTotals:
    count: int = 0
    totals: Totals = field(default_factory=dict)

    def add(self, amount: Decimal, currency: str) -> None:
        self.count += 1
        self.totals[currency] = self.totals.get(currency, Decimal(0)) + amount

    def wire(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "totals": [Money(v, c).wire() for c, v in sorted(self.totals.items())],
        }


@dataclass(frozen=True)
class Difference:
    type: str
    kiosk: TypeTotals  # accepted on the kiosk's side
    core: TypeTotals

    def describe(self) -> str:
        return (
            f"{self.type}: kiosk accepted {self.kiosk.count} "
            f"{_fmt(self.kiosk.totals)}, core holds {self.core.count} {_fmt(self.core.totals)}"
        )


@dataclass(frozen=True)
class ReconciliationReport:
    kiosk_id: str
    day: date
    accepted: dict[str, TypeTotals]
    unsent: dict[str, TypeTotals]  # pending or in flight: will reach the core later
    dead: dict[str, TypeTotals]  # dead letters: need a person
    core: dict[str, TypeTotals]
    differences: list[Difference]
    seq_gaps: list[dict[str, int]]

    @property
    def matches(self) -> bool:
        return not self.differences

    def wire(self) -> dict[str, Any]:
        def table(t: dict[str, TypeTotals]) -> dict[str, Any]:
            return {k: v.wire() for k, v in sorted(t.items())}

        return {
            "kiosk_id": self.kiosk_id,
            "date": self.day.isoformat(),
            "matches": self.matches,
            "kiosk_accepted": table(self.accepted),
            "kiosk_unsent": table(self.unsent),
            "kiosk_dead": table(self.dead),
            "core": table(self.core),
            "differences": [d.describe() for d in self.differences],
            "core_seq_gaps": self.seq_gaps,
        }


def journal_day(engine: Engine, day: date) -> dict[OutboxState, dict[str, TypeTotals]]:
    """The journal's money entries of `day`, per outbox state and transaction type."""
    out: dict[OutboxState, dict[str, TypeTotals]] = {s: {} for s in OutboxState}
    with Session(engine) as s:
        rows = s.execute(
            select(
                JournalEntry.data,
                OutboxItem.seq,
                OutboxItem.type,
                OutboxItem.state,
                OutboxItem.payload,
            )
            .join(OutboxItem, OutboxItem.txn_id == JournalEntry.txn_id)
            .where(JournalEntry.txn_id.is_not(None))
        )
        for data_text, seq, txn_type, state, payload in rows:
            data = json.loads(data_text)
            money = data.get("amount")
            if data.get("seq") != seq or not isinstance(money, dict):
                continue  # a non-money step of the same customer session
            if json.loads(payload)["created_at"][:10] != day.isoformat():
                continue
            amount = Money.parse(money["amount"], money["currency"])
            out[state].setdefault(txn_type, TypeTotals()).add(amount.amount, amount.currency)
    return out


def core_day(http: CoreHttp, kiosk_id: str, day: date) -> tuple[dict[str, TypeTotals], list[Any]]:
    reply = http.get_json("/v1/reconciliation", {"kiosk_id": kiosk_id, "date": day.isoformat()})
    try:
        types: dict[str, TypeTotals] = {}
        for txn_type, entry in reply["types"].items():
            totals = TypeTotals(count=int(entry["count"]))
            for money in entry["totals"]:
                parsed = Money.parse(money["amount"], money["currency"])
                totals.totals[parsed.currency] = parsed.amount
            types[str(txn_type)] = totals
        gaps = list(reply.get("seq", {}).get("gaps", []))
    except (KeyError, TypeError, ValueError, AttributeError, KioskError) as exc:
        raise CoreError(
            "reconciliation reply off-contract", code="CORE_REPLY_INVALID", transient=True
        ) from exc
    return types, gaps


def reconcile(
    engine: Engine,
    http: CoreHttp,
    kiosk_id: str,
    day: date,
    *,
    alert: Callable[[object], None] = lambda event: None,
    send_telemetry: bool = True,
) -> ReconciliationReport:
    """Compares one day; alerts on every difference and sends the report with telemetry."""
    kiosk = journal_day(engine, day)
    core, gaps = core_day(http, kiosk_id, day)
    accepted = kiosk[OutboxState.ACCEPTED]
    unsent = _merge(kiosk[OutboxState.PENDING], kiosk[OutboxState.IN_FLIGHT])
    differences = []
    for txn_type in sorted(set(accepted) | set(core)):
        mine, theirs = accepted.get(txn_type, TypeTotals()), core.get(txn_type, TypeTotals())
        if mine.count != theirs.count or _nonzero(mine.totals) != _nonzero(theirs.totals):
            differences.append(Difference(txn_type, mine, theirs))
    report = ReconciliationReport(
        kiosk_id, day, accepted, unsent, kiosk[OutboxState.DEAD], core, differences, gaps
    )
    for difference in differences:
        log.error("reconciliation %s: %s", day, difference.describe())
        alert(TechnicianAlert("RECONCILIATION_DIFFERENCE", difference.describe()[:200]))
    if send_telemetry:
        try:
            http.post_json("/v1/telemetry", {"kiosk_id": kiosk_id, "reconciliation": report.wire()})
        except CoreError as exc:  # fire-and-forget: the next heartbeat carries it again
            log.warning("reconciliation telemetry not sent: %s", exc)
    return report


def _merge(a: dict[str, TypeTotals], b: dict[str, TypeTotals]) -> dict[str, TypeTotals]:
    out: dict[str, TypeTotals] = {}
    for table in (a, b):
        for txn_type, t in table.items():
            into = out.setdefault(txn_type, TypeTotals())
            into.count += t.count
            for currency, value in t.totals.items():
                into.totals[currency] = into.totals.get(currency, Decimal(0)) + value
    return out


def _nonzero(totals: Totals) -> Totals:
    return {c: v for c, v in totals.items() if v != 0}


def _fmt(totals: Totals) -> str:
    return ", ".join(f"{c} {v}" for c, v in sorted(totals.items())) or "nothing"
