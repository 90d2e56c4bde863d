"""What a kiosk may do while it cannot reach the core, decided before the customer pays.

Journeys offline (`JOURNEYS`):
  cash bill payment   yes, for billers whose `offline.allowed` is true, up to their offline limit,
                      and only for a bill the kiosk looked up live recently (the bill cache);
                      the receipt is marked PENDING CONFIRMATION and the payment is flagged
                      `offline` for the back office
  card anything       no: authorisation needs the issuer, online, with the PIN
  balance/statement   no: the data lives at the core
  top-up              no: the operator must confirm the number first
  invoice reprint     yes: rebuilt from the kiosk's own journal

The customer is told on the bill screen, before the cash acceptor is enabled; a biller that does
not allow offline payment (or a bill above its limit) ends the journey there, with no money taken.
The escrow policy enforces the same offline limit note by note.

Bill cache (`BillCache`): open bills from successful live look-ups, per (biller, account), kept
for `max_age` (default 24 h) in memory only. In memory on purpose: after a restart of unknown
length the kiosk must look bills up again rather than trust an old copy. A bill this kiosk has
already taken a payment for (any bill_payment in its outbox since the look-up, sent or not) is
never offered again from the cache, so one bill cannot be paid twice while the core is away.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from drivers.printer.document import Align, Document, Separator, Text
from kiosk.clock import Clock
from kiosk.money.billing import Bill, Biller
from offline_queue.models import OutboxItem

JOURNEYS: dict[str, bool] = {
    "cash_bill_payment": True,
    "card_bill_payment": False,
    "card_authorization": False,
    "balance_inquiry": False,
    "statement": False,
    "topup": False,
    "invoice_reprint": True,
}


def available_offline(journey: str) -> bool:
    """Unknown journeys are refused offline: a new journey must opt in here, deliberately."""
    return JOURNEYS.get(journey, False)


@dataclass(frozen=True)
class OfflineDecision:
    allowed: bool
    message_id: str  # what the customer is told (kiosk/i18n/messages.toml)
    reason: str  # journaled, stable


def decide_bill_payment(biller: Biller, bill: Bill, *, tender: str = "cash") -> OfflineDecision:
    """May this bill be paid while the core is unreachable? Asked before any money is taken."""
    if tender != "cash" or not available_offline("cash_bill_payment"):
        return OfflineDecision(False, "offline_card_unavailable", "card_needs_core")
    if not biller.offline_allowed:
        return OfflineDecision(False, "offline_biller_not_allowed", "biller_offline_not_allowed")
    if bill.amount_due.currency != biller.offline_limit.currency:
        return OfflineDecision(False, "offline_biller_not_allowed", "currency_mismatch")
    if bill.amount_due > biller.offline_limit:
        return OfflineDecision(False, "offline_over_limit", "over_offline_limit")
    return OfflineDecision(True, "offline_payment_notice", "offline_allowed")


class BillCache:
    """Recent live look-ups, to let a customer pay a known bill through a short outage."""

    def __init__(
        self,
        clock: Clock,
        *,
        paid_since: Callable[[datetime], set[str]] = lambda since: set(),
        max_age: timedelta = timedelta(hours=24),
        max_entries: int = 2000,
    ) -> None:
        self._clock = clock
        self._paid_since = paid_since
        self._max_age = max_age
        self._max_entries = max_entries
        self._entries: dict[tuple[str, str], tuple[datetime, tuple[Bill, ...]]] = {}
        self._lock = threading.Lock()

    def put(self, biller: str, account: str, bills: tuple[Bill, ...]) -> None:
        with self._lock:
            self._entries.pop((biller, account), None)
            self._entries[(biller, account)] = (self._clock.now(), tuple(bills))
            while len(self._entries) > self._max_entries:  # oldest first (insertion order)
                self._entries.pop(next(iter(self._entries)))

    def get(self, biller: str, account: str) -> tuple[Bill, ...] | None:
        """The cached open bills minus those paid here since; None when unknown or too old."""
        with self._lock:
            entry = self._entries.get((biller, account))
        if entry is None:
            return None
        fetched_at, bills = entry
        if self._clock.now() - fetched_at > self._max_age:
            with self._lock:
                self._entries.pop((biller, account), None)
            return None
        paid = self._paid_since(fetched_at)
        return tuple(b for b in bills if b.bill_id not in paid)


def outbox_paid_bills(engine: Engine) -> Callable[[datetime], set[str]]:
    """bill_ids of bill payments (cash or card) queued since a moment, whatever their state."""

    def paid_since(since: datetime) -> set[str]:
        with Session(engine) as s:
            payloads = s.scalars(
                select(OutboxItem.payload)
                .where(OutboxItem.type.in_(("bill_payment", "card_payment")))
                .where(OutboxItem.created_at >= since - timedelta(seconds=1))
            )
            ids = set()
            for payload in payloads:
                bill_id = json.loads(payload).get("details", {}).get("bill_id")
                if isinstance(bill_id, str):
                    ids.add(bill_id)
            return ids

    return paid_since


def provisional(document: Document, banner: str, note: str) -> Document:
    """Marks a receipt as provisional: a banner under the title and a note before the footer.

    The core has not confirmed the payment (it was taken offline); the customer keeps proof of
    the cash paid, and the note says the payment will be confirmed when the kiosk reconnects.
    """
    blocks = list(document.blocks)
    marker = Text(banner, align=Align.CENTER, bold=True, double=True)
    blocks.insert(1 if blocks else 0, marker)
    at = next(
        (i for i in range(len(blocks) - 1, 0, -1) if isinstance(blocks[i], Separator)),
        len(blocks),
    )
    blocks.insert(at, Text(note))
    source = {**document.source, "provisional": True}
    return replace(document, blocks=tuple(blocks), source=source)
