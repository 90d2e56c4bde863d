"""What the Qt shell needs from the headless app: the one seam between screens/ and the journey.

A Protocol (not a base class) so the kiosk package never imports anything from screens/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel


class KioskController(Protocol):
    def press(self, key: Key) -> None:
        """A key from touch, the on-screen keypad or the physical keyboard."""

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        """Run `waker` (from any thread) when there is work for pump(); the window then pumps
        at once instead of polling. Optional: a controller without it is polled."""

    def pump(self) -> ScreenModel | None:
        """Run pending journey work; a new ScreenModel when the screen changed, else None."""

    def current_screen(self) -> ScreenModel:
        """The screen to show right now (used when the window first opens)."""

    def blanked(self) -> bool:
        """True while the screen must stay blank (voice mode privacy)."""

    @property
    def large_text(self) -> bool:
        """True while the customer wants the large-text, high-contrast theme."""
