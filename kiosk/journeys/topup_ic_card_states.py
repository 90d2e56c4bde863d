"""States of the IC-card recharge and the transitions allowed between them."""

from __future__ import annotations

from enum import Enum


class RechargeState(str, Enum):
    CLOSED = "ic_closed"
    WAIT_CARD = "ic_wait_card"
    INSERT_CASH = "ic_insert_cash"
    SETTLING = "ic_settling"
    WRITING = "ic_writing"
    VERIFYING = "ic_verifying"
    DONE = "ic_done"
    PENDING = "ic_pending"  # money booked, credit not on the card yet: slip + retry later


S = RechargeState
TRANSITIONS: dict[RechargeState, frozenset[RechargeState]] = {
    S.CLOSED: frozenset({S.WAIT_CARD}),
    S.WAIT_CARD: frozenset({S.INSERT_CASH, S.WRITING, S.CLOSED}),
    S.INSERT_CASH: frozenset({S.SETTLING, S.WRITING, S.CLOSED}),
    S.SETTLING: frozenset({S.WRITING, S.CLOSED}),
    S.WRITING: frozenset({S.DONE, S.VERIFYING, S.WAIT_CARD, S.PENDING, S.CLOSED}),
    S.VERIFYING: frozenset({S.DONE, S.WRITING, S.WAIT_CARD, S.PENDING, S.CLOSED}),
    S.DONE: frozenset({S.CLOSED}),
    S.PENDING: frozenset({S.CLOSED}),
}
CASH_STATES = (S.INSERT_CASH, S.SETTLING)
