"""What a card read or a swipe that failed tells the customer, and which card messages are errors.

Shared by every journey that takes a bank card (through the CardSession part, and the
bill-payment card steps until they are rebuilt on it), so one failure is said the same way
everywhere.
"""

from __future__ import annotations

# Card read failures -> the message the customer gets (the card is then ejected).
READ_ERRORS = {
    "CARD_NO_SUPPORTED_APP": "card_error_not_supported",
    "CARD_APP_BLOCKED": "card_error_blocked",
    "CARD_EXPIRED": "card_error_expired",
    "CARD_REMOVED": "card_error_removed",
    "CARD_READER_UNAVAILABLE": "card_reader_unavailable",
    "CARD_USE_CHIP": "card_error_use_chip",
}
# A refused swipe on the hybrid reader's stripe head: the customer may swipe again or insert.
SWIPE_ERRORS = {**READ_ERRORS, "CARD_STRIPE_UNREADABLE": "card_error_swipe_again"}
# Read failures after which there is no card in the reader to give back.
NOTHING_TO_EJECT = frozenset({"CARD_REMOVED", "CARD_READER_UNAVAILABLE"})

# Messages shown in the error tone on a card screen (everything else is information).
ERROR_MESSAGES = frozenset(
    {
        *READ_ERRORS.values(),
        "card_error_unreadable",
        "card_error_swipe_again",
        "card_declined",
        "core_unreachable",
        "card_wrong_pin",
        "card_statement_print_failed",
        "card_balance_receipt_failed",
        "card_pay_offline",
        "card_pay_declined",
        "card_pay_declined_funds",
        "card_pay_declined_pin_tries",
        "card_pay_declined_expired",
        "card_pay_declined_card",
        "card_pay_no_answer",
        "card_pay_retained",
    }
)
