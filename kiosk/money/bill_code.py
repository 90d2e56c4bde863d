"""The barcode printed on a bill: what it holds, how its check digits are made, and the parser.

Format (docs/bill_barcode.md has the why of every choice):

    BP1/<biller>/<account>/<amount>/<bill id>/<check>
    biller  = 1-8 of A-Z 0-9          the core's biller code (SGCC)
    account = 1-20 digits             as the customer would key it
    amount  = 1-10 digits, no leading zero: the amount due in the biller currency's minor units
    bill id = 1-24 of A-Z 0-9 -       the core's bill_id (B-SGCC-2026-10-0001)
    check   = 2 digits                ISO 7064 MOD 97-10 over everything before the last '/'

Every character is in both the Code 39 and the QR alphanumeric sets, so the same text prints as
a 1D (Code 128 / Code 39) or a 2D (QR) symbol and any scanner sends it as plain ASCII, also a
keyboard-wedge (HID) scanner on any keyboard layout that has '/' and '-'.

The check digits catch a misprint, a hand-edited or re-typed code and a scanner that dropped or
swapped characters; they are not a seal: the amount and the bill are never trusted from the
code, the customer is shown what the core's bill look-up returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.errors import KioskError
from kiosk.money.billing import Biller

PREFIX = "BP1"
SEPARATOR = "/"
MAX_LENGTH = 80  # the longest well-formed code is 72 characters
_FIELDS = re.compile(
    r"BP1/(?P<biller>[A-Z0-9]{1,8})/(?P<account>[0-9]{1,20})/(?P<amount>[1-9][0-9]{0,9})"
    r"/(?P<bill_id>[A-Z0-9-]{1,24})/(?P<check>[0-9]{2})"
)
_FORMAT_TAG = re.compile(r"BP[0-9]+/")  # a bill code of this family, maybe another version
# ISO 7064 works on digits; letters take their IBAN / ISO 11649 values (A=10 .. Z=35) and the
# format's two punctuation characters the next two, so every character of the text is covered.
# Every character is exactly two digits (0 -> 00, A -> 10, / -> 37): a character changed for
# another then shifts nothing, so MOD 97 catches every single substitution and every swap of
# neighbours (a one-digit 0 beside two-digit letters would let "A" -> "0" slip through).
_VALUES = {c: f"{i:02d}" for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/")}


class BillCodeError(KioskError):
    """A scanned code the kiosk cannot use; `code` says why (the screens translate it)."""

    code = "BILL_CODE_UNREADABLE"


class BillCodeUnreadable(BillCodeError):
    """Empty, too long, not printable ASCII, or our prefix with a broken structure."""

    code = "BILL_CODE_UNREADABLE"


class BillCodeForeign(BillCodeError):
    """Readable, but not a bill of a biller this kiosk takes (another format, version or
    biller, or an account that biller would not issue)."""

    code = "BILL_CODE_FOREIGN"


class BillCodeTampered(BillCodeError):
    """Well-formed, but the check digits do not match what the code says."""

    code = "BILL_CODE_TAMPERED"


@dataclass(frozen=True)
class BillCode:
    """What a bill's barcode says. The account is the customer's: never in a repr or a log."""

    biller: str
    account: str
    amount_minor: int
    bill_id: str

    def __repr__(self) -> str:
        return f"BillCode(biller={self.biller!r}, bill_id={self.bill_id!r})"

    def text(self) -> str:
        """The ASCII text to print as the barcode (what `parse` reads back)."""
        body = SEPARATOR.join(
            (PREFIX, self.biller, self.account, str(self.amount_minor), self.bill_id)
        )
        if _FIELDS.fullmatch(f"{body}{SEPARATOR}00") is None:
            raise ValueError("a field is outside the bill code format")
        return f"{body}{SEPARATOR}{check_digits(body)}"


def mod97_10(digits: str) -> str:
    """ISO 7064 MOD 97-10 over a string of digits: the two check digits that make the number
    followed by them ≡ 1 (mod 97)."""
    remainder = 0
    for digit in digits + "00":
        remainder = (remainder * 10 + int(digit)) % 97
    return f"{98 - remainder:02d}"


def check_digits(body: str) -> str:
    """MOD 97-10 over `body` with every character as its two-digit value."""
    return mod97_10("".join(_VALUES[char] for char in body))


def parse(text: str) -> BillCode:
    """Reads a scanned text. A scanner's suffix (CR, LF, spaces) is stripped; letters are taken
    in either case, since a keyboard-wedge scanner types lower case while Caps Lock is on."""
    if len(text) > MAX_LENGTH * 2:
        raise BillCodeUnreadable("far longer than any bill code")
    code = text.strip()
    if not code or len(code) > MAX_LENGTH:
        raise BillCodeUnreadable("empty or longer than any bill code")
    if not code.isascii() or not code.isprintable():
        raise BillCodeUnreadable("not printable ASCII")
    code = code.upper()
    if not code.startswith(PREFIX + SEPARATOR):
        tag = "another bill code version" if _FORMAT_TAG.match(code) else "not a bill code"
        raise BillCodeForeign(tag)
    fields = _FIELDS.fullmatch(code)
    if fields is None:
        raise BillCodeUnreadable("bill code fields malformed")
    body = code[: code.rindex(SEPARATOR)]
    if check_digits(body) != fields["check"]:
        raise BillCodeTampered("check digits do not match")
    return BillCode(fields["biller"], fields["account"], int(fields["amount"]), fields["bill_id"])


def for_biller(code: BillCode, billers: Iterable[Biller]) -> Biller:
    """The biller (of those this kiosk takes) the code belongs to; foreign when none is, or when
    the account is not one that biller issues."""
    for biller in billers:
        if biller.code == code.biller:
            if not biller.account_valid(code.account):
                raise BillCodeForeign("account does not fit the biller's pattern")
            return biller
    raise BillCodeForeign("a biller this kiosk does not take")
