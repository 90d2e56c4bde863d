"""Billers and bills as the core system describes them (CORE_API.md `/v1/billers`, `/v1/bills`).

Wire format (JSON), which the reference core serves and the kiosk parses:
  biller: {"code": "SGCC", "name": {"zh_CN": "国家电网", "en": "State Grid Electricity"},
           "account_pattern": "^[0-9]{10}$",
           "min_amount": {"amount": "1.00", "currency": "CNY"},
           "max_amount": {"amount": "5000.00", "currency": "CNY"},
           "partial_allowed": false,
           "offline": {"allowed": true, "limit": {"amount": "500.00", "currency": "CNY"}}}
  bill:   {"bill_id": "B-2026-11-0001", "biller": "SGCC", "account": "1234567890",
           "holder": "张*", "period": "2026-10",
           "amount_due": {"amount": "125.50", "currency": "CNY"}, "due_date": "2026-11-30"}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.errors import KioskError
from kiosk.money.amount import Money


class CoreReplyError(KioskError):
    """The core answered something that does not match the contract."""

    code = "CORE_REPLY_INVALID"


@dataclass(frozen=True)
class Biller:
    code: str
    name_zh: str
    name_en: str
    account_pattern: str
    min_amount: Money
    max_amount: Money
    partial_allowed: bool
    offline_allowed: bool
    offline_limit: Money

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh_CN" else self.name_en

    def account_valid(self, account: str) -> bool:
        return re.fullmatch(self.account_pattern, account) is not None

    @classmethod
    def from_wire(cls, data: Any) -> Biller:
        try:
            offline = data["offline"]
            return cls(
                code=_text(data["code"]),
                name_zh=_text(data["name"]["zh_CN"]),
                name_en=_text(data["name"]["en"]),
                account_pattern=_pattern(data["account_pattern"]),
                min_amount=_money(data["min_amount"]),
                max_amount=_money(data["max_amount"]),
                partial_allowed=bool(data.get("partial_allowed", False)),
                offline_allowed=bool(offline["allowed"]),
                offline_limit=_money(offline["limit"]),
            )
        except (KeyError, TypeError, KioskError) as exc:
            raise CoreReplyError(f"malformed biller: {exc}") from exc

    def to_wire(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": {"zh_CN": self.name_zh, "en": self.name_en},
            "account_pattern": self.account_pattern,
            "min_amount": self.min_amount.wire(),
            "max_amount": self.max_amount.wire(),
            "partial_allowed": self.partial_allowed,
            "offline": {"allowed": self.offline_allowed, "limit": self.offline_limit.wire()},
        }


@dataclass(frozen=True)
class Bill:
    bill_id: str
    biller: str
    account: str
    holder: str
    period: str
    amount_due: Money
    due_date: date

    @classmethod
    def from_wire(cls, data: Any) -> Bill:
        try:
            return cls(
                bill_id=_text(data["bill_id"]),
                biller=_text(data["biller"]),
                account=_text(data["account"]),
                holder=_text(data["holder"]),
                period=_text(data["period"]),
                amount_due=_money(data["amount_due"]),
                due_date=date.fromisoformat(_text(data["due_date"])),
            )
        except (KeyError, TypeError, ValueError, KioskError) as exc:
            raise CoreReplyError(f"malformed bill: {exc}") from exc

    def to_wire(self) -> dict[str, Any]:
        return {
            "bill_id": self.bill_id,
            "biller": self.biller,
            "account": self.account,
            "holder": self.holder,
            "period": self.period,
            "amount_due": self.amount_due.wire(),
            "due_date": self.due_date.isoformat(),
        }


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise CoreReplyError(f"expected a non-empty string, got {value!r}")
    return value


def _pattern(value: Any) -> str:
    text = _text(value)
    try:
        re.compile(text)
    except re.error as exc:
        raise CoreReplyError(f"bad account pattern {text!r}") from exc
    return text


def _money(value: Any) -> Money:
    if not isinstance(value, dict):
        raise CoreReplyError(f"expected a money object, got {value!r}")
    return Money.parse(value.get("amount"), value.get("currency"))
