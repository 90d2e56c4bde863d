"""Start-up recovery for the card reader: a card found inside belongs to a customer of a dead run.

The question "is a card in the reader?" is a job on the reader's own I/O thread (connect, or
"no card"), answered by an event on the bus, so the kiosk's start never waits on pcscd. When the
reader cannot be asked (pcscd or the reader not there yet, common right after boot) the answer is
`unknown` and the question is asked again when the reader comes Online. The policy is applied on
the journey thread: the find is journaled, then the card is retained or ejected through the
CardHandler (which journals each move). Until the answer is in, the card services stay hidden.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from drivers.card_reader.errors import CardError, NoCard
from drivers.card_reader.errors import CardRemoved as CardGone
from drivers.card_reader.pcsc import PcscCardReader
from kiosk.card.handling import CardHandler
from kiosk.money.ledger import Ledger

log = logging.getLogger(__name__)
SETTLED = ("none", "retain", "eject")  # answered; "pending" and "unknown" are not


@dataclass(frozen=True)
class StartupCardChecked:
    device_id: str
    present: bool | None  # None: the reader could not be asked


class StartupCardCheck:
    def __init__(
        self,
        reader: PcscCardReader,
        ledger: Ledger,
        policy: str,
        publish: Callable[[object], None],
    ) -> None:
        self._reader = reader
        self._ledger = ledger
        self.policy = policy  # "retain" | "eject" (validated in kiosk/card/config.py)
        self._publish = publish
        self.outcome = "not asked"  # pending | unknown | none | retain | eject

    def ask(self) -> None:
        self.outcome = "pending"
        future = self._reader.submit(lambda transmit, atr: True)
        future.add_done_callback(self._answered)

    def _answered(self, future: Future[Any]) -> None:
        """On the reader's I/O thread: only publishes."""
        error = future.exception()
        present: bool | None = True
        if isinstance(error, NoCard | CardGone):
            present = False
        elif error is not None:
            code = error.code if isinstance(error, CardError) else type(error).__name__
            log.warning("card reader not checked for a card at start-up: %s", code)
            present = None
        self._publish(StartupCardChecked(self._reader.device_id, present))

    def on_answer(self, event: StartupCardChecked, cards: CardHandler) -> bool:
        """Applies the policy once per question; True when a card of a dead run was found."""
        if self.outcome != "pending":
            return False
        if event.present is None:
            self.outcome = "unknown"
            return False
        if not event.present:
            self.outcome = "none"
            return False
        session = f"startup-{uuid.uuid4()}"
        self._ledger.record(session, "card_found_at_startup", {"policy": self.policy})
        if self.policy == "eject":
            cards.eject(session, "found_at_startup")
        elif not cards.retain(session, "found_at_startup"):
            log.error("technician alert: a card from the last run is in the reader (not captured)")
        self.outcome = self.policy
        return True
