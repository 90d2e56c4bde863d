"""What a cash tender is asked to take: the amount, the limits, and how its screens read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from kiosk.money.amount import Money
from kiosk.money.billing import Biller


class TenderState(str, Enum):
    INSERT = "insert"
    SETTLING = "settling"  # leaving early: waiting for the note in transit to stack or return
    CONFIRM = "confirm"  # the amount is reached (or a partial payment chosen): pay it?


@dataclass(frozen=True)
class TenderSpec:
    biller: Biller  # the limits, and whether a bill may be paid in part
    due: Money | None  # None: an open amount (top-up), only the limits apply
    screen_ids: Mapping[TenderState, str]
    title_id: str = "insert_title"
    lines: Callable[[], tuple[str, ...]] = field(default=lambda: ())  # the parent's own lines
    intro_ids: tuple[str, ...] = ()  # an open amount: what to do, before the parent's lines
    # while a note in transit is waited for; a bill's early exit is a credit, a top-up's is not
    settling_title_id: str = "credit_printing"
    settling_body_ids: tuple[str, ...] = ("insert_cancel_with_cash",)
    total_label_id: str = "insert_inserted"
    enter_id: str = "confirm_button"  # an open amount: Enter pays what is in
    confirm: bool = True  # reaching the amount asks the customer to confirm
    overpay_consent: bool = False
    online: Callable[[], bool] = field(default=lambda: True)
