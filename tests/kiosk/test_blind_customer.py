"""A scripted blind customer pays a bill by cash using only what the kiosk SAYS and the keypad.

The agent never reads a ScreenModel: it listens to the utterances sent to the speech engine,
picks choices by the "press N" it hears, types on the keypad and feeds notes by hand.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from drivers.sensors.headphone import HeadphoneChanged
from kiosk.events import EventBus, Key
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment import State
from kiosk.journeys.ports import BillsFetched
from kiosk.runtime.controller import JourneyController
from kiosk.speech.engine import SpeechSettings
from kiosk.speech.script import Utterance
from kiosk.speech.service import SpeechService
from kiosk.speech.voice_mode import VoiceConfig, VoiceMode
from offline_queue.events import TransactionAccepted
from tests.kiosk.journey_fixtures import BILL, Rig, make_rig


class Headphones:
    """The speech engine as the customer's ears: each utterance is 'heard' at once."""

    def __init__(self) -> None:
        self.heard: list[str] = []
        self.lock = threading.Lock()

    def start(self, utterance: Utterance, settings: SpeechSettings) -> None:
        with self.lock:
            self.heard.append(utterance.says)

    def stop(self) -> None:
        pass

    def busy(self) -> bool:
        return False


PHRASES = {
    "en": {
        "choice": re.compile(r"^For (.+), press (\d)$"),
        "enter": re.compile(r"^For (.+), press Enter$"),
        "language": "English",
        "biller": "State Grid Electricity",
        "pay": "Pay with cash",
        "start": "Press any key",
        "account": "account number",
        "insert": "Still to insert",
        "done": "Payment complete",
    },
    "zh_CN": {
        "choice": re.compile(r"^(.+)，请按(\d)$"),
        "enter": re.compile(r"^(.+)，请按确认键$"),
        "language": "中文",
        "biller": "国家电网",
        "pay": "现金缴费",
        "start": "按任意键",
        "account": "户号",
        "insert": "还需放入",
        "done": "缴费成功",
    },
}


class BlindCustomer:
    def __init__(self, rig: Rig, controller: JourneyController, ears: Headphones, lang: str):
        self.rig, self.controller, self.ears = rig, controller, ears
        self.p = PHRASES[lang]
        self.read_upto = 0

    def listen(self) -> list[str]:
        """Everything said since the last listen, after letting the kiosk talk."""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            self.controller.pump()
            time.sleep(0.01)
            with self.ears.lock:
                if len(self.ears.heard) > self.read_upto and self._quiet():
                    break
        with self.ears.lock:
            new = self.ears.heard[self.read_upto :]
            self.read_upto = len(self.ears.heard)
        return new

    def _quiet(self) -> bool:
        speech = self.controller.voice._speech  # the agent only checks the speaker is silent
        return not speech.pending() and speech.speaking is None

    def press(self, key: Key | str) -> list[str]:
        self.controller.press(Key(key) if isinstance(key, str) else key)
        return self.listen()

    def choose(self, heard: list[str], label: str) -> list[str]:
        for line in heard:
            match = self.p["choice"].match(line)
            if match and match.group(1) == label:
                return self.press(match.group(2))
        raise AssertionError(f"never heard a choice for {label!r} in {heard}")

    def confirm(self, heard: list[str]) -> list[str]:
        """Presses Enter once the kiosk has said Enter does something (the customer remembers
        the instructions of the current screen, not only the last sentence)."""
        with self.ears.lock:
            recent = self.ears.heard[-30:]
        assert any(self.p["enter"].match(line) for line in recent), recent
        return self.press(Key.ENTER)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_blind_customer_pays_a_bill_by_ear_and_keypad(tmp_path: Path, lang: str) -> None:
    rig = make_rig(tmp_path)
    ears = Headphones()
    speech = SpeechService(ears)
    voice = VoiceMode(speech, load_catalog(), rig.clock, VoiceConfig())
    bus = EventBus()
    controller = JourneyController(bus, rig.journey, voice)
    customer = BlindCustomer(rig, controller, ears, lang)
    speech.start()
    try:
        bus.publish(HeadphoneChanged("jack", True))
        heard = customer.listen()
        assert controller.blanked(), "the screen blanks for privacy"
        assert any("o'clock" in line or "点钟" in line for line in heard), "orientation"
        assert any(customer.p["start"] in line for line in heard)

        heard = customer.press(Key.ENTER)
        heard = customer.choose(heard, customer.p["language"])
        heard = customer.choose(heard, customer.p["biller"])
        assert any(customer.p["account"] in line for line in heard)
        for digit in "1234567890":
            heard = customer.press(digit)
        assert any("zero" in line or "零" in line for line in heard), "each digit is confirmed"
        heard = customer.confirm(heard)

        # the core answers the look-up (the harness plays the core, not the customer)
        rig.journey.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
        heard = customer.listen()
        assert any("125" not in line and ("fifty fen" in line or "五角" in line) for line in heard)
        heard = customer.choose(heard, customer.p["pay"])
        while any(customer.p["insert"] in line for line in heard):
            rig.note(100)  # feeds a note by hand while the kiosk says more is needed
            heard = customer.listen()
            if rig.journey.state is State.CONFIRM:
                break
        heard = customer.confirm(heard)
        rig.finish_print()
        rig.journey.handle(TransactionAccepted(rig.journey.session.txn_id, "CR1", False))
        heard = customer.listen()
        assert any(customer.p["done"] in line for line in heard), heard
        assert rig.outbox.item(rig.journey.session.txn_id) is not None
    finally:
        speech.stop()


def test_headphones_out_pauses_speech_and_an_abandoned_session_ends_safely(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    ears = Headphones()
    speech = SpeechService(ears)
    voice = VoiceMode(speech, load_catalog(), rig.clock, VoiceConfig(unplugged_grace_s=30))
    bus = EventBus()
    controller = JourneyController(bus, rig.journey, voice)
    customer = BlindCustomer(rig, controller, ears, "en")
    speech.start()
    try:
        bus.publish(HeadphoneChanged("jack", True))
        customer.listen()
        customer.press(Key.ENTER)
        customer.press("2")
        assert rig.journey.timeout_factor == 3.0, "voice customers get longer timeouts"
        bus.publish(HeadphoneChanged("jack", False))
        controller.pump()
        customer.press("1")  # the journey goes on, but nothing reaches a speaker
        assert customer.listen() == []
        bus.publish(HeadphoneChanged("jack", True))
        heard = customer.listen()
        assert heard[0].startswith("Headphones reconnected")

        bus.publish(HeadphoneChanged("jack", False))
        controller.pump()
        rig.clock.advance(31)
        controller.pump()
        assert rig.journey.state is State.ATTRACT
        assert not controller.blanked(), "the screen comes back for the next customer"
    finally:
        speech.stop()


def test_key_debounce_turns_a_bounce_into_one_press(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    bus = EventBus()
    controller = JourneyController(bus, rig.journey, debounce_s=0.15)
    for key in (Key.ENTER, Key.D2, Key.D1):
        controller.press(key)
        controller.pump()
        rig.clock.advance(1)
    controller.press(Key.D1)
    controller.press(Key.D1)  # a bounce: same key, same instant
    controller.pump()
    assert rig.journey.screen().input.value == "1"
    rig.clock.advance(0.2)
    controller.press(Key.D1)  # a deliberate second press
    controller.pump()
    assert rig.journey.screen().input.value == "11"


def test_silent_headphones_never_blank_the_screen_and_the_screen_says_why(tmp_path: Path) -> None:
    """No sound card: plugging headphones in must not leave a black screen and no voice."""
    rig = make_rig(tmp_path)
    ears = Headphones()
    speech = SpeechService(ears)
    voice = VoiceMode(
        speech, load_catalog(), rig.clock, VoiceConfig(), problem="no sound card for headphones"
    )
    bus = EventBus()
    controller = JourneyController(bus, rig.journey, voice)
    bus.publish(HeadphoneChanged("jack", True))
    controller.pump()
    assert not controller.blanked()
    assert rig.journey.timeout_factor == 1.0, "not a voice session: nothing can be heard"
    screen = controller.current_screen()
    assert (
        "Voice guidance is not available" in screen.message or "语音引导暂不可用" in screen.message
    )
    assert screen.message in screen.visible_texts()
    controller.press(Key.ENTER)  # the customer (or whoever helps them) goes on by sight
    controller.pump()
    assert controller.current_screen().screen_id == "language"
    bus.publish(HeadphoneChanged("jack", False))
    controller.pump()
    controller.press(Key.ENTER)
    controller.pump()
    assert "语音引导" not in controller.current_screen().message
