"""Screens and printed documents of the IC-card recharge: what the customer sees, hears and keeps.

Pure functions of the journey as read through `RechargeView` (a Protocol: the screens never
import the journey). The cash step is the shared Tender's insert screen under the recharge's
own ids, with the card balance on top; amounts are formatted with their currency here so the
visual and voice renderers show and say the same thing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol
from zoneinfo import ZoneInfo

from drivers.card_reader.stored_value import CardState
from drivers.printer.document import Document
from kiosk.documents.common import DocContext
from kiosk.documents.ic_card import (
    IcPendingData,
    IcRechargeData,
    ic_pending_slip,
    ic_recharge_receipt,
)
from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.parts.tender import Tender
from kiosk.journeys.screen_model import AmountLine, ScreenModel, Tone
from kiosk.journeys.topup_ic_card_setup import RechargeSetup
from kiosk.journeys.topup_ic_card_states import RechargeSession, RechargeState
from kiosk.money.amount import Money


class RechargeView(Protocol):
    """The journey as its screens and documents read it."""

    session: RechargeSession
    ctx: PartContext
    setup: RechargeSetup

    @property
    def state(self) -> RechargeState: ...

    @property
    def tender(self) -> Tender | None: ...


S = RechargeState
BODY_IDS = {S.WAIT_CARD: "ic_insert_card", S.WRITING: "ic_writing", S.VERIFYING: "ic_writing"}


def _money(view: RechargeView, minor: int) -> str:
    return Money.from_minor(minor, view.setup.currency).display()


def pending_reference(session: RechargeSession) -> str:
    assert session.job is not None
    return session.reference or session.job.txn_id[:8]


def build_screen(view: RechargeView) -> ScreenModel:
    s, st, t, lang = view.session, view.state, view.ctx.text, view.ctx.lang()
    card = s.after or s.card
    amounts: tuple[AmountLine, ...] = ()
    if card is not None:
        amounts = (AmountLine(t("ic_balance"), _money(view, card.balance_minor)),)
    tender = view.tender
    if tender is not None:  # the card's balance above the tender's own lines
        model = tender.screen()
        return replace(model, amounts=(*amounts, *model.amounts))
    if st is S.PENDING and s.job is not None:
        amount = _money(view, s.job.amount_minor)
        reference = pending_reference(s)
        body = t("ic_pending", amount=amount, reference=reference)
        qr = reference if s.receipt is not None and not s.receipt.printed else ""
        return ScreenModel(
            st.value, lang, t("ic_title"), (body,), amounts=amounts, tone=Tone.WARNING, qr=qr
        )
    lines, qr = (t(BODY_IDS[st]),) if st in BODY_IDS else (), ""
    if st is S.DONE:
        lines = (t("ic_done"), *(s.receipt.where(view.ctx) if s.receipt else ()))
        if s.receipt is not None and not s.receipt.printed:  # honest: no paper, the QR instead
            receipt_line = s.receipt.line(view.ctx, "ic_done", s.reference)
            lines, qr = (t("ic_done_card"), receipt_line), s.reference
    return ScreenModel(
        st.value,
        lang,
        t("ic_title"),
        lines,
        amounts=amounts,
        busy=st in (S.WRITING, S.VERIFYING),
        cancel_label=t("cancel") if st is S.WAIT_CARD else "",
        private=card is not None,
        qr=qr,
    )


def _doc_context(view: RechargeView) -> DocContext:
    setup = view.setup
    local = setup.clock.now().astimezone(ZoneInfo(setup.timezone)).strftime("%Y-%m-%d %H:%M:%S")
    return DocContext(setup.catalog, view.ctx.lang(), setup.kiosk_id, local)


def receipt(view: RechargeView, after: CardState) -> Document:
    """The customer's receipt: what was paid, and the balance read back from the card."""
    s = view.session
    assert s.cash is not None
    data = IcRechargeData(
        reference=s.reference,
        txn_id=s.txn_id,
        product=view.setup.product.name(view.ctx.lang()),
        card_id=after.card_id,
        amount=s.cash.total.display(),
        balance=_money(view, after.balance_minor),
    )
    return ic_recharge_receipt(_doc_context(view), data)


def pending_slip(view: RechargeView, amount_minor: int, reference: str) -> Document:
    """The slip when the credit could not be written: the money is booked, the card is not."""
    s = view.session
    job = s.job
    data = IcPendingData(
        reference=reference,
        txn_id=job.txn_id if job is not None else s.txn_id,
        product=view.setup.product.name(view.ctx.lang()),
        card_id=job.before.card_id if job is not None else "",
        amount=_money(view, amount_minor),
    )
    return ic_pending_slip(_doc_context(view), data)
