"""Screen models for each bill-payment state: what the customer sees and hears.

Pure functions of the journey's state; no Qt. Amounts are formatted with their currency here so
the visual and voice renderers show and say exactly the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment_states import CUSTOMER_STEPS, Step
from kiosk.journeys.parts.base import Part, PartContext
from kiosk.journeys.parts.receipt_step import ReceiptDone
from kiosk.journeys.screen_model import AmountLine, Choice, ScreenModel, Tone
from kiosk.journeys.session import CustomerSession
from kiosk.money.amount import Money
from kiosk.money.billing import Biller
from kiosk.runtime.config import TimeoutConfig


class BillPaymentJourney(Protocol):
    """The journey as its screens read it (a Protocol: the screens never import the journey)."""

    session: CustomerSession
    step: Step
    part: Part | None
    catalog: Catalog
    ctx: PartContext
    timeouts: TimeoutConfig
    default_language: str

    @property
    def card(self) -> CardOffer | None: ...

    def billers(self) -> tuple[Biller, ...]: ...

    def seconds_left(self) -> float | None: ...

    def paid_total(self) -> Money: ...


class CardOffer(Protocol):
    def offered(self) -> bool: ...

    def wired(self) -> bool: ...

    def online(self) -> bool: ...


ERROR_MESSAGES = frozenset(
    {
        "unknown_account",
        "core_unreachable",
        "core_reply_invalid",
        "cash_unavailable",
        "billers_unavailable",
        "no_open_bill",
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


def build_screen(journey: BillPaymentJourney) -> ScreenModel:
    """The active part's screen, or the journey's own; then what every screen of it carries."""
    if journey.part is not None:
        model = journey.part.screen()
    else:
        model = _BUILDERS[journey.step](journey)
        model = _own_extras(journey, model)
    if journey.step not in (Step.ATTRACT, Step.LANGUAGE):
        model = replace(model, language_label=_t(journey, "switch_language"))
    return model


def _own_extras(journey: BillPaymentJourney, model: ScreenModel) -> ScreenModel:
    t, extras = _t, {}
    message_id = journey.session.message_id
    if message_id and journey.step is not Step.NOTICE:
        extras["message"] = t(journey, message_id)
        extras["tone"] = Tone.ERROR if message_id in ERROR_MESSAGES else Tone.WARNING
    left = journey.seconds_left()
    if journey.step in CUSTOMER_STEPS and left is not None and left <= journey.timeouts.warning:
        extras["countdown"] = math.ceil(left)
        extras["countdown_text"] = t(journey, "seconds_left", seconds=math.ceil(left))
        extras.setdefault("message", t(journey, "timeout_warning"))
        extras.setdefault("tap_key", model.tap_key or "help")  # a touch anywhere is activity
        extras.setdefault("tone", Tone.WARNING)
    return _replace(model, **extras)


def _replace(model: ScreenModel, **changes: object) -> ScreenModel:
    return replace(model, **changes) if changes else model


def _model(j: BillPaymentJourney, title_id: str, **kw: object) -> ScreenModel:
    lang = j.session.lang
    return ScreenModel(
        screen_id=j.step.value, lang=lang, title=j.catalog.text(lang, title_id, **_fmt(j)), **kw
    )


def _fmt(j: BillPaymentJourney) -> dict[str, str]:
    biller = j.session.biller
    return {"biller": biller.name(j.session.lang) if biller else ""}


def _t(j: BillPaymentJourney, message_id: str, **values: object) -> str:
    return j.catalog.text(j.session.lang, message_id, **values)


def _attract(j: BillPaymentJourney) -> ScreenModel:
    other = "en" if j.default_language == "zh_CN" else "zh_CN"
    t = j.catalog.text
    if not j.billers():
        return ScreenModel(
            screen_id="attract",
            tap_key="enter",
            lang=j.default_language,
            title=t(j.default_language, "attract_title"),
            body=(t(other, "attract_title"),),
            message=f"{t(j.default_language, 'attract_out_of_service')} / "
            f"{t(other, 'attract_out_of_service')}",
            tone=Tone.WARNING,
        )
    return ScreenModel(
        screen_id="attract",
        tap_key="enter",
        lang=j.default_language,
        title=t(j.default_language, "attract_title"),
        body=(
            t(other, "attract_title"),
            t(j.default_language, "attract_body"),
            t(other, "attract_body"),
        ),
    )


def _language(j: BillPaymentJourney) -> ScreenModel:
    return _model(
        j,
        "language_title",
        choices=(
            Choice("1", _t(j, "language_zh"), lang="zh_CN"),
            Choice("2", _t(j, "language_en"), lang="en"),
        ),
        cancel_label=_t(j, "cancel"),
    )


def _choose_biller(j: BillPaymentJourney) -> ScreenModel:
    billers = j.billers()
    return _model(
        j,
        "biller_title",
        body=(_t(j, "biller_body"),),
        choices=tuple(Choice(str(i), b.name(j.session.lang)) for i, b in enumerate(billers, 1)),
        cancel_label=_t(j, "cancel"),
    )


def _bill_details(j: BillPaymentJourney) -> ScreenModel:
    bill = j.session.bill
    assert bill is not None
    return _model(
        j,
        "bill_title",
        body=(
            f"{_t(j, 'account_label')}: {bill.account}",
            f"{_t(j, 'bill_holder')}: {bill.holder}",
            f"{_t(j, 'bill_period')}: {bill.period}",
            f"{_t(j, 'bill_due_date')}: {bill.due_date.isoformat()}",
            *_card_notes(j),
        ),
        amounts=(AmountLine(_t(j, "bill_amount_due"), bill.amount_due.display(), emphasis=True),),
        choices=(Choice("1", _t(j, "bill_pay_cash")), *_card_choices(j)),
        enter_label=_t(j, "bill_pay_cash"),
        cancel_label=_t(j, "cancel"),
        private=True,
    )


def _syncing(j: BillPaymentJourney) -> ScreenModel:
    return _model(j, "syncing_title", body=(_t(j, "syncing_body"),), busy=True)


def _printer_warning(j: BillPaymentJourney) -> ScreenModel:
    return _model(
        j,
        "printer_warning_title",
        body=(_t(j, "printer_warning_body"),),
        choices=(Choice("1", _t(j, "printer_warning_continue")),),
        tone=Tone.WARNING,
        enter_label=_t(j, "printer_warning_continue"),
        cancel_label=_t(j, "cancel"),
    )


def _thank_you(j: BillPaymentJourney) -> ScreenModel:
    s = j.session
    body = [
        f"{_t(j, 'reference')}: {s.reference}",
        _receipt_line(j, "thanks_receipt"),
        *_receipt_where(j),
    ]
    title = "thanks_title"
    if not s.synced:
        title = "thanks_pending_title"
        body.insert(0, _t(j, "thanks_pending_body"))
    return _model(
        j,
        title,
        body=tuple(body),
        amounts=(AmountLine(_t(j, "receipt_total"), j.paid_total().display(), emphasis=True),),
        tone=Tone.SUCCESS,
        enter_label=_t(j, "back_to_start"),
        qr=_receipt_qr(j),
    )


def _credited(j: BillPaymentJourney) -> ScreenModel:
    s = j.session
    assert s.cash is not None
    return _model(
        j,
        "credit_title",
        body=(
            _t(j, "credit_body", amount=s.cash.total.display(), account=s.account),
            f"{_t(j, 'reference')}: {s.reference}",
            _receipt_line(j, "credit_slip_take"),
            *_receipt_where(j),
        ),
        tone=Tone.SUCCESS,
        enter_label=_t(j, "back_to_start"),
        qr=_receipt_qr(j),
    )


def _notice(j: BillPaymentJourney) -> ScreenModel:
    return _model(
        j,
        "error_title",
        message=_t(j, j.session.message_id),
        tone=Tone.ERROR,
        enter_label=_t(j, "continue"),
    )


def _card_choices(j: BillPaymentJourney) -> tuple[Choice, ...]:
    """Choice 2 on the bill screen when a card payment can be made right now."""
    return (Choice("2", _t(j, "bill_pay_card")),) if j.card and j.card.offered() else ()


def _card_notes(j: BillPaymentJourney) -> tuple[str, ...]:
    """Said up front when card exists but needs a connection the kiosk does not have."""
    if j.card is not None and j.card.wired() and not j.card.online():
        return (_t(j, "card_pay_offline"),)
    return ()


def _receipt_line(j: BillPaymentJourney, printed_id: str) -> str:
    s = j.session
    receipt = s.receipt or ReceiptDone(printed=False)
    return receipt.line(j.ctx, printed_id, s.reference)


def _receipt_where(j: BillPaymentJourney) -> tuple[str, ...]:
    return (j.session.receipt or ReceiptDone(printed=False)).where(j.ctx)


def _receipt_qr(j: BillPaymentJourney) -> str:
    return (j.session.receipt or ReceiptDone(printed=False)).qr(j.session.reference)


_BUILDERS: dict[Step, Callable[[BillPaymentJourney], ScreenModel]] = {
    Step.ATTRACT: _attract,
    Step.LANGUAGE: _language,
    Step.CHOOSE_BILLER: _choose_biller,
    Step.BILL_DETAILS: _bill_details,
    Step.PRINTER_WARNING: _printer_warning,
    Step.SYNCING: _syncing,
    Step.THANK_YOU: _thank_you,
    Step.CREDITED: _credited,
    Step.NOTICE: _notice,
}
