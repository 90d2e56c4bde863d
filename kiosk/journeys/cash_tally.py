"""Notes inserted in one customer session, counted by denomination in minor units."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kiosk.money import Money


@dataclass
class CashTally:
    currency: str
    notes: Counter[int] = field(default_factory=Counter)

    def add(self, value_minor: int) -> None:
        self.notes[value_minor] += 1

    @property
    def total(self) -> Money:
        return Money.from_minor(sum(v * n for v, n in self.notes.items()), self.currency)

    def tender(self) -> dict[str, object]:
        """The CORE_API `tender` object: denomination (decimal string) -> count."""
        notes = {
            str(Money.from_minor(value, self.currency).amount): count
            for value, count in sorted(self.notes.items())
        }
        return {"type": "cash", "notes": notes}
