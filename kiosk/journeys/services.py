"""Adapters that let the services menu start the top-up and reprint journeys.

Both journeys are built fresh for each customer (in the language the customer chose, with the
products the core offers now); the adapter keeps the last one so late results (a print, a sync)
still reach it.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.clock import Clock
from kiosk.events import Key, KeyPressed
from kiosk.journeys.reprint import ReprintJourney, RState
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.topup import TopupJourney, TopupState


class TopupService:
    takes_cash = True  # notes and coins go to this journey while it is open

    def __init__(
        self, factory: Callable[[str], TopupJourney], available: Callable[[], bool]
    ) -> None:
        self._factory = factory
        self._available = available
        self.journey: TopupJourney | None = None
        self.timeout_factor = 1.0

    def available(self) -> bool:
        return self._available()

    def begin(self, lang: str) -> None:
        self.journey = self._factory(lang)
        self.journey.timeout_factor = self.timeout_factor  # voice mode: longer to act
        self.journey.start()

    @property
    def done(self) -> bool:
        return self.journey is None or self.journey.state is TopupState.CLOSED

    def handle(self, event: object) -> None:
        if self.journey is not None:
            self.journey.handle(event)

    def tick(self) -> None:
        if self.journey is not None:
            self.journey.tick()

    def screen(self) -> ScreenModel:
        assert self.journey is not None
        return self.journey.screen()

    def abandon(self) -> None:
        """The customer left: inserted cash is settled exactly as the journey's own Cancel."""
        if self.journey is not None:
            self.journey.abandon()


class ReprintService:
    """Also gives the reprint journey an inactivity timeout on its waiting screens, so a
    customer who walks away never leaves the kiosk stuck there."""

    def __init__(
        self, factory: Callable[[str], ReprintJourney], clock: Clock, idle_timeout: float
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._last_activity = 0.0
        self.journey: ReprintJourney | None = None
        self.timeout_factor = 1.0

    def available(self) -> bool:
        return True  # the journal is always there; the core is asked only when needed

    def begin(self, lang: str) -> None:
        self.journey = self._factory(lang)
        self._last_activity = self._clock.monotonic()

    @property
    def done(self) -> bool:
        return self.journey is None or self.journey.state is RState.EXIT

    def handle(self, event: object) -> None:
        if isinstance(event, KeyPressed):
            self._last_activity = self._clock.monotonic()
        if self.journey is not None:
            self.journey.handle(event)

    def tick(self) -> None:
        if self.journey is None:
            return
        self.journey.tick()
        idle = self._clock.monotonic() - self._last_activity
        if idle >= self._idle_timeout * self.timeout_factor:
            self.abandon()

    def screen(self) -> ScreenModel:
        assert self.journey is not None
        return self.journey.screen()

    def abandon(self) -> None:
        if self.journey is not None and self.journey.state in (RState.ENTER, RState.RESULT):
            self.journey.handle(KeyPressed(Key.CANCEL))
