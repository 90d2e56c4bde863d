"""The IC-card recharge's own steps and their transition table, its session, and where the
customer is.

`Step` is what the journey itself decides; the cash step runs the shared Tender part.
`RechargeState` names the screen the customer is on (its value is the screen id, the tender's
included): the service, logs and tests read it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from drivers.card_reader.stored_value import CardState
from kiosk.clock import Clock
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.parts.receipt_step import ReceiptDone
from kiosk.journeys.parts.steps import StepRunner
from kiosk.journeys.parts.tender_spec import TenderState
from kiosk.journeys.topup_ic_card_ports import CreditJob


class Step(str, Enum):
    CLOSED = "closed"
    WAIT_CARD = "wait_card"
    CASH = "cash"  # Tender: notes and coins, an open amount
    WRITING = "writing"
    VERIFYING = "verifying"  # the write's answer was not a success: read the card back
    DONE = "done"  # the receipt (ReceiptStep) prints while the customer reads the result
    PENDING = "pending"  # money booked, credit not on the card yet: slip + retry later


TRANSITIONS: dict[Step, frozenset[Step]] = {
    Step.CLOSED: frozenset({Step.WAIT_CARD}),
    Step.WAIT_CARD: frozenset({Step.CASH, Step.WRITING, Step.CLOSED}),
    Step.CASH: frozenset({Step.WRITING, Step.CLOSED}),
    Step.WRITING: frozenset({Step.DONE, Step.VERIFYING, Step.WAIT_CARD, Step.PENDING, Step.CLOSED}),
    Step.VERIFYING: frozenset({Step.DONE, Step.WRITING, Step.WAIT_CARD, Step.PENDING, Step.CLOSED}),
    Step.DONE: frozenset({Step.CLOSED}),
    Step.PENDING: frozenset({Step.CLOSED}),
}
# The journey's own steps where the customer is expected to act (the tender counts down its own).
CUSTOMER_STEPS = frozenset({Step.WAIT_CARD, Step.DONE, Step.PENDING})


def recharge_steps(clock: Clock, factor: Callable[[], float]) -> StepRunner[Step]:
    """A customer's steps, from CLOSED; a customer's time is longer in voice mode (`factor`)."""
    return StepRunner(
        name="ic card recharge",
        clock=clock,
        initial=Step.CLOSED,
        transitions=TRANSITIONS,
        customer_steps=CUSTOMER_STEPS,
        factor=factor,
    )


class RechargeState(str, Enum):
    """The screen the customer is on (its value is that screen's id)."""

    CLOSED = "ic_closed"
    WAIT_CARD = "ic_wait_card"
    INSERT_CASH = "ic_insert_cash"
    SETTLING = "ic_settling"
    WRITING = "ic_writing"
    VERIFYING = "ic_verifying"
    DONE = "ic_done"
    PENDING = "ic_pending"


# The tender's screens keep the ids the recharge has always had (tests and the demo read them).
TENDER_SCREENS = {
    TenderState.INSERT: RechargeState.INSERT_CASH.value,
    TenderState.SETTLING: RechargeState.SETTLING.value,
    TenderState.CONFIRM: RechargeState.INSERT_CASH.value,  # an open amount never confirms
}


def screen_state(step: Step, tender: TenderState | None) -> RechargeState:
    """Where the customer is: the journey's step, or the running tender's screen."""
    if tender is not None:
        return RechargeState(TENDER_SCREENS[tender])
    return RechargeState(f"ic_{step.value}")


@dataclass
class RechargeSession:
    """One customer at the recharge: the card as read, the cash, the credit job, the receipt."""

    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    txn_id: str = ""
    card: CardState | None = None  # as read before the cash
    after: CardState | None = None  # as read back after the credit
    cash: CashTally | None = None  # the tender's tally
    request: str = ""  # the card reader request whose answer is awaited
    job: CreditJob | None = None
    reference: str = ""
    receipt: ReceiptDone | None = None  # the printer's real outcome, once known
