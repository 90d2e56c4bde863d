"""Screen models of the card journeys: what the customer sees and hears.

The PIN field shows one dot per digit and the voice says "digit entered"; the balance screen
is private (headphones only in voice mode).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from kiosk.journeys.balance_states import State
from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel, Tone
from kiosk.money.amount import Money

if TYPE_CHECKING:
    from kiosk.journeys.balance import CardJourney

ERRORS = frozenset(
    {
        "card_error_not_supported",
        "card_error_blocked",
        "card_error_expired",
        "card_error_unreadable",
        "card_error_removed",
        "card_error_use_chip",
        "card_error_swipe_again",
        "card_reader_unavailable",
        "card_declined",
        "core_unreachable",
        "card_wrong_pin",
        "card_statement_print_failed",
        "card_balance_receipt_failed",
    }
)


def build_screen(j: CardJourney) -> ScreenModel:
    lang, t = j.lang, j.catalog.text
    message = t(lang, j.message_id) if j.message_id else ""
    if j.message_count is not None:  # a number shown after its label: "Tries left: 2"
        message = f"{message} {j.message_count}"
    tone = Tone.ERROR if j.message_id in ERRORS else Tone.INFO
    common: dict[str, object] = {
        "screen_id": f"card_{j.state.value}",
        "lang": lang,
        "message": message,
        "tone": tone,
        "cancel_label": t(lang, "cancel"),
    }
    state = j.state
    if state is State.INSERT_CARD:
        body = "card_insert_or_swipe_body" if j.accepts_swipe else "card_insert_body"
        return ScreenModel(title=t(lang, "card_insert_title"), body=(t(lang, body),), **common)
    if state is State.SWIPE_DONE:
        return ScreenModel(
            title=t(lang, "card_swipe_done_title"), enter_label=t(lang, "continue"), **common
        )
    if state in (State.READING, State.IDLE):
        return ScreenModel(title=t(lang, "card_reading_title"), busy=True, **common)
    if state is State.CHOOSE_APP:
        choices = tuple(Choice(str(i + 1), label) for i, label in enumerate(j.app_labels[:6]))
        return ScreenModel(title=t(lang, "card_choose_app_title"), choices=choices, **common)
    if state is State.ENTER_PIN:
        field = InputField(
            label=t(lang, "card_pin_label"),
            value="●" * j.pin_digits,
            max_length=6,
            hint=t(lang, "card_pin_hint"),
            secret=True,
        )
        return ScreenModel(
            title=t(lang, "card_pin_title"),
            input=field,
            enter_label=t(lang, "continue"),
            clear_label=t(lang, "clear"),
            private=True,
            **common,
        )
    if state in (State.AUTHORIZING, State.FETCHING):
        key = "card_authorizing_title" if state is State.AUTHORIZING else "card_fetching_statement"
        return ScreenModel(title=t(lang, key), busy=True, **common)
    if state is State.SHOW_BALANCE:
        assert j.auth is not None and j.auth.balance is not None
        money = Money.parse(j.auth.balance["amount"], j.auth.balance["currency"])
        amount = AmountLine(t(lang, "card_balance_available"), money.display(), emphasis=True)
        masked = j.card.masked_pan if j.card else ""
        receipt = (Choice("1", t(lang, "card_balance_print_receipt")),) if j.receipt_offered else ()
        return ScreenModel(
            title=t(lang, "card_balance_title"),
            body=(masked,),
            amounts=(amount,),
            choices=receipt,
            enter_label=t(lang, "continue"),
            private=True,
            **common,
        )
    if state is State.CHOOSE_PERIOD:
        choices = (Choice("1", t(lang, "card_period_30")), Choice("2", t(lang, "card_period_90")))
        return ScreenModel(title=t(lang, "card_period_title"), choices=choices, **common)
    if state is State.PRINTING:
        return ScreenModel(title=t(lang, "printing_title"), busy=True, **common)
    if state is State.RECEIPT_DONE:
        return ScreenModel(
            title=t(lang, "card_balance_receipt_title"), enter_label=t(lang, "continue"), **common
        )
    if state is State.TAKE_CARD:
        left = math.ceil(j.seconds_left() or 0)
        common["countdown"] = left
        common["countdown_text"] = t(lang, "seconds_left", seconds=left)
        body = (t(lang, "card_take_body", seconds=math.ceil(j.cards.take_timeout)),)
        return ScreenModel(title=t(lang, "card_take_title"), body=body, **common)
    if state is State.RETAINED:
        common["tone"] = Tone.WARNING
        return ScreenModel(
            title=t(lang, "card_retained_title"), body=(t(lang, "card_retained_body"),), **common
        )
    return ScreenModel(title=t(lang, "back_to_start"), **common)
