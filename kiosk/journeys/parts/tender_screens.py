"""What the customer sees and hears while paying cash: insert, the note in transit, confirm.

Amounts are formatted with their currency here, so screen and voice say the same thing; the
overpayment rule is on the insert screen before the first note goes in.
"""

from __future__ import annotations

from typing import Protocol

from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.parts.tender_spec import TenderSpec
from kiosk.journeys.screen_model import AmountLine, ScreenModel, Tone
from kiosk.money.amount import Money


class TenderView(Protocol):
    """The tender as its screens read it (kept here so the screens need not import it)."""

    ctx: PartContext
    tally: CashTally
    offer: tuple[Money, Money | None] | None
    message_id: str
    notes: tuple[Money, ...]

    @property
    def screen_id(self) -> str: ...

    @property
    def spec(self) -> TenderSpec: ...


def _message(view: TenderView) -> dict[str, object]:
    if not view.message_id:
        return {}
    values = {"minimum": view.spec.biller.min_amount.display()}
    return {"message": view.ctx.text(view.message_id, **values), "tone": Tone.WARNING}


def insert_screen(view: TenderView) -> ScreenModel:
    spec, t, total = view.spec, view.ctx.text, view.tally.total
    due = spec.due
    if due is None:  # an open amount: the parent's lines and the running total
        return ScreenModel(
            screen_id=view.screen_id,
            lang=view.ctx.lang(),
            title=t(spec.title_id),
            body=(*(t(i) for i in spec.intro_ids), view.ctx.where("cash"), *spec.lines()),
            amounts=(AmountLine(t(spec.total_label_id), total.display(), emphasis=True),),
            enter_label=t(spec.enter_id) if not total.is_zero() else "",
            cancel_label=t("cancel"),
            **_message(view),
        )
    remaining = max(due - total, Money.zero(due.currency))
    notes = "/".join(f"{v.amount.normalize():f}" for v in view.notes)
    body = [t("insert_body", notes=notes), view.ctx.where("cash"), t("cash_overpay_notice")]
    if not total.is_zero():
        body.append(t("insert_cancel_with_cash"))
    if view.offer is not None and view.offer[1] is not None:
        note, prepayment = view.offer
        body = [t("cash_overpay_offer", note=note.display(), prepayment=prepayment.display())]
    return ScreenModel(
        screen_id=view.screen_id,
        lang=view.ctx.lang(),
        title=t(spec.title_id),
        body=tuple(body),
        amounts=(
            AmountLine(t("bill_amount_due"), due.display()),
            AmountLine(t("insert_inserted"), total.display(), emphasis=True),
            AmountLine(t("insert_remaining"), remaining.display()),
        ),
        cancel_label=t("cancel"),
        **_message(view),
    )


def settling_screen(view: TenderView) -> ScreenModel:
    t, spec = view.ctx.text, view.spec
    return ScreenModel(
        screen_id=view.screen_id,
        lang=view.ctx.lang(),
        title=t(spec.settling_title_id),
        body=tuple(t(i) for i in spec.settling_body_ids),
        amounts=(AmountLine(t(spec.total_label_id), view.tally.total.display(), emphasis=True),),
        busy=True,
    )


def confirm_screen(view: TenderView) -> ScreenModel:
    spec, t, total = view.spec, view.ctx.text, view.tally.total
    due = spec.due
    assert due is not None
    amounts = [
        AmountLine(t("bill_amount_due"), due.display()),
        AmountLine(t("confirm_paid"), total.display(), emphasis=True),
    ]
    if total > due:
        amounts.append(AmountLine(t("confirm_prepayment"), (total - due).display()))
    return ScreenModel(
        screen_id=view.screen_id,
        lang=view.ctx.lang(),
        title=t("confirm_title"),
        body=spec.lines(),
        amounts=tuple(amounts),
        enter_label=t("confirm_button"),
        cancel_label=t("cancel"),
        private=True,
        **_message(view),
    )
