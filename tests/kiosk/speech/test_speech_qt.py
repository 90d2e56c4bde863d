"""The Qt TextToSpeech engine (screens/speech_qt.py) and when the Qt shell swaps it in.

QtTextToSpeech ships in PySide6-Addons, which the kiosk does not require: the engine tests
skip without it; the swap-in rules run everywhere.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.speech.engine import NullEngine, SpeechSettings
from kiosk.speech.script import Utterance
from kiosk.speech.service import SpeechService
from screens.speech_qt import install_qt_speech, qt_backends


def test_without_a_qt_backend_the_kiosk_keeps_its_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("screens.speech_qt.qt_backends", lambda: [])
    speech = SpeechService(NullEngine())
    note = install_qt_speech(speech, "qt")
    assert "no backend" in note and isinstance(speech.engine, NullEngine)


def test_a_working_engine_is_not_replaced_unless_qt_is_configured() -> None:
    class Working:
        def start(self, utterance: Utterance, settings: SpeechSettings) -> None: ...
        def stop(self) -> None: ...
        def busy(self) -> bool:
            return False

    speech = SpeechService(Working())
    assert install_qt_speech(speech, "auto") == ""
    assert install_qt_speech(speech, "espeak") == ""
    assert isinstance(speech.engine, Working)


@pytest.fixture
def qt_app() -> Iterator[object]:
    # PySide6-Addons is a project dependency: QtTextToSpeech missing is a failure, not a skip.
    import PySide6.QtTextToSpeech  # noqa: F401

    from screens.snapshot import ensure_app

    # A QApplication, never a bare QCoreApplication: a later widget test in this process would
    # abort ("Must construct a QApplication before a QWidget").
    yield ensure_app()


def _until(app: object, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "Qt never reported the end"
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.005)


def test_mock_backend_speaks_to_the_end_and_stops_on_a_key(qt_app: object) -> None:
    from PySide6.QtTextToSpeech import QTextToSpeech

    if "mock" not in QTextToSpeech.availableEngines():
        pytest.skip("Qt's mock speech engine is not shipped here")
    from screens.speech_qt import QtSpeechEngine

    engine = QtSpeechEngine("mock")
    engine.start(Utterance("", "Please insert your card", "en"), SpeechSettings())
    assert engine.busy()
    _until(qt_app, lambda: not engine.busy())
    engine.start(Utterance("", "word " * 200, "en"), SpeechSettings(rate=80))
    qt_app.processEvents()  # type: ignore[attr-defined]
    engine.stop()  # a key press
    assert not engine.busy()
    engine.start(Utterance("", "Enter your PIN", "en"), SpeechSettings())
    _until(qt_app, lambda: not engine.busy())
    assert engine.completed == 2, "the stopped one did not count as said"


def test_speechd_backend_against_the_real_daemon(
    qt_app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "speechd" not in qt_backends():
        pytest.skip("Qt's speechd backend is not installed")
    from screens.speech_qt import QtSpeechEngine
    from tests.kiosk.speech.dispatcher_daemon import PrivateDispatcher, why_not

    if why_not():
        pytest.skip(why_not())
    daemon = PrivateDispatcher()
    socket_path: Path = daemon.start()
    monkeypatch.setitem(os.environ, "SPEECHD_ADDRESS", f"unix_socket:{socket_path}")
    try:
        speech = SpeechService(NullEngine())
        note = install_qt_speech(speech, "auto", "speechd")
        engine = speech.engine
        assert isinstance(engine, QtSpeechEngine) and note.startswith("qt:speechd")
        for text, lang in (("Your balance", "en"), ("账户余额", "zh_CN")):
            engine.start(Utterance("", text, lang), SpeechSettings())
            _until(qt_app, lambda: not engine.busy())
        said = 1 if engine.missing_languages() == ["zh_CN"] else 2
        assert engine.completed == said and engine.last_error == ""
        # speechd's espeak-ng gives Qt no Mandarin locale: the technician is told, not silence
        assert ("no zh_CN" in note) == (said == 1)
    finally:
        daemon.stop()
