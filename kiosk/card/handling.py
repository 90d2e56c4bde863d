"""Card handling policy: eject, the customer's time to take the card, retention.

Every move of the card is journaled before the device is told to act, with the masked PAN
only. A card not taken within `take_timeout` seconds is retained (a card left in the mouth is
a card someone else can take); the issuer's retain order is obeyed at once. The retained-card
counter counts captures since the bin was last emptied and is rebuilt from the journal on
start-up, so a restart never loses it.
"""

from __future__ import annotations

from kiosk.clock import Clock
from kiosk.journeys.card_ports import CardPort
from kiosk.money.ledger import Ledger

TAKE_TIMEOUT_S = 30.0


class CardHandler:
    def __init__(
        self, port: CardPort, ledger: Ledger, clock: Clock, *, take_timeout: float = TAKE_TIMEOUT_S
    ) -> None:
        self._port = port
        self._ledger = ledger
        self._clock = clock
        self.take_timeout = take_timeout
        self._deadline: float | None = None
        self._session_id = ""
        self._masked_pan = ""
        self._swiped = False  # the card was swiped: it never entered the reader
        self.retained_count = self._count_from_journal()
        self.last_captured = False  # whether the last retain order really captured the card

    def _count_from_journal(self) -> int:
        count = 0
        for record in self._ledger.records():
            if record.kind == "card_retained" and record.data.get("captured"):
                count += 1
            elif record.kind == "card_bin_emptied":
                count = 0
        return count

    @property
    def awaiting_take(self) -> bool:
        return self._deadline is not None

    def seconds_left(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self._clock.monotonic())

    def inserted(self, session_id: str, masked_pan: str, aid: str, source: str = "chip") -> None:
        self._session_id, self._masked_pan = session_id, masked_pan
        self._swiped = source == "stripe"
        self._ledger.record(
            session_id, "card_read", {"masked_pan": masked_pan, "aid": aid, "source": source}
        )

    def eject(self, session_id: str, reason: str) -> None:
        self._session_id = session_id
        if self._swiped:  # nothing to move and nothing to wait for: the customer holds it
            self._ledger.record(
                session_id, "card_swipe_ended", {"masked_pan": self._masked_pan, "reason": reason}
            )
            self._forget()
            return
        self._ledger.record(
            session_id, "card_ejected", {"masked_pan": self._masked_pan, "reason": reason}
        )
        self._port.eject()
        self._deadline = self._clock.monotonic() + self.take_timeout

    def taken(self) -> None:
        """The reader reports the card gone: the customer has it back."""
        if self._session_id:
            self._ledger.record(self._session_id, "card_taken", {"masked_pan": self._masked_pan})
        self._forget()

    def _forget(self) -> None:
        self._deadline = None
        self._session_id = self._masked_pan = ""
        self._swiped = False

    def tick(self) -> bool:
        """Retains a card left too long; True when it did so now."""
        if self._deadline is None or self._clock.monotonic() < self._deadline:
            return False
        self.retain(self._session_id, "not_taken")
        return True

    def retain(self, session_id: str, reason: str) -> bool:
        """Retains for `reason` (not_taken, issuer_order, pin_tries); True if captured."""
        self._ledger.record(
            session_id,
            "card_retain_ordered",
            {"masked_pan": self._masked_pan, "reason": reason},
        )
        captured = False if self._swiped else self._port.retain()
        self.last_captured = captured
        if captured:
            self.retained_count += 1
        self._ledger.record(
            session_id,
            "card_retained",
            {
                "masked_pan": self._masked_pan,
                "reason": reason,
                "captured": captured,
                "retained_count": self.retained_count,
            },
        )
        self._forget()
        return captured

    def bin_emptied(self, technician: str) -> None:
        self._ledger.record(
            "technician", "card_bin_emptied", {"count": self.retained_count, "by": technician}
        )
        self.retained_count = 0
