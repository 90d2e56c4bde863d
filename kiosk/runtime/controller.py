"""Feeds the journey from the bus on ONE thread and tells the renderer when the screen changed.

The Qt shell calls `pump()` from a timer on the GUI thread; the headless demo calls it from its
own loop. Keys may be pressed from any thread: they travel through the bus like device events.
"""

from __future__ import annotations

from kiosk.events import EventBus, KeyPressed
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.keys import Key
from kiosk.screen_model import ScreenModel


class JourneyController:
    def __init__(self, bus: EventBus, journey: BillPaymentJourney) -> None:
        self._bus = bus
        self.journey = journey
        self._shown: ScreenModel | None = None

    def press(self, key: Key) -> None:
        self._bus.publish(KeyPressed(key))

    def pump(self) -> ScreenModel | None:
        """Handles every pending event and due timeout; returns the screen when it changed."""
        for event in self._bus.drain():
            self.journey.handle(event)
        self.journey.tick()
        model = self.journey.screen()
        if model != self._shown:
            self._shown = model
            return model
        return None

    def current_screen(self) -> ScreenModel:
        if self._shown is None:
            self._shown = self.journey.screen()
        return self._shown
