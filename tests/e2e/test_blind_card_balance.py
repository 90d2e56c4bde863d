"""A scripted blind customer asks a card balance with PIN, by ear and keypad, in both languages.

The whole card path is real (virtual card in vpcd -> private pcscd -> pyscard driver -> EMV
read -> emulated PIN pad -> reference core over HTTP), wired by hand as in test_card_journey.py.
The agent never reads a ScreenModel: it only hears the utterances sent to the speech engine and
presses keypad keys; its "hand" inserts and takes the card when the kiosk says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from core_system.cards import CardIssuer
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from drivers.sensors.headphone import HeadphoneChanged
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.card_journey import CardJourney, Purpose, State
from kiosk.journeys.parts.card_session import CardState
from kiosk.runtime.controller import JourneyController
from kiosk.speech.engine import SpeechSettings
from kiosk.speech.script import Utterance
from kiosk.speech.service import SpeechService
from kiosk.speech.voice_mode import VoiceConfig, VoiceMode
from tests.e2e.card_env import pcscd  # noqa: F401 - the module-scoped fixture
from tests.e2e.test_card_journey import (
    PIN,
    Kiosk,
    _insert,
    _remove,
    rig,  # noqa: F401 - the card rig fixture
)

PAN = "6228480012345678903"
PHRASES = {
    "en": {
        "insert": "insert your bank card",
        "slot": "card slot is at 2 o'clock",
        "pin": "Please enter your PIN",
        "digits": "{n} digits entered",
        "balance": "twelve thousand three hundred forty-five yuan and sixty-seven fen",
        "enter": "press Enter",
        "take": "Please take your card",
        "pin_words": "seven three nine one six four",
    },
    "zh_CN": {
        "insert": "请插入银行卡",
        "slot": "银行卡插口在键盘的2点钟方向",
        "pin": "请输入密码",
        "digits": "已输入{n}位",
        "balance": "一万二千三百四十五元六角七分",
        "enter": "请按确认键",
        "take": "请取回您的银行卡",
        "pin_words": "七三九一六四",
    },
}


class Ears:
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

    def everything(self) -> str:
        with self.lock:
            return "\n".join(self.heard)


class BlindCustomer:
    def __init__(self, controller: JourneyController, ears: Ears, lang: str) -> None:
        self.controller, self.ears = controller, ears
        self.p = PHRASES[lang]
        self.read_upto = 0

    def hear(self, phrase: str, timeout: float = 15.0) -> list[str]:
        """Lets the kiosk work and talk until `phrase` is heard; returns what was heard."""
        deadline = time.monotonic() + timeout
        while True:
            self.controller.pump()
            with self.ears.lock:
                new = self.ears.heard[self.read_upto :]
            for index, line in enumerate(new):
                if phrase in line:  # what follows is still to be listened to
                    self.read_upto += index + 1
                    return new[: index + 1]
            assert time.monotonic() < deadline, f"never heard {phrase!r}; heard {new}"
            time.sleep(0.01)

    def press(self, key: Key | str) -> None:
        self.controller.press(Key(key) if isinstance(key, str) else key)


def _voice_rig(
    kiosk: Kiosk, lang: str
) -> tuple[CardJourney, JourneyController, SpeechService, Ears]:
    journey = kiosk.journey(Purpose.BALANCE)
    journey.lang = lang
    ears = Ears()
    speech = SpeechService(ears)
    voice = VoiceMode(speech, load_catalog(), kiosk.clock, VoiceConfig())
    controller = JourneyController(kiosk.bus, journey, voice)  # type: ignore[arg-type]
    return journey, controller, speech, ears


@pytest.fixture
def bank(rig: tuple[Kiosk, CardIssuer]) -> Iterator[Kiosk]:  # noqa: F811
    kiosk, issuer = rig
    issuer.enrol(PAN, PIN, "12345.67")
    yield kiosk


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_blind_customer_hears_the_card_balance_after_a_pin(bank: Kiosk, lang: str) -> None:
    journey, controller, speech, ears = _voice_rig(bank, lang)
    customer = BlindCustomer(controller, ears, lang)
    speech.start()
    link: VpcdLink | None = None
    try:
        journey.start()
        bank.bus.publish(HeadphoneChanged("jack", True))
        customer.hear(customer.p["slot"])  # the orientation says where the card goes
        customer.hear(customer.p["insert"])
        assert controller.blanked(), "the screen is blank for privacy"
        link = _insert(bank, "unionpay_debit")  # the customer's hand
        customer.hear(customer.p["pin"])
        for count, digit in enumerate(PIN, start=1):
            customer.press(digit)
            customer.hear(customer.p["digits"].format(n=count))  # counted, never spoken
        customer.press(Key.ENTER)
        customer.hear(customer.p["balance"])
        customer.hear(customer.p["enter"])  # and how to go on
        customer.press(Key.ENTER)
        customer.hear(customer.p["take"])
        _remove(bank, link)
        link = None
        deadline = time.monotonic() + 10
        while journey.state is not State.DONE:
            assert time.monotonic() < deadline
            controller.pump()
            time.sleep(0.01)
    finally:
        speech.stop()
        if link is not None:
            _remove(bank, link)
    said = ears.everything()
    assert PIN not in said and customer.p["pin_words"] not in said, "the PIN is never spoken"
    assert "12345" not in said.replace(",", ""), "the balance is said in words, not digits"


def test_the_balance_is_never_spoken_without_headphones(bank: Kiosk) -> None:
    """A sighted customer (no headphones): the balance is on screen but nothing is said; with
    headphones pulled out before the balance arrives, it waits until they are back."""
    journey, controller, speech, ears = _voice_rig(bank, "en")
    customer = BlindCustomer(controller, ears, "en")
    speech.start()
    link = _insert(bank, "unionpay_debit")
    try:
        journey.start()
        bank.bus.publish(HeadphoneChanged("jack", True))
        customer.hear(customer.p["pin"])
        for count, digit in enumerate(PIN, start=1):
            customer.press(digit)
            customer.hear(customer.p["digits"].format(n=count))
        bank.bus.publish(HeadphoneChanged("jack", False))  # pulled out before Enter
        customer.press(Key.ENTER)
        deadline = time.monotonic() + 15
        while journey.state is not State.SHOW_BALANCE:
            assert time.monotonic() < deadline, journey.state
            controller.pump()
            time.sleep(0.01)
        for _ in range(20):  # give the speaker every chance to (wrongly) say it
            controller.pump()
            time.sleep(0.01)
        assert customer.p["balance"] not in ears.everything(), "never to the room"
        bank.bus.publish(HeadphoneChanged("jack", True))
        heard = customer.hear(customer.p["balance"])
        assert heard[0].startswith("Headphones reconnected")
    finally:
        speech.stop()
        _remove(bank, link)


def test_a_sighted_customer_is_never_spoken_to(bank: Kiosk) -> None:
    journey, controller, speech, ears = _voice_rig(bank, "en")
    speech.start()
    link = _insert(bank, "unionpay_debit")
    try:
        journey.start()
        deadline = time.monotonic() + 15
        typed = False
        while journey.state is not State.SHOW_BALANCE:
            assert time.monotonic() < deadline, journey.state
            controller.pump()
            if journey.card.state is CardState.ENTER_PIN and not typed:
                for key in (*PIN, Key.ENTER):
                    controller.press(Key(key))
                typed = True
            time.sleep(0.01)
        controller.pump()
        assert controller.current_screen().amounts, "the balance is on the screen"
    finally:
        speech.stop()
        _remove(bank, link)
    assert ears.everything() == "", "no headphones, no voice: nothing private reaches the room"
