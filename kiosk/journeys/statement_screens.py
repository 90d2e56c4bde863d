"""Screen models of the statement's own steps (the card's are the card session's; printing is
kiosk/journeys/card_journey.py's, shared with the balance slip)."""

from __future__ import annotations

from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.screen_model import Choice, ScreenModel


def choose_period(ctx: PartContext) -> ScreenModel:
    t = ctx.text
    return ScreenModel(
        screen_id="card_choose_period",
        lang=ctx.lang(),
        title=t("card_period_title"),
        choices=(Choice("1", t("card_period_30")), Choice("2", t("card_period_90"))),
        cancel_label=t("cancel"),  # gives the card back
    )


def fetching(ctx: PartContext) -> ScreenModel:
    return ScreenModel(
        screen_id="card_fetching",
        lang=ctx.lang(),
        title=ctx.text("card_fetching_statement"),
        busy=True,
    )
