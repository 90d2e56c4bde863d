"""Checks one incoming CORE_API transaction object and computes its canonical content hash.

Kept apart from HTTP and storage so the rules a payments back office applies are in one place:
money is a decimal string with at most the currency's minor digits, times are RFC 3339 UTC, the
item's kiosk_id is the authenticated kiosk, and a card tender never carries a full PAN.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.money.amount import Money, MoneyError
from kiosk.money.billing import Biller

TXN_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,4})?$")
_FULL_PAN = re.compile(r"[0-9]{13,19}")
MAX_SEQ = 2**53


class ValidationError(Exception):
    """A per-item rejection: `code` is returned to the kiosk, which dead-letters the item."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ValidTxn:
    txn_id: str
    kiosk_id: str
    seq: int
    type: str
    created_at: str
    business_date: str
    amount: Money
    tender: dict[str, Any]
    details: dict[str, Any]
    content_hash: str


def validate_transaction(raw: Any, kiosk_id: str) -> ValidTxn:
    if not isinstance(raw, dict):
        raise ValidationError("VALIDATION_FAILED", "a transaction must be a JSON object")
    txn_id = _txn_id(raw.get("txn_id"))
    if raw.get("kiosk_id") != kiosk_id:
        raise ValidationError("KIOSK_MISMATCH", "kiosk_id differs from the authenticated kiosk")
    seq = raw.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        raise ValidationError("VALIDATION_FAILED", "seq must be a positive integer")
    txn_type = raw.get("type")
    if not isinstance(txn_type, str) or not TXN_TYPE.match(txn_type):
        raise ValidationError("VALIDATION_FAILED", "type must be a lower_snake_case word")
    created_at = raw.get("created_at")
    moment = parse_rfc3339(created_at)
    amount = parse_amount(raw.get("amount"), raw.get("currency"))
    tender, details = raw.get("tender"), raw.get("details")
    if not isinstance(tender, dict) or not isinstance(details, dict):
        raise ValidationError("VALIDATION_FAILED", "tender and details must be JSON objects")
    if _FULL_PAN.search(json.dumps(tender)):
        raise ValidationError("PAN_NOT_MASKED", "tender carries what looks like a full PAN")
    if txn_type == "reversal":  # CORE_API.md: a reversal names its original
        _txn_id(details.get("original_txn_id"), "details.original_txn_id")
    canonical = {
        "txn_id": txn_id,
        "kiosk_id": kiosk_id,
        "seq": seq,
        "type": txn_type,
        "created_at": created_at,
        "amount": str(amount.amount),
        "currency": amount.currency,
        "tender": tender,
        "details": details,
    }
    return ValidTxn(
        txn_id=txn_id,
        kiosk_id=kiosk_id,
        seq=seq,
        type=txn_type,
        created_at=str(created_at),
        business_date=moment.date().isoformat(),
        amount=amount,
        tender=tender,
        details=details,
        content_hash=content_hash(canonical),
    )


def check_bill_amount(amount: Money, details: dict[str, Any], due: Money, biller: Biller) -> bool:
    """Whether this payment settles the bill (True) or pays part of it (False); raises
    ValidationError when the biller does not allow the amount (CORE_API.md).

    Allowed: the amount due; amount due + `details.prepayment` (the kiosk gives no change: the
    excess is credited to the account, and must be declared so a wrong amount is not mistaken
    for one); a partial amount declared with `details.partial: true` where the biller takes
    partial payments, at least the biller's minimum. Never 0.00, never over the biller's
    maximum. `details.amount_due`, when sent, must be the bill's own."""
    if "amount_due" in details and _money(details["amount_due"], "amount_due") != due:
        raise ValidationError("BILL_MISMATCH", "details.amount_due is not the bill's amount due")
    if amount.amount <= 0:
        raise ValidationError("AMOUNT_NOT_ALLOWED", "a bill payment must be more than zero")
    if amount > biller.max_amount:
        raise ValidationError("AMOUNT_NOT_ALLOWED", "over the biller's maximum payment")
    prepayment = Money.zero(due.currency)
    if "prepayment" in details:
        prepayment = _money(details["prepayment"], "prepayment")
    if not prepayment.is_zero():
        if amount - prepayment != due:
            raise ValidationError(
                "PREPAYMENT_MISMATCH", "amount minus details.prepayment must be the amount due"
            )
        return True
    if amount == due:
        return True
    if amount > due:
        raise ValidationError(
            "PREPAYMENT_MISMATCH", "more than the amount due without details.prepayment"
        )
    if not biller.partial_allowed:
        raise ValidationError("PARTIAL_NOT_ALLOWED", "this biller takes only the amount due")
    if details.get("partial") is not True:
        raise ValidationError("PARTIAL_NOT_DECLARED", "less than due without details.partial")
    if amount < biller.min_amount:
        raise ValidationError("AMOUNT_NOT_ALLOWED", "under the biller's minimum payment")
    return False


def _money(value: Any, name: str) -> Money:
    if not isinstance(value, dict):
        raise ValidationError("MONEY_INVALID", f"details.{name} must be a money object")
    return parse_amount(value.get("amount"), value.get("currency"))


def content_hash(canonical: dict[str, Any]) -> str:
    """SHA-256 of sorted-key compact JSON: equal content gives an equal hash on any machine."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_amount(amount: Any, currency: Any) -> Money:
    """A non-negative decimal string with at most the currency's minor digits."""
    if not isinstance(amount, str) or not _AMOUNT.match(amount):
        raise ValidationError("MONEY_INVALID", "amount must be a non-negative decimal string")
    if not isinstance(currency, str):
        raise ValidationError("MONEY_INVALID", "currency must be an ISO 4217 code")
    try:
        return Money.parse(amount, currency)
    except MoneyError as exc:
        raise ValidationError("MONEY_INVALID", str(exc.args[0])) from exc


def parse_rfc3339(value: Any) -> datetime:
    if not isinstance(value, str) or not value.endswith("Z") or "T" not in value:
        raise ValidationError("VALIDATION_FAILED", "created_at must be RFC 3339 UTC (…Z)")
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValidationError("VALIDATION_FAILED", "created_at is not a valid time") from exc


def _txn_id(value: Any, name: str = "txn_id") -> str:
    if isinstance(value, str) and len(value) == 36:
        try:
            if str(uuid.UUID(value)) == value.lower():
                return value
        except ValueError:
            pass
    raise ValidationError("VALIDATION_FAILED", f"{name} must be a UUID string")
