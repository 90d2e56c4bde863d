"""Speech priorities and interruption, observed at the engine boundary."""

from __future__ import annotations

import threading
import time

from kiosk.speech.engine import SpeechSettings
from kiosk.speech.script import Utterance
from kiosk.speech.service import Priority, SpeechService


class RecordingEngine:
    """Records start/stop in order; an utterance 'plays' until the test finishes it."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.settings: list[SpeechSettings] = []
        self._playing = False
        self.started = threading.Event()

    def start(self, utterance: Utterance, settings: SpeechSettings) -> None:
        self.log.append(f"say {utterance.says}")
        self.settings.append(settings)
        self._playing = True
        self.started.set()

    def stop(self) -> None:
        if self._playing:
            self.log.append("stop")
        self._playing = False

    def busy(self) -> bool:
        return self._playing

    def finish(self) -> None:
        self._playing = False


def u(text: str) -> Utterance:
    return Utterance(text, text, "en")


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.005)
    assert predicate()


def test_a_new_screen_stops_speech_before_the_next_utterance_starts() -> None:
    engine = RecordingEngine()
    service = SpeechService(engine)
    service.start()
    try:
        service.speak_screen([u("welcome"), u("press any key")])
        wait_for(lambda: engine.log == ["say welcome"])
        service.speak_screen([u("choose a language")])
        wait_for(lambda: engine.log[-1] == "say choose a language")
        assert engine.log == ["say welcome", "stop", "say choose a language"]
        assert service.pending() == [], "the old screen's rest is never said"
    finally:
        service.stop()


def test_priorities_and_key_interrupt() -> None:
    engine = RecordingEngine()
    service = SpeechService(engine)
    service.start()
    try:
        service.speak_screen([u("one")])
        wait_for(lambda: engine.log == ["say one"])
        service.say(u("later"))
        service.say(u("soon"), Priority.NEXT)
        assert [x.says for x in service.pending()] == ["soon", "later"]
        service.say(u("urgent"), Priority.NOW)
        wait_for(lambda: engine.log[-1] == "say urgent")
        assert engine.log[-2] == "stop"
        engine.finish()
        wait_for(lambda: engine.log[-1] == "say soon")
        service.interrupt()
        wait_for(lambda: engine.log[-1] == "stop")
        assert service.pending() == []
    finally:
        service.stop()


def test_repeat_pause_resume_and_personal_settings_reset() -> None:
    engine = RecordingEngine()
    service = SpeechService(engine, SpeechSettings(rate=160, volume=100))
    service.start()
    try:
        service.speak_screen([u("your bill")])
        wait_for(lambda: engine.log == ["say your bill"])
        service.pause()
        assert engine.log[-1] == "stop"
        service.resume()
        wait_for(lambda: engine.log[-1] == "say your bill")
        engine.finish()
        service.adjust_rate(+2)
        service.adjust_volume(-1)
        service.repeat()
        wait_for(lambda: len(engine.settings) == 3)
        assert engine.settings[-1] == SpeechSettings(rate=200, volume=80)
        service.end_session()
        assert service.settings == SpeechSettings(rate=160, volume=100)
    finally:
        service.stop()
