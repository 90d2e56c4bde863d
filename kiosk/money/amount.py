"""Money as Decimal with a currency; never a float anywhere in the kiosk."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from kiosk.errors import KioskError

# ISO 4217 minor digits for the currencies this kiosk handles.
MINOR_DIGITS: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0}
SYMBOLS: dict[str, str] = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥"}


class MoneyError(KioskError):
    code = "MONEY_INVALID"


@dataclass(frozen=True, order=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_DIGITS:
            raise MoneyError(f"unsupported currency {self.currency!r}")
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise MoneyError(f"amount must be a finite Decimal, got {self.amount!r}")
        quantum = Decimal(1).scaleb(-MINOR_DIGITS[self.currency])
        if self.amount != self.amount.quantize(quantum, rounding=ROUND_HALF_EVEN):
            raise MoneyError(f"{self.amount} has more than the minor digits of {self.currency}")
        object.__setattr__(self, "amount", self.amount.quantize(quantum))

    @classmethod
    def parse(cls, amount: str, currency: str) -> Money:
        """Parses the wire form: a decimal string, at most the currency's minor digits."""
        if not isinstance(amount, str):
            raise MoneyError(f"amount must be a decimal string, got {amount!r}")
        try:
            value = Decimal(amount)
        except InvalidOperation as exc:
            raise MoneyError(f"not a decimal amount: {amount!r}") from exc
        return cls(value, currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-MINOR_DIGITS[currency]), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @property
    def minor(self) -> int:
        return int(self.amount.scaleb(MINOR_DIGITS[self.currency]))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"currency mismatch {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def wire(self) -> dict[str, str]:
        """The CORE_API.md form: {"amount": "125.50", "currency": "CNY"}."""
        return {"amount": str(self.amount), "currency": self.currency}

    def display(self) -> str:
        """Symbol, grouping and minor digits: ¥1,125.50."""
        sign = "-" if self.amount < 0 else ""
        digits = MINOR_DIGITS[self.currency]
        return f"{sign}{SYMBOLS[self.currency]}{abs(self.amount):,.{digits}f}"
