"""The bill-payment journey's own steps and their transition table, and where the customer is.

`Step` is what the journey itself decides; four steps run a part (scanning the bill when a
scanner is online, the account entry, the cash tender, the card session) and one the receipt.
`State` names the screen the customer is on, a part's state included: logs, tests and the
technician's safe-point check read it.
"""

from __future__ import annotations

from enum import Enum


class Step(str, Enum):
    ATTRACT = "attract"
    LANGUAGE = "language"
    SCAN_BILL = "scan_bill"  # BillScanStep: only when a scanner is wired and online
    CHOOSE_BILLER = "choose_biller"
    ACCOUNT = "account"  # KeypadEntry
    FETCHING_BILL = "fetching_bill"
    BILL_DETAILS = "bill_details"
    PRINTER_WARNING = "printer_warning"  # before any money: no paper receipt possible
    CASH = "cash"  # Tender: insert, settle, confirm
    CARD = "card"  # CardSession: insert or swipe, PIN, authorization, card back
    RECEIPT = "receipt"  # ReceiptStep: the receipt or the credit slip
    SYNCING = "syncing"
    THANK_YOU = "thank_you"
    CREDITED = "credited"
    NOTICE = "notice"


S = Step
TRANSITIONS: dict[Step, frozenset[Step]] = {
    S.ATTRACT: frozenset({S.LANGUAGE}),
    S.LANGUAGE: frozenset({S.SCAN_BILL, S.CHOOSE_BILLER, S.ATTRACT, S.NOTICE}),
    S.SCAN_BILL: frozenset({S.CHOOSE_BILLER, S.FETCHING_BILL, S.ATTRACT}),
    S.CHOOSE_BILLER: frozenset({S.ACCOUNT, S.ATTRACT, S.NOTICE}),
    S.ACCOUNT: frozenset({S.FETCHING_BILL, S.CHOOSE_BILLER, S.ATTRACT}),
    S.FETCHING_BILL: frozenset({S.BILL_DETAILS, S.NOTICE, S.ATTRACT}),
    S.BILL_DETAILS: frozenset({S.CASH, S.CARD, S.PRINTER_WARNING, S.ATTRACT, S.NOTICE}),
    S.PRINTER_WARNING: frozenset({S.CASH, S.CARD, S.ATTRACT, S.NOTICE}),
    S.CASH: frozenset({S.RECEIPT, S.ATTRACT, S.NOTICE}),
    S.CARD: frozenset({S.RECEIPT, S.BILL_DETAILS, S.ATTRACT}),
    S.RECEIPT: frozenset({S.SYNCING, S.THANK_YOU, S.CREDITED}),
    S.SYNCING: frozenset({S.THANK_YOU}),
    S.THANK_YOU: frozenset({S.ATTRACT}),
    S.CREDITED: frozenset({S.ATTRACT}),
    S.NOTICE: frozenset(set(Step) - {S.NOTICE}),
}
# The journey's own steps where the customer is expected to act (parts count down their own).
CUSTOMER_STEPS = frozenset({S.LANGUAGE, S.CHOOSE_BILLER, S.BILL_DETAILS, S.PRINTER_WARNING})


class State(str, Enum):
    """The screen the customer is on (its value is that screen's id)."""

    ATTRACT = "attract"
    LANGUAGE = "language"
    SCAN_BILL = "scan_bill"
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
    PRINTER_WARNING = "printer_warning"
    CARD_INSERT = "card_insert_card"
    CARD_READING = "card_reading"
    CARD_CHOOSE_APP = "card_choose_app"
    CARD_PIN = "card_enter_pin"
    CARD_AUTHORIZING = "card_authorizing"
    CARD_TAKE = "card_take_card"
    CARD_RETAINED = "card_retained"


# CardSession's state value -> where the customer is (HELD: the card is in while we book).
CARD_STATE_VIEW = {
    "idle": State.CARD_INSERT,
    "insert_card": State.CARD_INSERT,
    "reading": State.CARD_READING,
    "choose_app": State.CARD_CHOOSE_APP,
    "enter_pin": State.CARD_PIN,
    "authorizing": State.CARD_AUTHORIZING,
    "held": State.CARD_AUTHORIZING,
    "take_card": State.CARD_TAKE,
    "swipe_done": State.CARD_TAKE,
    "retained": State.CARD_RETAINED,
    "done": State.CARD_TAKE,
}
TENDER_STATE_VIEW = {
    "insert": State.INSERT_CASH,
    "settling": State.SETTLING_CASH,
    "confirm": State.CONFIRM,
}
MAX_ACCOUNT_DIGITS = 20
MAX_CHOICES = 6
