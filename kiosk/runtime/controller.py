"""Feeds the journey from the bus on ONE thread and tells the renderer when the screen changed.

The Qt shell calls `pump()` on the GUI thread when the bus wakes it (`set_waker`) and from a slow
timer for timeouts; the headless demo calls it from its own loop. Keys may be pressed from any
thread: they travel through the bus like device events.
Voice mode (when wired) sees keys and screens first: speech keys never reach the journey, and
every new screen is spoken. In the running kiosk the journey is the TechnicianRouter, which
wraps the customer session and hands the screen to technician entry or maintenance mode only
at a safe point (kiosk/technician/mode_router.py).
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.sensors.headphone import HeadphoneChanged
from kiosk.events import EventBus, Key, KeyPressed
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.kiosk_session import KioskSession
from kiosk.journeys.screen_model import ScreenModel
from kiosk.speech.voice_mode import VoiceMode
from kiosk.technician.mode_router import TechnicianRouter


class JourneyController:
    def __init__(
        self,
        bus: EventBus,
        journey: BillPaymentJourney | KioskSession | TechnicianRouter,
        voice: VoiceMode | None = None,
        *,
        debounce_s: float = 0.0,
    ) -> None:
        self._bus = bus
        self.journey = journey
        self.voice = voice
        self.debounce_s = debounce_s  # worn keypads bounce; tremor repeats a press
        self._last_key: tuple[Key, float] | None = None
        self.large_text = False  # the high-contrast, large-text theme, toggled by Key.THEME
        self._shown: ScreenModel | None = None

    def press(self, key: Key) -> None:
        self._bus.publish(KeyPressed(key))

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        """`waker` runs (on the publishing thread) when an event arrives on the bus, so the owner
        can pump at once instead of polling; timeouts still need a pump now and then."""
        self._bus.set_waker(waker)

    def pump(self) -> ScreenModel | None:
        """Handles every pending event and due timeout; returns the screen when it changed."""
        for event in self._bus.drain():
            self._dispatch(event)
        if self.voice is not None and self.voice.abandoned():
            self.journey.timeout_factor = 1.0
            self.journey.abandon()
        self.journey.tick()
        model = self.journey.screen()
        if self.voice is not None:
            model = self.voice.notice(model)  # silent headphones: said on screen instead
        if model == self._shown:
            return None
        if model.screen_id == "attract" and self._shown is not None:
            self.large_text = False  # the next customer starts with the standard screen
            if self.voice is not None:
                self.voice.session_ended()
        if self.voice is not None:
            self.voice.screen_updated(self._shown, model)
        self._shown = model
        return model

    def current_screen(self) -> ScreenModel:
        if self._shown is None:
            self._shown = self.journey.screen()
        return self._shown

    def blanked(self) -> bool:
        """True while the screen must stay blank for a voice-mode customer's privacy."""
        return self.voice is not None and self.voice.blanked

    def _bounced(self, key: Key) -> bool:
        """The same key again within the debounce window is one press, not two."""
        now = self.journey.clock.monotonic()
        last, self._last_key = self._last_key, (key, now)
        return last is not None and last[0] is key and now - last[1] < self.debounce_s

    def _dispatch(self, event: object) -> None:
        voice = self.voice
        if isinstance(event, HeadphoneChanged):
            if voice is not None:
                voice.headphones(event.inserted, self.journey.screen())
                self.journey.timeout_factor = voice.config.timeout_factor if voice.active else 1.0
            return
        if isinstance(event, KeyPressed):
            if self._bounced(event.key):
                return
            if voice is not None and voice.key(event.key, self.journey.screen()):
                return
            if event.key is Key.THEME:
                self.large_text = not self.large_text
                return
        self.journey.handle(event)
