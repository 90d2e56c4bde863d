"""What a blind customer hears for masked numbers and for Chinese on an English screen."""

from __future__ import annotations

from kiosk.i18n import load_catalog
from kiosk.journeys.screen_model import ScreenModel
from kiosk.speech.script import screen_script, speakable


def test_a_masked_card_number_is_said_as_its_last_digits_in_both_languages() -> None:
    assert speakable("**** **** **** 0123", "en") == "number ending in zero one two three"
    assert (
        speakable("Card 6222 **** **** 9903", "en") == "Card number ending in nine nine zero three"
    )
    assert speakable("622848******1234", "zh_CN") == "尾号幺 二 三 四"


def test_a_masked_chinese_name_is_read_with_mou_for_the_hidden_characters() -> None:
    assert speakable("户主：欧**明", "zh_CN") == "户主：欧某某明"


def test_chinese_on_an_english_screen_goes_to_the_mandarin_voice_and_is_still_shown() -> None:
    model = ScreenModel("bill_details", "en", "Your bill", body=("Account holder: 张*明",))
    script = screen_script(model, load_catalog())
    holder = [u for u in script if u.shows == "Account holder: 张*明" or u.lang == "zh_CN"]
    assert [(u.says, u.lang) for u in holder] == [
        ("Account holder: ", "en"),
        ("张某明", "zh_CN"),
    ]
