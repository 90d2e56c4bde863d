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

import functools
import re
import re._parser as _parser  # the stdlib's own pattern parser: the guard reads the structure
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
        """True when `account` matches the core's pattern. The pattern passed the guard of
        `check_account_pattern`, and an input longer than any account number is refused
        before it is matched, so this is fast whatever the core sent."""
        if len(account) > MAX_ACCOUNT_LENGTH:
            return False
        return _compiled(check_account_pattern(self.account_pattern)).fullmatch(account) is not None

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
    return check_account_pattern(_text(value))


MAX_PATTERN_LENGTH = 100
MAX_ACCOUNT_LENGTH = 64
MAX_UNBOUNDED_REPEATS = 3  # `\d*\d*\d*...` is polynomial: keep the degree low
_REPEATS = {_parser.MAX_REPEAT, _parser.MIN_REPEAT, getattr(_parser, "POSSESSIVE_REPEAT", None)}
_REFUSED = {
    _parser.GROUPREF: "a backreference",
    _parser.GROUPREF_EXISTS: "a conditional group",
    _parser.ASSERT: "a lookahead/lookbehind",
    _parser.ASSERT_NOT: "a negative lookahead/lookbehind",
}


def check_account_pattern(pattern: str) -> str:
    r"""`pattern` when it is safe to run on customer input, else CoreReplyError saying why.

    The core sends these patterns and the kiosk runs them on every keypad entry; Python's
    backtracking engine can take exponential time on some (issue 19 #9: 10.7 s on 18 digits).
    Instead of running a pattern under a timer, it is refused by its structure, before any
    input is seen: longer than MAX_PATTERN_LENGTH, a backreference, a lookaround or a
    conditional, a variable quantifier inside a repeating one (`(\d+)+`; `(\d{4})+` and
    `(\d+)?` are fine), an alternation under a repeating quantifier (`(\d|\d)*`), or more
    than MAX_UNBOUNDED_REPEATS open-ended quantifiers.
    Account patterns (digits, a prefix, a length range) need none of these.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise CoreReplyError(f"account pattern longer than {MAX_PATTERN_LENGTH} characters")
    try:
        tree = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise CoreReplyError(f"bad account pattern {pattern!r}") from exc
    unbounded = _walk(tree, pattern, inside_repeat=False)
    if unbounded > MAX_UNBOUNDED_REPEATS:
        raise CoreReplyError(
            f"unsafe account pattern {pattern!r}: more than {MAX_UNBOUNDED_REPEATS} "
            "open-ended quantifiers"
        )
    return pattern


def _walk(tree: Any, pattern: str, *, inside_repeat: bool) -> int:
    """Checks a parsed pattern; returns how many open-ended quantifiers it holds.
    `inside_repeat`: under a quantifier that may repeat its body (max > 1), where a variable
    inner quantifier or an alternation gives the engine many ways to split the same digits."""
    unbounded = 0
    for op, arg in tree:
        if op in _REFUSED:
            raise CoreReplyError(f"unsafe account pattern {pattern!r}: {_REFUSED[op]}")
        if op in _REPEATS:
            low, high, body = arg
            if inside_repeat and low != high:
                raise CoreReplyError(
                    f"unsafe account pattern {pattern!r}: a quantifier inside a quantifier"
                )
            unbounded += high == _parser.MAXREPEAT
            unbounded += _walk(body, pattern, inside_repeat=inside_repeat or high > 1)
        elif op is _parser.BRANCH:
            if inside_repeat:
                raise CoreReplyError(
                    f"unsafe account pattern {pattern!r}: an alternation under a quantifier"
                )
            for branch in arg[1]:
                unbounded += _walk(branch, pattern, inside_repeat=inside_repeat)
        elif op is _parser.SUBPATTERN:
            unbounded += _walk(arg[-1], pattern, inside_repeat=inside_repeat)
        elif op is getattr(_parser, "ATOMIC_GROUP", None):
            unbounded += _walk(arg, pattern, inside_repeat=inside_repeat)
    return unbounded


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _money(value: Any) -> Money:
    if not isinstance(value, dict):
        raise CoreReplyError(f"expected a money object, got {value!r}")
    return Money.parse(value.get("amount"), value.get("currency"))
