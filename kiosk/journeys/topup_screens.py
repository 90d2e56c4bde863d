"""What the top-up customer sees and hears, and how its parts are set up.

The number is keyed with the same controls as every other entry (Enter, Clear, Cancel, a hint);
the insert screen says how to finish (Enter tops up what is in) and offers Cancel; the result
says "take your receipt" only when the printer confirmed it, otherwise the reference as a QR.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.parts.keypad_entry import EntryKind, EntrySpec
from kiosk.journeys.parts.receipt_step import ReceiptDone
from kiosk.journeys.parts.tender_spec import TenderSpec, TenderState
from kiosk.journeys.screen_model import AmountLine, Choice, ScreenModel, Tone
from kiosk.money.billing import Biller

MAX_NUMBER_DIGITS = 20
TENDER_SCREEN_IDS = {
    TenderState.INSERT: "topup_insert_cash",
    TenderState.SETTLING: "topup_settling",
    TenderState.CONFIRM: "topup_insert_cash",  # an open amount never asks to confirm
}


def number_spec(valid: Callable[[str], bool]) -> EntrySpec:
    return EntrySpec(
        kind=EntryKind.PHONE,
        screen_id="topup_enter_number",
        title_id="topup_title",
        label_id="topup_number_label",
        hint_id="topup_number_hint",
        invalid_id="topup_number_invalid",
        max_length=MAX_NUMBER_DIGITS,
        valid=valid,
        body_ids=("topup_enter_number",),
    )


def tender_spec(
    biller: Biller, online: Callable[[], bool], lines: Callable[[], tuple[str, ...]]
) -> TenderSpec:
    return TenderSpec(
        biller=biller,
        due=None,
        screen_ids=TENDER_SCREEN_IDS,
        title_id="topup_title",
        lines=lines,
        total_label_id="topup_amount",
        enter_id="topup_confirm_button",
        confirm=False,
        online=online,
        intro_ids=("topup_insert",),
        settling_title_id="topup_title",
        settling_body_ids=("cash_settling_body",),
    )


def choose_screen(
    ctx: PartContext, labels: tuple[str, ...], seconds_left: float | None
) -> ScreenModel:
    t = ctx.text
    model = ScreenModel(
        screen_id="topup_choose",
        lang=ctx.lang(),
        title=t("topup_title"),
        body=(t("topup_choose"),),
        choices=tuple(Choice(str(k), label) for k, label in enumerate(labels, 1)),
        cancel_label=t("cancel"),
    )
    if seconds_left is None or seconds_left > ctx.timeouts.warning:
        return model
    seconds = math.ceil(seconds_left)
    return replace(
        model,
        countdown=seconds,
        countdown_text=t("seconds_left", seconds=seconds),
        message=t("timeout_warning"),
        tap_key=model.tap_key or "help",  # a touch anywhere is activity, like any key
        tone=Tone.WARNING,
    )


def done_screen(
    ctx: PartContext, receipt: ReceiptDone | None, reference: str, total: str
) -> ScreenModel:
    t = ctx.text
    outcome = receipt or ReceiptDone(printed=False)
    return ScreenModel(
        screen_id="topup_done",
        lang=ctx.lang(),
        title=t("topup_title"),
        body=(
            outcome.line(ctx, "topup_done", reference),
            *outcome.where(ctx),
            f"{t('reference')}: {reference}",
        ),
        amounts=(AmountLine(t("topup_amount"), total, emphasis=True),) if total else (),
        tone=Tone.SUCCESS,
        enter_label=t("back_to_start"),
        qr=outcome.qr(reference),
    )
