"""The contract every journey part keeps, and the little each needs from the journey running it.

A part is a sub-journey (keypad entry, cash tender, receipt, card session) that a parent journey
starts, feeds events and ticks, shows the screen of, and hears back from once: the part calls its
`on_done` callback with one outcome object and does nothing more. So a parent reads as a list of
parts and what each outcome leads to, and a rule that must hold on every screen of a kind (a
Cancel on every input screen, the countdown before a timeout, a message that belongs to the step
that raised it) is written once, in the part.

Why explicit small classes rather than a statechart library: the parts are few, their states are
plain Enums with transition tables a reader can check by eye, and the fake clock drives them
directly; `transitions`' HierarchicalMachine would add a dependency and hide the table in
configuration without removing a line of the journey logic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.clock import Clock
from kiosk.i18n import Catalog
from kiosk.journeys.screen_model import ScreenModel, Tone
from kiosk.runtime.config import TimeoutConfig

Journal = Callable[..., None]  # journal(kind, **data): the parent's journal, its ids attached
Outcome = object


@dataclass(frozen=True)
class Cabinet:
    """Where the customer's devices are, by clock position from the keypad (set per cabinet,
    [voice] in the config): every screen that asks the customer to use one says where it is."""

    card_slot: int = 2
    note_acceptor: int = 4
    receipt_slot: int = 10

    def position(self, device: str) -> int:
        return {"card": self.card_slot, "cash": self.note_acceptor}.get(device, self.receipt_slot)


@dataclass
class PartContext:
    """What a part borrows from its parent: language, texts, time and the journal.

    `lang` and `timeout_factor` are read at each use, so a language switch or voice mode reaches
    a part that is already running.
    """

    catalog: Catalog
    clock: Clock
    timeouts: TimeoutConfig
    journal: Journal
    lang: Callable[[], str]
    timeout_factor: Callable[[], float] = lambda: 1.0
    cabinet: Cabinet = field(default_factory=Cabinet)

    def text(self, message_id: str, **values: Any) -> str:
        return self.catalog.text(self.lang(), message_id, **values)

    def where(self, device: str) -> str:
        """ "The note slot is at 4 o'clock from the keypad": `device` is card, cash or receipt."""
        return self.text(f"where_{device}", position=self.cabinet.position(device))


class Part:
    """Deadline keeping and the single outcome; subclasses add states, events and screens."""

    def __init__(self, ctx: PartContext, on_done: Callable[[Outcome], None]) -> None:
        self.ctx = ctx
        self._on_done = on_done
        self._deadline: float | None = None
        self._timeout_s: float | None = None
        self._customer_wait = False
        self.finished = False

    # -- what a parent calls ---------------------------------------------------------------

    def handle(self, event: object) -> bool:
        """Takes the event if it is this part's; True when it was."""
        raise NotImplementedError

    def screen(self) -> ScreenModel:
        raise NotImplementedError

    def tick(self) -> None:
        if self._deadline is not None and self.ctx.clock.monotonic() >= self._deadline:
            self._deadline = None
            self.on_timeout()

    def seconds_left(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self.ctx.clock.monotonic())

    @property
    def waiting_for_customer(self) -> bool:
        """The part waits on the customer (not on a device or the network): it counts down."""
        return self._customer_wait and self._deadline is not None

    # -- what a part uses ------------------------------------------------------------------

    def on_timeout(self) -> None:
        """The armed deadline passed; each part decides what that means in its state."""

    def arm(self, seconds: float | None, *, customer: bool = True) -> None:
        """Starts (or restarts) the deadline; a customer's time is longer in voice mode."""
        self._timeout_s, self._customer_wait = seconds, customer
        if seconds is None:
            self._deadline = None
            return
        factor = self.ctx.timeout_factor() if customer else 1.0
        self._deadline = self.ctx.clock.monotonic() + seconds * factor

    def rearm(self) -> None:
        """Any key is activity: the countdown starts again with the same length."""
        if self._deadline is not None and self._customer_wait:
            self.arm(self._timeout_s)

    def finish(self, outcome: Outcome) -> None:
        """Reports the one outcome to the parent; the part is spent afterwards."""
        if self.finished:
            raise RuntimeError(f"{type(self).__name__} reported twice")
        self.finished, self._deadline = True, None
        self._on_done(outcome)

    def with_countdown(self, model: ScreenModel) -> ScreenModel:
        """Adds the visible, spoken countdown once the customer's time is nearly up."""
        left = self.seconds_left()
        if not self.waiting_for_customer or left is None or left > self.ctx.timeouts.warning:
            return model
        seconds = math.ceil(left)
        return replace(
            model,
            countdown=seconds,
            countdown_text=self.ctx.text("seconds_left", seconds=seconds),
            message=model.message or self.ctx.text("timeout_warning"),
            tap_key=model.tap_key or "help",  # a touch anywhere is activity, like any key
            tone=model.tone if model.message else Tone.WARNING,
        )
