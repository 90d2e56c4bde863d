"""Cash inserted in one customer session, counted by denomination in minor units.

Notes and coins are counted apart (they go to different boxes and the core's tender lists them
apart); the session's total is both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kiosk.money.amount import Money


@dataclass
class CashTally:
    currency: str
    notes: Counter[int] = field(default_factory=Counter)
    coins: Counter[int] = field(default_factory=Counter)

    def add(self, value_minor: int) -> None:
        self.notes[value_minor] += 1

    def add_coin(self, value_minor: int) -> None:
        self.coins[value_minor] += 1

    @property
    def total(self) -> Money:
        minor = sum(v * n for v, n in (*self.notes.items(), *self.coins.items()))
        return Money.from_minor(minor, self.currency)

    def tender(self) -> dict[str, object]:
        """The CORE_API `tender` object: denomination (decimal string) -> count; `coins` only
        when coins were inserted (a notes-only tender is unchanged)."""
        tender: dict[str, object] = {"type": "cash", "notes": self._by_value(self.notes)}
        if self.coins:
            tender["coins"] = self._by_value(self.coins)
        return tender

    def _by_value(self, counts: Counter[int]) -> dict[str, int]:
        return {
            str(Money.from_minor(value, self.currency).amount): count
            for value, count in sorted(counts.items())
        }
