"""The audit's rules catch what a customer would trip over (each rule shown failing once)."""

from __future__ import annotations

from kiosk.demo.audit.rules import AuditTexts, check
from kiosk.i18n import load_catalog
from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel
from kiosk.speech.script import Utterance, screen_script

CATALOG = load_catalog()
TEXTS = AuditTexts(
    frozenset(CATALOG.ids()),
    {
        "cash": "The note slot is at 4 o'clock from the keypad",
        "card": "The card slot is at 2 o'clock from the keypad",
    },
)


def rules_broken(model: ScreenModel, script: list[Utterance] | None = None) -> set[str]:
    said = tuple(script if script is not None else screen_script(model, CATALOG))
    return {f.rule for f in check(model, said, TEXTS)}


def test_a_well_made_input_screen_passes() -> None:
    model = ScreenModel(
        "enter_account",
        "en",
        "Enter your account number",
        input=InputField("Account number", "12", 10, hint="Press Continue when done"),
        enter_label="Continue",
        clear_label="Clear",
        cancel_label="Cancel",
        language_label="中文",
    )
    assert rules_broken(model) == set()


def test_an_input_screen_without_cancel_or_language_switch_fails() -> None:
    model = ScreenModel(
        "topup_enter_number", "en", "Top up", input=InputField("Number", "", 11), enter_label="OK"
    )
    assert {"controls", "language_switch"} <= rules_broken(model)


def test_cancel_where_it_can_do_nothing_fails() -> None:
    model = ScreenModel("card_take_card", "en", "Please take your card", cancel_label="Cancel")
    assert "controls" in rules_broken(model)


def test_message_ids_placeholders_and_codes_on_screen_fail() -> None:
    for text in ("card_error_expired", "Hello {name}", "Error CARD_EXPIRED"):
        model = ScreenModel("notice", "en", "Sorry", body=(text,), enter_label="Continue")
        assert "translated" in rules_broken(model), text


def test_chinese_given_to_the_english_voice_fails() -> None:
    model = ScreenModel("bill_details", "en", "Your bill", body=("Holder: 张*明",))
    script = [
        Utterance("Your bill", "Your bill", "en"),
        Utterance("Holder: 张*明", "Holder 张", "en"),
    ]
    assert "speech_language" in rules_broken(model, script)
    assert "speech_language" not in rules_broken(model), "the script hands it to Mandarin"


def test_a_text_shown_but_never_said_fails_and_amounts_are_said_with_their_label() -> None:
    model = ScreenModel(
        "thank_you", "en", "Thank you", amounts=(AmountLine("Total paid", "¥150.00"),)
    )
    assert "spoken" not in rules_broken(model)
    assert "spoken" in rules_broken(model, [Utterance("Thank you", "Thank you", "en")])


def test_a_device_screen_that_does_not_say_where_the_device_is_fails() -> None:
    bare = ScreenModel("insert_cash", "en", "Please insert banknotes", cancel_label="Cancel")
    assert "orientation" in rules_broken(bare)
    told = ScreenModel(
        "insert_cash",
        "en",
        "Please insert banknotes",
        body=("The note slot is at 4 o'clock from the keypad",),
        cancel_label="Cancel",
    )
    assert "orientation" not in rules_broken(told)


def test_choices_must_be_distinct_digits_one_to_six() -> None:
    model = ScreenModel(
        "menu", "en", "Services", choices=tuple(Choice(str(n), f"s{n}") for n in range(1, 8))
    )
    assert "controls" in rules_broken(model)
