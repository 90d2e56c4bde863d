"""The speech-dispatcher engine against the real daemon (private socket, audio to ALSA "null").

What a customer would notice: prompts are spoken to the end in both languages, a key press
silences the prompt before the next one starts, and a technician is told when the configured
engine is missing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.speech.engine import NullEngine, SpeechError, SpeechSettings
from kiosk.speech.engine_dispatcher import DispatcherEngine, escape_data, ssip_rate, ssip_volume
from kiosk.speech.script import Utterance
from kiosk.speech.select import choose_engine
from kiosk.speech.service import SpeechService
from tests.kiosk.speech.dispatcher_daemon import PrivateDispatcher, why_not

LONG = "This sentence goes on and on for a very long time. " * 3000


@pytest.fixture(scope="module")
def daemon() -> Iterator[Path]:
    reason = why_not()
    if reason:
        pytest.skip(reason)
    spd = PrivateDispatcher()
    try:
        yield spd.start()
    finally:
        spd.stop()


@pytest.fixture
def engine(daemon: Path) -> Iterator[DispatcherEngine]:
    speaker = DispatcherEngine(daemon)
    try:
        yield speaker
    finally:
        speaker.close()


def _wait_quiet(engine: DispatcherEngine, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while engine.busy():
        assert time.monotonic() < deadline, "speech-dispatcher never reported the end"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("text", "lang"), [("Please insert your card.", "en"), ("请插入银行卡", "zh_CN")]
)
def test_a_prompt_is_spoken_to_its_end_in_both_languages(
    engine: DispatcherEngine, text: str, lang: str
) -> None:
    engine.start(Utterance(text, text, lang), SpeechSettings())
    message_id = engine.last_message
    _wait_quiet(engine)
    assert (message_id, "701") in engine.events and (message_id, "702") in engine.events


def test_stop_waits_until_the_daemon_confirms_the_cancel(engine: DispatcherEngine) -> None:
    engine.start(Utterance("", LONG, "en"), SpeechSettings())
    message_id = engine.last_message
    engine.stop()
    assert not engine.busy(), "the next prompt may start: the old one is really over"
    assert (message_id, "703") in engine.events, "the daemon itself confirmed the cancel"
    engine.start(Utterance("", "Enter your PIN.", "en"), SpeechSettings())
    _wait_quiet(engine)


def test_dots_and_line_breaks_never_end_a_message_early(engine: DispatcherEngine) -> None:
    # unescaped, a "." line would end SPEAK and the rest would be read as SSIP commands; sent
    # as a line, speech-dispatcher 0.11 passes it on to its module, which hangs
    for text in ("first line\n.\n..second\nthird", ". starts with a dot", "..", "still"):
        engine.start(Utterance("", text, "en"), SpeechSettings())
        _wait_quiet(engine)
    assert escape_data(".\nx") == b"..\r\nx\r\n.\r\n"


def test_the_customers_rate_and_volume_reach_the_daemon(engine: DispatcherEngine) -> None:
    assert ssip_rate(170) == 0 and ssip_rate(80) == -100 and ssip_rate(320) == 54
    assert ssip_volume(100) == 0 and ssip_volume(20) == -80 and ssip_volume(200) == 100
    for rate, volume in ((80, 20), (320, 200)):  # the keypad's limits are accepted
        engine.start(Utterance("", "faster and louder", "en"), SpeechSettings(rate, volume))
        _wait_quiet(engine)


def test_a_new_screen_cancels_the_old_prompt_before_the_next_is_said(
    engine: DispatcherEngine,
) -> None:
    service = SpeechService(engine)
    service.start()
    try:
        service.speak_screen([Utterance("", LONG, "en")])
        deadline = time.monotonic() + 5
        while not engine.busy():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        service.speak_screen([Utterance("", "Choose a service.", "en")])
        deadline = time.monotonic() + 10
        while service.speaking is None or service.speaking.says != "Choose a service.":
            assert time.monotonic() < deadline, "the new screen was never spoken"
            time.sleep(0.01)
    finally:
        service.stop()
    assert not engine.busy()


def test_configured_dispatcher_is_chosen_first(daemon: Path) -> None:
    choice = choose_engine("dispatcher", dispatcher_socket=daemon)
    try:
        assert choice.available and choice.name == "dispatcher"
    finally:
        assert isinstance(choice.engine, DispatcherEngine)
        choice.engine.close()


def test_without_a_sound_card_auto_falls_back_to_the_dispatcher(daemon: Path) -> None:
    choice = choose_engine("auto", dispatcher_socket=daemon)
    try:
        assert choice.available
        if choice.name == "dispatcher":  # machines without a sound card, like CI
            assert any("sound card" in note for note in choice.notes)
    finally:
        if isinstance(choice.engine, DispatcherEngine):
            choice.engine.close()


def test_no_engine_at_all_gives_the_technician_every_reason(tmp_path: Path) -> None:
    choice = choose_engine("dispatcher", dispatcher_socket=tmp_path / "no-daemon")
    if choice.available:
        pytest.skip("this machine has a sound card, so espeak-ng speaks")
    assert isinstance(choice.engine, NullEngine)
    assert "dispatcher:" in choice.reason and "espeak:" in choice.reason


def test_null_in_config_switches_speech_off() -> None:
    choice = choose_engine("null")
    assert not choice.available and "config" in choice.reason


def test_unreachable_daemon_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechError) as caught:
        DispatcherEngine(tmp_path / "nothing-here")
    assert caught.value.code == "SPEECH_UNAVAILABLE"


def test_a_daemon_restart_costs_one_prompt_not_the_voice(caplog: pytest.LogCaptureFixture) -> None:
    if why_not():
        pytest.skip(why_not())
    first = PrivateDispatcher()
    socket_path = first.start()
    engine = DispatcherEngine(socket_path)
    try:
        first.stop()  # the daemon dies under a customer
        engine.start(Utterance("", "Please insert your card.", "en"), SpeechSettings())
        assert not engine.busy() and "technician alert" in caplog.text  # no crash, no hang
        second = PrivateDispatcher(first.workdir)  # restarted where the kiosk looks for it
        assert second.start() == socket_path
        try:
            engine.start(Utterance("", "Please insert your card.", "en"), SpeechSettings())
            _wait_quiet(engine)
            assert (engine.last_message, "702") in engine.events
        finally:
            second.stop()
    finally:
        engine.close()
