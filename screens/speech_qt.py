"""Qt TextToSpeech as a speech engine, for kiosks where Qt's platform speech is the one that works.

Only screens/ may import Qt, so the windowed shell builds this engine and hands it to the
headless SpeechService (`install_qt_speech`). The service calls the engine from its own thread
while a QTextToSpeech lives on the GUI thread: every call crosses over as a queued signal, so
stop-then-say keeps its order, and `busy()` follows the engine's own stateChanged.

QtTextToSpeech ships in PySide6-Addons, not PySide6-Essentials; without it, or with only Qt's
"mock" test engine, there is no usable backend and the kiosk keeps the engine it already has.
Mandarin goes to the backend as Han characters with the zh_CN locale (speech-dispatcher's
espeak-ng voice reads them); rate and volume are mapped from the espeak-ng scale.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QLocale, QObject, Qt, Signal, Slot

from kiosk.speech.engine import NullEngine, SpeechSettings
from kiosk.speech.engine_dispatcher import ssip_rate
from kiosk.speech.script import Utterance
from kiosk.speech.service import SpeechService

log = logging.getLogger(__name__)

LOCALES = {"zh_CN": "zh_CN", "en": "en_US"}


def qt_backends() -> list[str]:
    """Qt speech engines on this machine ("mock" is Qt's test engine, not a voice)."""
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError:
        return []
    return [name for name in QTextToSpeech.availableEngines() if name != "mock"]


class QtSpeechEngine(QObject):
    """SpeechEngine over QTextToSpeech; build and use it on the GUI thread's event loop."""

    _say = Signal(int, str, str, float, float)
    _stop = Signal()

    def __init__(self, engine: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtTextToSpeech import QTextToSpeech

        self._State = QTextToSpeech.State
        self._tts: Any = QTextToSpeech(engine, self) if engine else QTextToSpeech(self)
        self.engine_name = self._tts.engine()
        self._locales = self._match_locales()
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every start/stop, from any thread
        self._speaking = 0  # generation the GUI thread is saying (0: none)
        self._heard_speaking = False
        self._busy = False
        self.completed = 0  # utterances the backend said to their end (for checks)
        self.last_error = ""
        self._tts.stateChanged.connect(self._on_state)
        self._say.connect(self._do_say, Qt.ConnectionType.QueuedConnection)
        self._stop.connect(self._do_stop, Qt.ConnectionType.QueuedConnection)

    def _match_locales(self) -> dict[str, QLocale]:
        """Each kiosk language -> a locale the backend really has (same language, e.g. en_GB
        when en_US is missing). speech-dispatcher's espeak-ng offers no Mandarin locale to Qt."""
        available = list(self._tts.availableLocales())
        found: dict[str, QLocale] = {}
        for lang, name in LOCALES.items():
            wanted = QLocale(name)
            exact = [loc for loc in available if loc.name() == wanted.name()]
            same = [loc for loc in available if loc.language() == wanted.language()]
            if exact or same:
                found[lang] = (exact or same)[0]
        return found

    def missing_languages(self) -> list[str]:
        return [lang for lang in LOCALES if lang not in self._locales]

    def usable(self) -> bool:
        return self._tts.state() != self._State.Error

    def error(self) -> str:
        return str(self._tts.errorString())

    # -- SpeechEngine (any thread) ------------------------------------------------------

    def start(self, utterance: Utterance, settings: SpeechSettings) -> None:
        if not utterance.says.strip() or utterance.lang not in self._locales:
            return  # silence, or a language this backend cannot say (alerted at install)
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._busy = True
        locale = self._locales[utterance.lang].name()
        rate = ssip_rate(settings.rate) / 100
        volume = max(0.0, min(1.0, settings.volume / 200))
        self._say.emit(generation, utterance.says, locale, rate, volume)

    def stop(self) -> None:
        with self._lock:
            if not self._busy:
                return
            self._generation += 1
            self._busy = False
        self._stop.emit()

    def busy(self) -> bool:
        with self._lock:
            return self._busy

    # -- GUI thread ---------------------------------------------------------------------

    @Slot(int, str, str, float, float)
    def _do_say(self, generation: int, text: str, locale: str, rate: float, volume: float) -> None:
        with self._lock:
            if generation != self._generation:
                return  # stopped before it was said
            self._speaking, self._heard_speaking = generation, False
        self._tts.setLocale(QLocale(locale))
        self._tts.setRate(rate)
        self._tts.setVolume(volume)
        self._tts.say(text)

    @Slot()
    def _do_stop(self) -> None:
        with self._lock:
            self._speaking = 0
        self._tts.stop(self._tts.BoundaryHint.Immediate)

    @Slot(object)
    def _on_state(self, state: object) -> None:
        with self._lock:
            if self._speaking != self._generation or self._speaking == 0:
                return  # a late word about an utterance that was already stopped
            if state in (self._State.Speaking, self._State.Synthesizing):
                self._heard_speaking = True
            elif state == self._State.Error or (
                state == self._State.Ready and self._heard_speaking
            ):
                if state == self._State.Error:
                    self.last_error = str(self._tts.errorString())
                    log.error("Qt speech error: %s", self.last_error)
                else:
                    self.completed += 1
                self._busy = False
                self._speaking = 0


def install_qt_speech(speech: SpeechService, configured: str, engine: str = "") -> str:
    """Gives `speech` the Qt engine when config asks for it ("qt"), or when nothing else speaks
    ("auto" and the null engine). Returns what happened, for the technician log."""
    if configured != "qt" and not (configured == "auto" and isinstance(speech.engine, NullEngine)):
        return ""
    backends = [engine] if engine else qt_backends()
    if not backends:
        note = "Qt TextToSpeech has no backend here (PySide6-Addons and speech-dispatcher)"
        if configured == "qt":
            log.error("technician alert: speech engine 'qt' unavailable: %s", note)
        return note
    qt_engine = QtSpeechEngine(backends[0])
    if not qt_engine.usable():
        note = f"Qt TextToSpeech {backends[0]!r} failed: {qt_engine.error()}"
        log.error("technician alert: %s", note)
        return note
    missing = qt_engine.missing_languages()
    if len(missing) == len(LOCALES):
        note = f"Qt TextToSpeech {backends[0]!r} has no voice for {missing}"
        log.error("technician alert: %s", note)
        return note
    if missing:  # better one language than silence, but a technician must know
        log.error("technician alert: Qt TextToSpeech cannot speak %s", ", ".join(missing))
    speech.use_engine(qt_engine)
    log.info("speaking with Qt TextToSpeech (%s)", qt_engine.engine_name)
    return f"qt:{qt_engine.engine_name}" + (f" (no {', '.join(missing)})" if missing else "")
