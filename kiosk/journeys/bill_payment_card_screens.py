"""Screen models of the card steps of bill payment, and the card lines of the bill screen.

The PIN field shows one dot per digit; voice mode says "digit entered", never the digit. The
amount being paid is on every card screen so the customer always knows what the PIN approves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel, Tone

if TYPE_CHECKING:
    from kiosk.journeys.bill_payment import BillPaymentJourney

ERROR_MESSAGES = frozenset(
    {
        "card_pay_offline",
        "card_reader_unavailable",
        "card_error_not_supported",
        "card_error_blocked",
        "card_error_expired",
        "card_error_unreadable",
        "card_error_removed",
        "card_error_use_chip",
        "card_error_swipe_again",
        "card_pay_declined",
        "card_pay_declined_funds",
        "card_pay_declined_pin_tries",
        "card_pay_declined_expired",
        "card_pay_declined_card",
        "card_pay_no_answer",
        "card_pay_retained",
    }
)


def bill_choices(j: BillPaymentJourney) -> tuple[Choice, ...]:
    """Choice 2 on the bill screen when a card payment can be made right now."""
    return (Choice("2", _t(j, "bill_pay_card")),) if j.card_offered() else ()


def bill_notes(j: BillPaymentJourney) -> tuple[str, ...]:
    """Said up front when card exists but needs a connection the kiosk does not have."""
    if j.card_wired() and not j.card_online():
        return (_t(j, "card_pay_offline"),)
    return ()


def _t(j: BillPaymentJourney, message_id: str, **values: object) -> str:
    return j.catalog.text(j.session.lang, message_id, **values)


def _model(j: BillPaymentJourney, title_id: str, **kw: object) -> ScreenModel:
    cp = j.card_pay
    amounts = (AmountLine(_t(j, "card_pay_amount"), cp.amount.display(), emphasis=True),)
    kw.setdefault("amounts", amounts)
    return ScreenModel(screen_id=j.state.value, lang=j.session.lang, title=_t(j, title_id), **kw)


def _message(j: BillPaymentJourney) -> dict[str, object]:
    cp = j.card_pay
    if not cp.message_id:
        return {}
    text = _t(j, cp.message_id)
    if cp.message_id == "card_wrong_pin":
        return {"message": f"{text} {cp.tries_left}", "tone": Tone.ERROR}
    return {"message": text}


def _insert(j: BillPaymentJourney) -> ScreenModel:
    body = "card_insert_or_swipe_body" if j.accepts_swipe() else "card_insert_body"
    return _model(
        j, "card_insert_title", body=(_t(j, body),), cancel_label=_t(j, "cancel"), **_message(j)
    )


def _reading(j: BillPaymentJourney) -> ScreenModel:
    return _model(j, "card_reading_title", busy=True)


def _choose_app(j: BillPaymentJourney) -> ScreenModel:
    labels = j.card_pay.app_labels[:6]
    choices = tuple(Choice(str(i + 1), label) for i, label in enumerate(labels))
    return _model(j, "card_choose_app_title", choices=choices, cancel_label=_t(j, "cancel"))


def _pin(j: BillPaymentJourney) -> ScreenModel:
    field = InputField(
        label=_t(j, "card_pin_label"),
        value="●" * j.card_pay.pin_digits,
        max_length=6,
        hint=_t(j, "card_pin_hint"),
        secret=True,
    )
    return _model(
        j,
        "card_pin_title",
        input=field,
        enter_label=_t(j, "continue"),
        clear_label=_t(j, "clear"),
        cancel_label=_t(j, "cancel"),
        private=True,
        **_message(j),
    )


def _authorizing(j: BillPaymentJourney) -> ScreenModel:
    return _model(j, "card_authorizing_title", body=(_t(j, "card_pay_authorizing"),), busy=True)


def _take(j: BillPaymentJourney) -> ScreenModel:
    cards = j.cards
    assert cards is not None
    left = math.ceil(cards.seconds_left() or 0)
    body = [_t(j, "card_take_body", seconds=math.ceil(cards.take_timeout))]
    message: dict[str, object] = {}
    if j.card_pay.approved:
        body.insert(0, _t(j, "card_pay_approved"))
    elif j.card_pay.after_message:
        message = {"message": _t(j, j.card_pay.after_message), "tone": Tone.ERROR}
    return _model(
        j,
        "card_take_title",
        body=tuple(body),
        countdown=left,
        countdown_text=_t(j, "seconds_left", seconds=left),
        **message,
    )


def _retained(j: BillPaymentJourney) -> ScreenModel:
    body = [_t(j, "card_retained_body")]
    if j.card_pay.approved:
        body.insert(0, _t(j, "card_pay_approved"))
    return _model(
        j,
        "card_retained_title",
        body=tuple(body),
        tone=Tone.WARNING,
        enter_label=_t(j, "continue"),
    )


CARD_BUILDERS: dict[str, Callable[[BillPaymentJourney], ScreenModel]] = {
    "card_insert": _insert,
    "card_reading": _reading,
    "card_choose_app": _choose_app,
    "card_pin": _pin,
    "card_authorizing": _authorizing,
    "card_take": _take,
    "card_retained": _retained,
}
