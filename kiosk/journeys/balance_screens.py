"""Screen models of the balance inquiry's own steps (the card's are the card session's).

The balance screen is private (headphones only in voice mode); Cancel there gives the card back.
Printing is kiosk/journeys/card_journey.py's, shared with the statement.
"""

from __future__ import annotations

from kiosk.journeys.card_journey import Said
from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.screen_model import AmountLine, Choice, ScreenModel
from kiosk.money.amount import Money


def show_balance(ctx: PartContext, balance: Money, masked_pan: str, receipt: bool) -> ScreenModel:
    t = ctx.text
    amount = AmountLine(t("card_balance_available"), balance.display(), emphasis=True)
    choices = (Choice("1", t("card_balance_print_receipt")),) if receipt else ()
    return ScreenModel(
        screen_id="card_show_balance",
        lang=ctx.lang(),
        title=t("card_balance_title"),
        body=(masked_pan,),
        amounts=(amount,),
        choices=choices,
        enter_label=t("continue"),
        cancel_label=t("cancel"),
        private=True,
    )


def receipt_done(ctx: PartContext, said: Said) -> ScreenModel:
    return ScreenModel(
        screen_id="card_receipt_done",
        lang=ctx.lang(),
        title=ctx.text("card_balance_receipt_title"),
        enter_label=ctx.text("continue"),
        **said.fields(ctx),
    )
