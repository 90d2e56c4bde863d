"""A card reader port that records what the card journeys ask of it (balance, bill payment),
and the events a swipe on the hybrid reader's stripe head publishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from drivers.card_reader.base import StripeRead, StripeReadFailed
from drivers.card_reader.stripe_emulator import CARDS
from drivers.card_reader.stripe_protocol import Swipe
from drivers.card_reader.stripe_serial import swipe_event


@dataclass
class FakeReader:
    reads: list[tuple[str, str | None]] = field(default_factory=list)
    ejects: int = 0
    captures: bool = True
    online: bool = True
    swipe: bool = False  # a hybrid reader whose stripe head is Online

    def request_read(self, request_id: str, aid: str | None = None) -> None:
        self.reads.append((request_id, aid))

    def eject(self) -> None:
        self.ejects += 1

    def retain(self) -> bool:
        return self.captures

    def available(self) -> bool:
        return self.online

    def accepts_swipe(self) -> bool:
        return self.swipe


def swiped(name: str, today: date = date(2026, 11, 23)) -> StripeRead | StripeReadFailed:
    """What the stripe head's driver publishes when the emulator's card `name` is swiped."""
    track1, track2 = CARDS[name]
    return swipe_event("card_reader.stripe", Swipe("1", track1, track2), today)
