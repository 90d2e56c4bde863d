"""The card session's states, the moves between them, its purpose texts and its one outcome.

Kept apart from the part itself so the screens (kiosk/journeys/parts/card_session_screens.py)
and the parents can name states without importing the session's logic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class CardState(str, Enum):
    IDLE = "idle"
    INSERT_CARD = "insert_card"
    READING = "reading"
    CHOOSE_APP = "choose_app"
    ENTER_PIN = "enter_pin"
    AUTHORIZING = "authorizing"
    HELD = "held"  # approved: the card stays in while the parent shows its own steps
    TAKE_CARD = "take_card"
    SWIPE_DONE = "swipe_done"  # the outcome, to a customer whose swiped card never went in
    RETAINED = "retained"
    DONE = "done"


S = CardState
# Three parts run one after the other, each from IDLE: the intake (card_intake.py), the session
# itself (PIN and authorization, card_session.py) and the return (card_return.py).
TRANSITIONS: dict[CardState, frozenset[CardState]] = {
    S.IDLE: frozenset({S.INSERT_CARD, S.ENTER_PIN, S.TAKE_CARD, S.SWIPE_DONE, S.RETAINED, S.DONE}),
    S.INSERT_CARD: frozenset({S.READING}),
    S.READING: frozenset({S.CHOOSE_APP}),
    S.CHOOSE_APP: frozenset({S.READING}),
    S.ENTER_PIN: frozenset({S.AUTHORIZING}),
    S.AUTHORIZING: frozenset({S.HELD, S.ENTER_PIN}),
    S.HELD: frozenset(),
    S.TAKE_CARD: frozenset({S.RETAINED, S.SWIPE_DONE, S.DONE}),
    S.SWIPE_DONE: frozenset({S.DONE}),
    S.RETAINED: frozenset({S.DONE}),
    S.DONE: frozenset(),
}
# The customer is asked to act here: a countdown, a timeout that ends the session, and Cancel.
CUSTOMER_STATES = frozenset({S.INSERT_CARD, S.CHOOSE_APP, S.ENTER_PIN})


@dataclass(frozen=True)
class CardTexts:
    """Purpose-specific message ids (catalog ids); the rest of the card's words are shared."""

    declined: Callable[[str], str]  # the core's decline reason -> message id
    no_answer: str  # authorization timed out, or the core failed
    retain_swiped: str  # issuer retain order on a swiped card (it cannot be captured)
    approved_note: str = ""  # said on the take-card and retained screens after an approval
    authorizing_body: str = ""  # a line under "authorizing" (what is being approved)


@dataclass(frozen=True)
class CardSessionEnded:
    """The one outcome: reported when the card is back with the customer or retained."""

    approved: bool  # an approval was reported via `authorized` in this session
    reason: str  # the eject/retain reason journaled: cancelled, declined, paid, not_taken, ...
    message_id: str  # what to tell the customer next ("" for nothing)
    retained: bool = False
    timed_out: bool = False  # the customer did not act (insert, app choice, PIN)
