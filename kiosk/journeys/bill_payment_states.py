"""States and the transition table of the bill-payment journey."""

from __future__ import annotations

from enum import Enum


class State(str, Enum):
    ATTRACT = "attract"
    LANGUAGE = "language"
    CHOOSE_BILLER = "choose_biller"
    ENTER_ACCOUNT = "enter_account"
    FETCHING_BILL = "fetching_bill"
    BILL_DETAILS = "bill_details"
    INSERT_CASH = "insert_cash"
    SETTLING_CASH = "settling_cash"
    CONFIRM = "confirm"
    PRINTING_RECEIPT = "printing_receipt"
    SYNCING = "syncing"
    THANK_YOU = "thank_you"
    PRINTING_CREDIT_SLIP = "printing_credit_slip"
    CREDITED = "credited"
    NOTICE = "notice"
    PRINTER_WARNING = "printer_warning"  # before any money: no paper receipt possible
    # Paying by card (kiosk/journeys/bill_payment_card.py)
    CARD_INSERT = "card_insert"
    CARD_READING = "card_reading"
    CARD_CHOOSE_APP = "card_choose_app"
    CARD_PIN = "card_pin"
    CARD_AUTHORIZING = "card_authorizing"
    CARD_TAKE = "card_take"
    CARD_RETAINED = "card_retained"


S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.ATTRACT: frozenset({S.LANGUAGE}),
    S.LANGUAGE: frozenset({S.CHOOSE_BILLER, S.ATTRACT, S.NOTICE}),
    S.CHOOSE_BILLER: frozenset({S.ENTER_ACCOUNT, S.ATTRACT, S.NOTICE}),
    S.ENTER_ACCOUNT: frozenset({S.FETCHING_BILL, S.CHOOSE_BILLER, S.ATTRACT}),
    S.FETCHING_BILL: frozenset({S.BILL_DETAILS, S.NOTICE, S.ATTRACT}),
    S.BILL_DETAILS: frozenset(
        {S.INSERT_CASH, S.ATTRACT, S.NOTICE, S.PRINTER_WARNING, S.CARD_INSERT}
    ),
    S.PRINTER_WARNING: frozenset({S.INSERT_CASH, S.ATTRACT, S.NOTICE, S.CARD_INSERT}),
    S.INSERT_CASH: frozenset(
        {S.CONFIRM, S.SETTLING_CASH, S.PRINTING_CREDIT_SLIP, S.ATTRACT, S.NOTICE}
    ),
    S.SETTLING_CASH: frozenset({S.PRINTING_CREDIT_SLIP, S.ATTRACT, S.NOTICE}),
    S.CONFIRM: frozenset({S.PRINTING_RECEIPT, S.PRINTING_CREDIT_SLIP}),
    S.PRINTING_RECEIPT: frozenset({S.SYNCING}),
    S.SYNCING: frozenset({S.THANK_YOU}),
    S.THANK_YOU: frozenset({S.ATTRACT}),
    S.PRINTING_CREDIT_SLIP: frozenset({S.CREDITED}),
    S.CREDITED: frozenset({S.ATTRACT}),
    S.CARD_INSERT: frozenset({S.CARD_READING, S.CARD_PIN, S.BILL_DETAILS, S.ATTRACT}),
    S.CARD_READING: frozenset(
        {S.CARD_CHOOSE_APP, S.CARD_PIN, S.CARD_TAKE, S.BILL_DETAILS, S.ATTRACT}
    ),
    S.CARD_CHOOSE_APP: frozenset({S.CARD_READING, S.CARD_TAKE, S.BILL_DETAILS, S.ATTRACT}),
    S.CARD_PIN: frozenset({S.CARD_AUTHORIZING, S.CARD_TAKE, S.BILL_DETAILS, S.ATTRACT}),
    # card pulled while the bank decides: a payment prints at once, a decline goes to the bill
    S.CARD_AUTHORIZING: frozenset(
        {S.CARD_PIN, S.CARD_TAKE, S.CARD_RETAINED, S.PRINTING_RECEIPT, S.BILL_DETAILS}
    ),
    S.CARD_TAKE: frozenset({S.CARD_RETAINED, S.PRINTING_RECEIPT, S.BILL_DETAILS, S.ATTRACT}),
    S.CARD_RETAINED: frozenset({S.PRINTING_RECEIPT, S.BILL_DETAILS, S.ATTRACT}),
    S.NOTICE: frozenset(set(State) - {S.NOTICE}),
}

# States where the customer is expected to act; these show the inactivity countdown.
CUSTOMER_STATES = frozenset(
    {
        S.LANGUAGE,
        S.CHOOSE_BILLER,
        S.ENTER_ACCOUNT,
        S.BILL_DETAILS,
        S.PRINTER_WARNING,
        S.INSERT_CASH,
        S.CONFIRM,
        S.CARD_INSERT,
        S.CARD_CHOOSE_APP,
        S.CARD_PIN,
    }
)
CARD_STATES = frozenset(s for s in State if s.value.startswith("card_"))
MAX_ACCOUNT_DIGITS = 20
MAX_CHOICES = 6
