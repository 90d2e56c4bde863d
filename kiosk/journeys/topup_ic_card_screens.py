"""Screens and printed documents of the IC-card recharge (journey state -> ScreenModel/Document).

Kept apart from the state machine so the journey file holds only the money path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.card_reader.stored_value import CardState
from drivers.printer.document import Align, Columns, Cut, Document, Separator, Text
from kiosk.journeys.screen_model import AmountLine, ScreenModel, Tone
from kiosk.journeys.topup_ic_card_states import S
from kiosk.money.amount import Money

if TYPE_CHECKING:
    from kiosk.journeys.topup_ic_card import IcCardRechargeJourney


def build_screen(journey: IcCardRechargeJourney) -> ScreenModel:
    s, st, lang = journey.session, journey.state, journey.lang
    t = journey.catalog.text
    title = t(lang, "ic_title")
    card = s.after or s.card
    amounts: tuple[AmountLine, ...] = ()
    if card is not None:
        balance = Money.from_minor(card.balance_minor, journey.currency).display()
        amounts = (AmountLine(t(lang, "ic_balance"), balance),)
    if st in (S.INSERT_CASH, S.SETTLING) and s.cash is not None:
        inserted = AmountLine(t(lang, "topup_amount"), s.cash.total.display(), emphasis=True)
        return ScreenModel(
            st.value,
            lang,
            title,
            (t(lang, "ic_insert_cash"),),
            amounts=(*amounts, inserted),
            enter_label=t(lang, "continue") if not s.cash.total.is_zero() else "",
            cancel_label=t(lang, "cancel"),
        )
    if st is S.PENDING and s.job is not None:
        amount = Money.from_minor(s.job.amount_minor, journey.currency).display()
        body = t(lang, "ic_pending", amount=amount, reference=s.reference or s.job.txn_id[:8])
        return ScreenModel(st.value, lang, title, (body,), amounts=amounts, tone=Tone.WARNING)
    body = {
        S.WAIT_CARD: t(lang, "ic_insert_card"),
        S.WRITING: t(lang, "ic_writing"),
        S.VERIFYING: t(lang, "ic_writing"),
        S.DONE: t(lang, "ic_done"),
    }.get(st, "")
    return ScreenModel(
        st.value,
        lang,
        title,
        (body,) if body else (),
        amounts=amounts,
        busy=st in (S.WRITING, S.VERIFYING),
        cancel_label=t(lang, "cancel") if st is S.WAIT_CARD else "",
        private=card is not None,
    )


def receipt(journey: IcCardRechargeJourney, after: CardState) -> Document:
    """The customer's receipt: what was paid, and the balance read back from the card."""
    s, lang, t = journey.session, journey.lang, journey.catalog.text
    assert s.cash is not None
    balance = Money.from_minor(after.balance_minor, journey.currency)
    return Document(
        "ic_recharge",
        s.reference,
        (
            Text(t(lang, "ic_title"), Align.CENTER, bold=True),
            Separator(),
            Columns(journey.product.name(lang), after.card_id),
            Columns(t(lang, "topup_amount"), s.cash.total.display(), bold=True),
            Columns(t(lang, "ic_balance"), balance.display()),
            Columns("Ref", s.reference),
            Cut(),
        ),
        source={"reference": s.reference, "amount": s.cash.total.wire(), "card": after.card_id},
    )


def pending_slip(journey: IcCardRechargeJourney, amount_minor: int, reference: str) -> Document:
    """The slip when the credit could not be written: the money is booked, the card is not."""
    lang, t = journey.lang, journey.catalog.text
    amount = Money.from_minor(amount_minor, journey.currency).display()
    return Document(
        "ic_pending",
        reference,
        (
            Text(t(lang, "ic_title"), Align.CENTER, bold=True),
            Separator(),
            Text(t(lang, "ic_pending", amount=amount, reference=reference)),
            Columns("Ref", reference),
            Cut(),
        ),
        source={"reference": reference, "amount_minor": amount_minor},
    )
