"""States and transitions of the card journeys (balance inquiry and statement printing)."""

from __future__ import annotations

from enum import Enum


class Purpose(str, Enum):
    BALANCE = "balance"
    STATEMENT = "statement"


class State(str, Enum):
    IDLE = "idle"
    INSERT_CARD = "insert_card"
    READING = "reading"
    CHOOSE_APP = "choose_app"
    ENTER_PIN = "enter_pin"
    AUTHORIZING = "authorizing"
    SHOW_BALANCE = "show_balance"
    CHOOSE_PERIOD = "choose_period"
    FETCHING = "fetching"
    PRINTING = "printing"
    RECEIPT_DONE = "receipt_done"  # balance receipt outcome, after the card was taken
    TAKE_CARD = "take_card"
    SWIPE_DONE = "swipe_done"  # the outcome, to a customer whose swiped card never went in
    RETAINED = "retained"
    DONE = "done"


S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.IDLE: frozenset({S.INSERT_CARD}),
    S.INSERT_CARD: frozenset({S.READING, S.ENTER_PIN, S.TAKE_CARD, S.DONE}),
    S.READING: frozenset({S.CHOOSE_APP, S.ENTER_PIN, S.TAKE_CARD, S.DONE}),
    S.CHOOSE_APP: frozenset({S.READING, S.TAKE_CARD, S.DONE}),
    S.ENTER_PIN: frozenset({S.AUTHORIZING, S.TAKE_CARD, S.DONE}),
    S.AUTHORIZING: frozenset(
        {S.SHOW_BALANCE, S.CHOOSE_PERIOD, S.ENTER_PIN, S.TAKE_CARD, S.RETAINED, S.DONE}
    ),
    S.SHOW_BALANCE: frozenset({S.TAKE_CARD, S.DONE}),
    S.CHOOSE_PERIOD: frozenset({S.FETCHING, S.TAKE_CARD, S.DONE}),
    S.FETCHING: frozenset({S.PRINTING, S.TAKE_CARD, S.DONE}),
    S.PRINTING: frozenset({S.TAKE_CARD, S.RECEIPT_DONE, S.DONE}),
    S.TAKE_CARD: frozenset({S.DONE, S.RETAINED, S.PRINTING, S.RECEIPT_DONE, S.SWIPE_DONE}),
    S.SWIPE_DONE: frozenset({S.DONE}),
    S.RECEIPT_DONE: frozenset({S.DONE}),
    S.RETAINED: frozenset({S.DONE}),
    S.DONE: frozenset(),
}

# Card read failures -> the message the customer gets (the card is then ejected).
READ_ERRORS = {
    "CARD_NO_SUPPORTED_APP": "card_error_not_supported",
    "CARD_APP_BLOCKED": "card_error_blocked",
    "CARD_EXPIRED": "card_error_expired",
    "CARD_REMOVED": "card_error_removed",
    "CARD_READER_UNAVAILABLE": "card_reader_unavailable",
    "CARD_USE_CHIP": "card_error_use_chip",
}
PERIODS = {"1": 30, "2": 90}
