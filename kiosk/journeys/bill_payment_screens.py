"""Screen models for each bill-payment state: what the customer sees and hears.

Pure functions of the journey's state; no Qt. Amounts are formatted with their currency here so
the visual and voice renderers show and say exactly the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from kiosk.journeys import bill_payment_card_screens as card_screens
from kiosk.journeys.bill_payment_states import CUSTOMER_STATES, MAX_ACCOUNT_DIGITS, State
from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel, Tone
from kiosk.money.amount import Money

if TYPE_CHECKING:
    from kiosk.journeys.bill_payment import BillPaymentJourney

ERROR_MESSAGES = frozenset(
    {
        "account_invalid",
        "unknown_account",
        "core_unreachable",
        "core_reply_invalid",
        "cash_unavailable",
        "billers_unavailable",
        "no_open_bill",
    }
)


def build_screen(journey: BillPaymentJourney) -> ScreenModel:
    builder: Callable[[BillPaymentJourney], ScreenModel] = _BUILDERS[journey.state.value]
    model = builder(journey)
    lang = journey.session.lang
    t = journey.catalog.text
    extras: dict[str, object] = {}
    message_id = journey.session.message_id
    if message_id and journey.state is not State.NOTICE:
        extras["message"] = t(lang, message_id)
        errors = ERROR_MESSAGES | card_screens.ERROR_MESSAGES
        extras["tone"] = Tone.ERROR if message_id in errors else Tone.WARNING
    left = journey.seconds_left()
    if journey.state in CUSTOMER_STATES and left is not None and left <= journey.timeouts.warning:
        extras["countdown"] = math.ceil(left)
        extras["countdown_text"] = t(lang, "seconds_left", seconds=math.ceil(left))
        extras.setdefault("message", t(lang, "timeout_warning"))
        extras.setdefault("tone", Tone.WARNING)
    if journey.state is not State.ATTRACT and journey.state is not State.LANGUAGE:
        extras["language_label"] = t(lang, "switch_language")
    return _replace(model, **extras)


def _replace(model: ScreenModel, **changes: object) -> ScreenModel:
    return replace(model, **changes) if changes else model


def _model(j: BillPaymentJourney, title_id: str, **kw: object) -> ScreenModel:
    lang = j.session.lang
    return ScreenModel(
        screen_id=j.state.value, lang=lang, title=j.catalog.text(lang, title_id, **_fmt(j)), **kw
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


def _enter_account(j: BillPaymentJourney) -> ScreenModel:
    return _model(
        j,
        "account_title",
        input=InputField(
            label=_t(j, "account_label"),
            value=j.session.account,
            max_length=MAX_ACCOUNT_DIGITS,
            hint=_t(j, "account_hint"),
        ),
        enter_label=_t(j, "continue"),
        cancel_label=_t(j, "cancel"),
        clear_label=_t(j, "clear"),
    )


def _fetching(j: BillPaymentJourney) -> ScreenModel:
    return _model(
        j, "fetching_title", body=(_t(j, "fetching_body"),), busy=True, cancel_label=_t(j, "cancel")
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
            *card_screens.bill_notes(j),
        ),
        amounts=(AmountLine(_t(j, "bill_amount_due"), bill.amount_due.display(), emphasis=True),),
        choices=(Choice("1", _t(j, "bill_pay_cash")), *card_screens.bill_choices(j)),
        enter_label=_t(j, "bill_pay_cash"),
        cancel_label=_t(j, "cancel"),
        private=True,
    )


def _insert_cash(j: BillPaymentJourney) -> ScreenModel:
    cash = j.session.cash
    assert cash is not None
    due = j.amount_due()
    remaining = max(due - cash.total, Money.zero(due.currency))
    notes = "/".join(f"{v.amount.normalize():f}" for v in j.note_values())
    body = [_t(j, "insert_body", notes=notes), _t(j, "cash_overpay_notice")]
    if not cash.total.is_zero():
        body.append(_t(j, "insert_cancel_with_cash"))
    if j.escrow_offer is not None and j.escrow_offer[1] is not None:
        note, prepayment = j.escrow_offer
        body = [_t(j, "cash_overpay_offer", note=note.display(), prepayment=prepayment.display())]
    return _model(
        j,
        "insert_title",
        body=tuple(body),
        amounts=(
            AmountLine(_t(j, "bill_amount_due"), due.display()),
            AmountLine(_t(j, "insert_inserted"), cash.total.display(), emphasis=True),
            AmountLine(_t(j, "insert_remaining"), remaining.display()),
        ),
        cancel_label=_t(j, "cancel"),
    )


def _settling(j: BillPaymentJourney) -> ScreenModel:
    return _model(j, "credit_printing", body=(_t(j, "insert_cancel_with_cash"),), busy=True)


def _confirm(j: BillPaymentJourney) -> ScreenModel:
    cash = j.session.cash
    assert cash is not None and j.session.biller is not None
    due = j.amount_due()
    amounts = [
        AmountLine(_t(j, "bill_amount_due"), due.display()),
        AmountLine(_t(j, "confirm_paid"), cash.total.display(), emphasis=True),
    ]
    if cash.total > due:
        amounts.append(AmountLine(_t(j, "confirm_prepayment"), (cash.total - due).display()))
    return _model(
        j,
        "confirm_title",
        body=(
            f"{_t(j, 'receipt_biller')}: {j.session.biller.name(j.session.lang)}",
            f"{_t(j, 'account_label')}: {j.session.account}",
        ),
        amounts=tuple(amounts),
        enter_label=_t(j, "confirm_button"),
        cancel_label=_t(j, "cancel"),
        private=True,
    )


def _printing(j: BillPaymentJourney) -> ScreenModel:
    return _model(j, "printing_title", body=(_t(j, "printing_body"),), busy=True)


def _syncing(j: BillPaymentJourney) -> ScreenModel:
    return _model(j, "syncing_title", body=(_t(j, "syncing_body"),), busy=True)


def _receipt_line(j: BillPaymentJourney, printed_id: str) -> str:
    """Say "take your receipt" only when the printer confirmed the end of the receipt."""
    s = j.session
    if s.printed:
        return _t(j, printed_id)
    if not s.paper_receipt:
        return _t(j, "onscreen_receipt", reference=s.reference)
    if s.receipt_incomplete:
        return _t(j, "receipt_incomplete", reference=s.reference)
    return _t(j, "thanks_no_receipt", reference=s.reference)


def _receipt_qr(j: BillPaymentJourney) -> str:
    """No confirmed paper receipt: the reference as a QR is the customer's receipt."""
    return "" if j.session.printed else j.session.reference


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
    body = [f"{_t(j, 'reference')}: {s.reference}", _receipt_line(j, "thanks_receipt")]
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


def _credit_printing(j: BillPaymentJourney) -> ScreenModel:
    return _model(j, "credit_printing", busy=True)


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


_BUILDERS: dict[str, Callable[[BillPaymentJourney], ScreenModel]] = {
    "attract": _attract,
    "language": _language,
    "choose_biller": _choose_biller,
    "enter_account": _enter_account,
    "fetching_bill": _fetching,
    "bill_details": _bill_details,
    "insert_cash": _insert_cash,
    "settling_cash": _settling,
    "confirm": _confirm,
    "printing_receipt": _printing,
    "syncing": _syncing,
    "thank_you": _thank_you,
    "printing_credit_slip": _credit_printing,
    "credited": _credited,
    "notice": _notice,
    "printer_warning": _printer_warning,
    **card_screens.CARD_BUILDERS,
}
