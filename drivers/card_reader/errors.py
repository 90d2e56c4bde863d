"""Typed card errors with stable codes; each has a customer message id in kiosk/i18n.

The codes are the contract with technicians and screens: a screen maps the code to words
("Please use the chip", "Card not supported"), never the exception text.
"""

from __future__ import annotations

from kiosk.errors import DeviceError


class CardError(DeviceError):
    code = "CARD_ERROR"


class MalformedTlv(CardError):
    """The card answered bytes that are not valid BER-TLV (or not the EMV template expected)."""

    code = "CARD_TLV_MALFORMED"


class NoSupportedApplication(CardError):
    code = "CARD_NO_SUPPORTED_APP"


class ApplicationBlocked(CardError):
    code = "CARD_APP_BLOCKED"


class CardRemoved(CardError):
    """The card left the reader during a read: nothing read so far may be used."""

    code = "CARD_REMOVED"


class NoCard(CardError):
    code = "CARD_ABSENT"


class ReaderUnavailable(CardError):
    """pcscd is gone or the configured reader is not attached: the reader is Offline."""

    code = "CARD_READER_UNAVAILABLE"


class CardRejected(CardError):
    """The card was read but must not be used: expired, bad Luhn, refused service code."""

    code = "CARD_REJECTED"


class UseChip(CardError):
    """A chip card was swiped: ISO 7813 service code 2xx/6xx means 'use the chip'."""

    code = "CARD_USE_CHIP"


class StripeUnreadable(CardError):
    code = "CARD_STRIPE_UNREADABLE"


class ApduError(CardError):
    """The card answered a status word the read cannot continue after."""

    code = "CARD_APDU_FAILED"

    def __init__(self, message: str, sw: int) -> None:
        super().__init__(f"{message}: SW {sw:04X}")
        self.sw = sw
