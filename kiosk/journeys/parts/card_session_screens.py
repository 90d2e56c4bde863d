"""Screen models of the card session: what the customer sees and hears from insert to take.

Rules held on every card screen: Cancel only where it does something (insert, application
choice, PIN); the amount being approved on every screen when there is one; the message that the
current state raised, in the error tone when it is an error; a location cue on insert and take
screens when the purpose texts name one; the PIN as one dot per digit (voice mode says "digit
entered", never the digit); the take-card countdown from the card handler.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.parts.card_errors import ERROR_MESSAGES
from kiosk.journeys.parts.card_session_states import CUSTOMER_STATES, CardState, CardTexts
from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel, Tone
from kiosk.money.amount import Money

Common = dict[str, Any]


class CardView(Protocol):
    """What the screens read of a card session (kiosk/journeys/parts/card_session.py)."""

    ctx: PartContext
    state: CardState
    texts: CardTexts
    message_id: str
    message_count: int | None
    app_labels: tuple[str, ...]
    pin_digits: int
    amount: Money | None
    approved: bool

    def swipe_offered(self) -> bool: ...

    def take_seconds(self) -> tuple[float, float]: ...


def build_screen(s: CardView) -> ScreenModel:
    t = s.ctx.text
    common: Common = {"screen_id": f"card_{s.state.value}", "lang": s.ctx.lang(), **message(s)}
    if s.amount is not None:
        common["amounts"] = (AmountLine(t("card_pay_amount"), s.amount.display(), emphasis=True),)
    if s.state in CUSTOMER_STATES:
        common["cancel_label"] = t("cancel")
    return _BUILDERS.get(s.state, _busy)(s, common)


def message(s: CardView) -> Common:
    """The current state's message: "Tries left: 2" puts the number after its label."""
    if not s.message_id:
        return {}
    text = s.ctx.text(s.message_id)
    if s.message_count is not None:
        text = f"{text} {s.message_count}"
    return {"message": text, "tone": Tone.ERROR if s.message_id in ERROR_MESSAGES else Tone.INFO}


def done_screen(ctx: PartContext, message_id: str) -> ScreenModel:
    """Back to the start (the menu takes over at once); the last outcome stays readable."""
    return ScreenModel(
        screen_id="card_done",
        lang=ctx.lang(),
        title=ctx.text("back_to_start"),
        message=ctx.text(message_id) if message_id else "",
        tone=Tone.ERROR if message_id in ERROR_MESSAGES else Tone.INFO,
    )


def _where(s: CardView) -> tuple[str, ...]:
    return (s.ctx.where("card"),)


def _approved(s: CardView) -> tuple[str, ...]:
    return (s.ctx.text(s.texts.approved_note),) if s.approved and s.texts.approved_note else ()


def _insert(s: CardView, common: Common) -> ScreenModel:
    body = "card_insert_or_swipe_body" if s.swipe_offered() else "card_insert_body"
    t = s.ctx.text
    return ScreenModel(title=t("card_insert_title"), body=(t(body), *_where(s)), **common)


def _busy(s: CardView, common: Common) -> ScreenModel:
    return ScreenModel(title=s.ctx.text("card_reading_title"), busy=True, **common)


def _choose_app(s: CardView, common: Common) -> ScreenModel:
    choices = tuple(Choice(str(i + 1), label) for i, label in enumerate(s.app_labels[:6]))
    return ScreenModel(title=s.ctx.text("card_choose_app_title"), choices=choices, **common)


def _pin(s: CardView, common: Common) -> ScreenModel:
    t = s.ctx.text
    field = InputField(
        label=t("card_pin_label"),
        value="●" * s.pin_digits,
        max_length=6,
        hint=t("card_pin_hint"),
        secret=True,
    )
    return ScreenModel(
        title=t("card_pin_title"),
        input=field,
        enter_label=t("continue"),
        clear_label=t("clear"),
        private=True,
        **common,
    )


def _authorizing(s: CardView, common: Common) -> ScreenModel:
    t, extra = s.ctx.text, s.texts.authorizing_body
    body = (t(extra),) if extra else ()
    return ScreenModel(title=t("card_authorizing_title"), body=body, busy=True, **common)


def _take(s: CardView, common: Common) -> ScreenModel:
    t = s.ctx.text
    left, full = s.take_seconds()
    seconds = math.ceil(left)
    body = (*_approved(s), t("card_take_body", seconds=math.ceil(full)), *_where(s))
    return ScreenModel(
        title=t("card_take_title"),
        body=body,
        countdown=seconds,
        countdown_text=t("seconds_left", seconds=seconds),
        **common,
    )


def _swipe_done(s: CardView, common: Common) -> ScreenModel:
    t = s.ctx.text
    return ScreenModel(title=t("card_swipe_done_title"), enter_label=t("continue"), **common)


RETAIN_REASONS = {"not_taken": "card_retained_not_taken", "issuer_order": "card_retained_issuer"}


def _retained(s: CardView, common: Common) -> ScreenModel:
    """Why the card was kept, whether it really is in the kiosk (as the journal says), and
    whom to call: one sentence each, never the same sentence twice."""
    t = s.ctx.text
    common["tone"] = Tone.WARNING
    reason = RETAIN_REASONS.get(getattr(s, "retain_reason", ""), "card_retained_issuer")
    if not getattr(s, "captured", True):  # the reader could not take it in: the customer has it
        title, body = "card_retain_not_captured_title", ("card_retain_not_captured_body",)
    else:
        title, body = "card_retained_title", (reason, "card_retained_body")
    return ScreenModel(
        title=t(title),
        body=(*_approved(s), *(t(b) for b in body)),
        enter_label=t("continue"),
        **common,
    )


def _done(s: CardView, common: Common) -> ScreenModel:
    return done_screen(s.ctx, s.message_id)


_BUILDERS: dict[CardState, Callable[[CardView, Common], ScreenModel]] = {
    CardState.INSERT_CARD: _insert,
    CardState.CHOOSE_APP: _choose_app,
    CardState.ENTER_PIN: _pin,
    CardState.AUTHORIZING: _authorizing,
    CardState.HELD: _authorizing,
    CardState.TAKE_CARD: _take,
    CardState.SWIPE_DONE: _swipe_done,
    CardState.RETAINED: _retained,
    CardState.DONE: _done,
}
