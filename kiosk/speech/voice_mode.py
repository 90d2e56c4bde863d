"""Voice mode: what happens when a customer plugs headphones in, and what keys mean then.

Jack in → greeting and orientation, the screen blanks for privacy, every screen is spoken.
Jack out → private output pauses at once; back in within the grace period → a spoken warning and
the current screen again; out for longer → the customer's session is ended safely by the caller.
Any key interrupts speech; Help repeats; volume and rate keys adjust speech for this customer only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.clock import Clock
from kiosk.events import Key
from kiosk.i18n import Catalog
from kiosk.journeys.screen_model import ScreenModel, Tone
from kiosk.speech.script import Utterance, screen_script
from kiosk.speech.service import Priority, SpeechService

SPEECH_KEYS = {
    Key.VOLUME_UP: ("volume", +1),
    Key.VOLUME_DOWN: ("volume", -1),
    Key.FASTER: ("rate", +1),
    Key.SLOWER: ("rate", -1),
}


@dataclass(frozen=True)
class VoiceConfig:
    """Where things are on this cabinet, by clock position from the keypad (set per cabinet)."""

    card_slot: int = 2
    note_acceptor: int = 4
    receipt_slot: int = 10
    unplugged_grace_s: float = 30.0
    timeout_factor: float = 3.0  # customer timeouts are this much longer in voice mode
    keypad_debounce_s: float = 0.0  # e.g. 0.08: one press, even on a bouncing keypad
    engine: str = "auto"  # "auto", "espeak", "dispatcher", "qt" or "null" (kiosk/speech/select.py)


class VoiceMode:
    def __init__(
        self,
        speech: SpeechService,
        catalog: Catalog,
        clock: Clock,
        config: VoiceConfig,
        *,
        problem: str = "",
    ) -> None:
        """`problem`: why no audio can be played (no sound card, no engine), or "". Voice mode
        then fails safe: headphones do not blank the screen, the screen says voice guidance is
        unavailable, so whoever helps the customer can see what they are doing."""
        self.problem = problem
        self.unavailable_told = False  # headphones went in, but nothing can be heard
        self._speech = speech
        self._catalog = catalog
        self._clock = clock
        self.config = config
        self.active = False  # headphones are (or were, within the grace period) in use
        self.blanked = False
        self._unplugged_at: float | None = None
        self._spoken: ScreenModel | None = None  # the screen whose script was last queued

    @property
    def speech(self) -> SpeechService:
        """The service this mode speaks through (the Qt shell may give it the Qt engine)."""
        return self._speech

    # ------------------------------------------------------------------ jack

    def headphones(self, inserted: bool, screen: ScreenModel) -> None:
        lang = screen.lang
        if self.problem:  # silent headphones must never blank the screen
            self.unavailable_told = inserted
            return
        if inserted and self._unplugged_at is not None:
            self._unplugged_at = None
            self._speech.speak_screen(screen_script(screen, self._catalog))
            self._speech.say(self._line(lang, "voice_headphones_back"), Priority.NOW)
            self._speech.resume()
        elif inserted:
            self.active, self.blanked = True, True
            orientation = self._line(
                lang,
                "voice_orientation",
                card=self.config.card_slot,
                cash=self.config.note_acceptor,
                receipt=self.config.receipt_slot,
            )
            script = [self._line(lang, "voice_greeting"), orientation]
            self._speech.speak_screen(script + screen_script(screen, self._catalog))
            self._spoken = screen
        elif self.active:
            self._unplugged_at = self._clock.monotonic()
            self._speech.pause()  # never let private output reach the speaker or the room

    def abandoned(self) -> bool:
        """True once the headphones stayed out past the grace period (ends voice mode)."""
        if self._unplugged_at is None:
            return False
        if self._clock.monotonic() - self._unplugged_at < self.config.unplugged_grace_s:
            return False
        self.end_session()
        return True

    def end_session(self) -> None:
        """Headphones gone for good: voice mode ends and the screen comes back."""
        self.active, self.blanked = False, False
        self._unplugged_at = None
        self._speech.end_session()
        self._speech.resume()

    def session_ended(self) -> None:
        """The customer's journey is over: rate and volume go back to the defaults."""
        self.unavailable_told = False
        if self.active:
            self._speech.end_session()

    def notice(self, model: ScreenModel) -> ScreenModel:
        """The screen with the voice-unavailable notice, while silent headphones are in."""
        if not self.unavailable_told or model.message:
            return model
        text = self._catalog.text(model.lang, "voice_unavailable_notice")
        return replace(model, message=text, tone=Tone.WARNING)

    # ------------------------------------------------------------------ screens and keys

    def screen_updated(self, before: ScreenModel | None, after: ScreenModel) -> None:
        """A new screen is spoken whole; on the same screen only what changed is said.

        The inactivity warning is said once when it appears, not at every countdown tick.
        """
        if not self.active or self._unplugged_at is not None or after == self._spoken:
            return
        self._spoken = after
        if before is None or (before.screen_id, before.lang) != (after.screen_id, after.lang):
            self._speech.speak_screen(screen_script(after, self._catalog))
            return
        old = {u.shows for u in screen_script(before, self._catalog)}
        for utterance in screen_script(after, self._catalog):
            if utterance.shows == after.countdown_text:
                if not before.countdown_text:
                    self._speech.say(utterance, Priority.NEXT)  # the warning, once
            elif utterance.shows and utterance.shows not in old:
                self._speech.say(utterance, Priority.NEXT)

    def key(self, key: Key, screen: ScreenModel) -> bool:
        """Handles a key in voice mode; True when the key was for speech, not the journey."""
        if not self.active:
            return False
        self._speech.interrupt()  # a key press always silences the current prompt first
        if key is Key.HELP:
            self._speech.repeat()
            return True
        if key is Key.PRIVACY:
            self.blanked = not self.blanked
            message = "voice_screen_hidden" if self.blanked else "voice_screen_shown"
            self._speech.say(self._line(screen.lang, message), Priority.NOW)
            return True
        if key in SPEECH_KEYS:
            what, step = SPEECH_KEYS[key]
            if what == "volume":
                self._speech.adjust_volume(step)
            else:
                self._speech.adjust_rate(step)
            self._speech.repeat()  # the customer hears the new setting on the prompt itself
            return True
        return False

    def _line(self, lang: str, message_id: str, **values: object) -> Utterance:
        text = self._catalog.text(lang, message_id, **values)
        return Utterance("", text, lang)
