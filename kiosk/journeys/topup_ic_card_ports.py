"""What the IC-card recharge journey needs from the card reader, and the pending-credit query
recovery shares with it (the journal is the only record of a credit not yet on a card)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from drivers.card_reader.stored_value import CardState
from kiosk.money.journal import JournalRecord


@dataclass(frozen=True)
class CardRead:
    request_id: str
    state: CardState | None
    error: str = ""


@dataclass(frozen=True)
class CardCreditResult:
    request_id: str
    state: CardState | None
    error: str = ""


class StoredValuePort(Protocol):
    def read(self, request_id: str) -> None:
        """Reads the card; the answer arrives as CardRead."""
        ...

    def credit(self, request_id: str, before: CardState, amount_minor: int) -> None:
        """Writes a credit; the answer arrives as CardCreditResult (state None: failed)."""
        ...


@dataclass(frozen=True)
class CreditJob:
    session_id: str
    txn_id: str
    before: CardState
    amount_minor: int
    attempts: int = 0


def pending_credits(records: list[JournalRecord], card_id: str | None = None) -> list[CreditJob]:
    """Card credits booked but never confirmed on the card (oldest first)."""
    written = {r.txn_id for r in records if r.kind == "card_credit_written"}
    jobs = []
    for r in records:
        if r.kind == "payment_committed" and r.data.get("card_credit") == "pending":
            if r.txn_id in written or (card_id and r.data["card_id"] != card_id):
                continue
            before = CardState(
                r.data["card_id"], r.data["balance_before"], r.data["counter_before"]
            )
            jobs.append(CreditJob(r.session_id, r.txn_id or "", before, r.data["amount_minor"]))
    return jobs
