"""The reference core's card endpoints: online PIN check and the account statement.

  POST /v1/cards/authorize  {track2, pan_sequence, pin_block, pin_format?, purpose, amount?,
                             txn_id?}
       -> 200 {approved, auth_code, session_token, tries_left, retain_card, balance?, reason?}
  GET  /v1/accounts/statement?from=&to=&cursor=&limit=   (the kiosk's Authorization and
       X-Card-Session: <session_token>; the session must be this kiosk's, issued for a statement)
       -> 200 {currency, entries: [{date, description, amount, balance}], next_cursor}

The PIN block is deciphered with THIS kiosk's PIN key (format 0 under TDES, or format 4 under
AES when pin_format is "iso4") and compared in constant time. Each card has a tries counter that
survives sessions; when it reaches zero the reply orders the kiosk to retain the card.
Accounts live in memory: the reference core enrols an unknown, Luhn-valid card on first sight
with the demo PIN 1234 (documented in docs/card.md) so every virtual card profile works.

Payments (purpose "payment") carry `amount` (money object) and the kiosk's `txn_id`: an approval
places a HOLD of the amount on the account under that txn_id (declined INSUFFICIENT_FUNDS when
the balance is short). Any authorization carrying a txn_id is bound to (kiosk, txn_id, PAN,
purpose, amount, PIN block): the same request again gets the same answer (approved or declined)
and never a second hold or a second counted try; the txn_id with anything else is refused with
409 IDEMPOTENCY_CONFLICT, so a used txn_id never lends its approval to another card or amount.

Format 0 PIN blocks carry no nonce (the same PIN on the same card gives the same block), so a
captured block could be replayed. Until cryptograms arrive: a block that verified under one
txn_id is refused under any other txn_id for PIN_BLOCK_WINDOW seconds (409 PIN_BLOCK_REPLAYED,
no try counted; a customer who mistyped enters another PIN, hence another block), and each card
gets at most CARD_ATTEMPTS new attempts per CARD_ATTEMPT_WINDOW seconds from all kiosks
(429 CARD_RATE_LIMITED with Retry-After). Requests without a txn_id (balance, statement) are
only rate-limited: the kiosk asks the PIN again for each, and refusing the same block there
would refuse the customer's second service of a visit.
The hold is captured by the `card_payment` transaction with that txn_id, or released by a
`reversal` whose details.original_txn_id names it (see `apply_transaction`); both are applied
once, so a reversal sent twice refunds once and a reversal after capture refunds nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core_system.validation import ValidationError
from drivers.card_reader.emv.card_data import Track2, expiry_from_yymm, luhn_ok
from drivers.card_reader.errors import MalformedTlv
from drivers.pinpad.pinblock import PinBlockError, format0_pin, format4_pin, pins_equal
from kiosk.clock import Clock
from kiosk.money.amount import Money

Reply = tuple[int, dict[str, Any]]
PIN_TRIES = 3
SESSION_SECONDS = 300
PAGE_MAX = 50
# A PIN block that verified is bound to its txn_id this long (seconds): format 0 has no nonce,
# so the same block under a new txn_id is a replay until cryptograms arrive (CORE_API.md ATM).
PIN_BLOCK_WINDOW = 600
# At most CARD_ATTEMPTS new authorization attempts per card in CARD_ATTEMPT_WINDOW seconds.
CARD_ATTEMPTS = 10
CARD_ATTEMPT_WINDOW = 300
_PURPOSES = ("balance", "statement", "payment")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class CardRateLimited(Exception):
    """Too many authorization attempts for one card: 429 CARD_RATE_LIMITED with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"card rate limited for {retry_after} s")
        self.retry_after = retry_after


def _error(status: int, code: str, message: str) -> Reply:
    return status, {"error": {"code": code, "message": message}}


@dataclass
class CardAccount:
    pin: str = field(repr=False)
    balance: Decimal
    currency: str = "CNY"
    tries_left: int = PIN_TRIES


@dataclass
class _Hold:
    pan: str = field(repr=False)
    amount: Decimal
    kiosk_id: str
    currency: str
    reply: dict[str, Any] = field(repr=False)
    state: str = "held"  # held | captured | reversed


def _payment_fields(body: dict[str, Any]) -> tuple[Decimal, str, str] | None:
    """(amount, currency, txn_id) of a payment authorization, or None when malformed."""
    money, txn_id = body.get("amount"), _optional_txn_id(body.get("txn_id"))
    if not isinstance(money, dict) or not txn_id:
        return None
    amount, currency = money.get("amount"), money.get("currency")
    if not isinstance(amount, str) or not _AMOUNT.match(amount) or not isinstance(currency, str):
        return None
    value = Decimal(amount)
    return (value, currency, txn_id) if value > 0 else None


@dataclass(frozen=True)
class _Attempt:
    """One authorization request under a txn_id and the answer it got (replayed verbatim)."""

    binding: tuple[str, str, str, str]  # kiosk, PAN, purpose, "amount currency"
    block_digest: bytes = field(repr=False)
    reply: dict[str, Any] = field(repr=False)


def _optional_txn_id(value: Any) -> str | None:
    """None when absent, "" when malformed, else the lower-case UUID."""
    if value is None:
        return None
    if isinstance(value, str) and _UUID.match(value.lower()):
        return value.lower()
    return ""


@dataclass(frozen=True)
class _Session:
    kiosk_id: str
    pan: str = field(repr=False)
    expires: datetime
    purpose: str = "statement"


def _entries(pan: str, today: date, currency: str, balance: Decimal) -> list[dict[str, str]]:
    """A deterministic history per card, newest first, ending at today's balance."""
    seed = int(pan[-6:])
    out: list[dict[str, str]] = []
    running = balance
    for i in range(60):
        day = today - timedelta(days=i * 2)
        amount = Decimal((seed * (i + 7)) % 50000 - 20000) / 100
        description = ("Salary", "Utility bill", "Supermarket", "ATM withdrawal")[i % 4]
        out.append(
            {
                "date": day.isoformat(),
                "description": description,
                "amount": {"amount": f"{amount:.2f}", "currency": currency},
                "balance": {"amount": f"{running:.2f}", "currency": currency},
            }
        )
        running -= amount
    return out


class CardIssuer:
    def __init__(
        self,
        clock: Clock,
        pin_keys: dict[str, tuple[str, bytes]],
        *,
        auto_enrol: bool = True,
        block_window: float = PIN_BLOCK_WINDOW,
        max_attempts: int = CARD_ATTEMPTS,
        attempt_window: float = CARD_ATTEMPT_WINDOW,
    ) -> None:
        """pin_keys: kiosk id -> (format "iso0"|"iso4", key bytes). Windows are seconds on the
        clock's monotonic time, so a wall-clock step neither opens nor extends them."""
        self._clock = clock
        self._keys = dict(pin_keys)
        self._auto_enrol = auto_enrol
        self._accounts: dict[str, CardAccount] = {}
        self._sessions: dict[str, _Session] = {}
        self._holds: dict[str, _Hold] = {}  # payment txn_id -> hold
        self._attempts: dict[str, _Attempt] = {}  # txn_id -> the request and its answer
        self._verified: dict[tuple[str, bytes], tuple[float, str]] = {}  # (PAN, block) -> when, txn
        self._recent: dict[str, deque[float]] = {}  # PAN -> monotonic times of recent attempts
        self._block_window = block_window
        self._max_attempts, self._attempt_window = max_attempts, attempt_window
        self._lock = threading.Lock()

    def enrol(self, pan: str, pin: str, balance: str, currency: str = "CNY") -> None:
        with self._lock:
            self._accounts[pan] = CardAccount(pin, Decimal(balance), currency)

    def tries_left(self, pan: str) -> int | None:
        account = self._accounts.get(pan)
        return None if account is None else account.tries_left

    def balance(self, pan: str) -> Decimal | None:
        """Available balance (holds already taken off)."""
        account = self._accounts.get(pan)
        return None if account is None else account.balance

    def hold_state(self, txn_id: str) -> str | None:
        hold = self._holds.get(txn_id)
        return None if hold is None else hold.state

    def authorize(self, kiosk_id: str, body: Any) -> Reply:
        """Checks the PIN block and answers; a txn_id binds the answer to this request.

        The binding is (kiosk, txn_id, PAN, purpose, amount) as CORE_API.md says, plus the PIN
        block itself: the same request again gets the stored answer (no second hold, no try
        burnt), anything else under that txn_id is a 409 IDEMPOTENCY_CONFLICT. The check comes
        before the PIN check so a conflicting request learns nothing about the PIN."""
        if kiosk_id not in self._keys:  # a credential problem comes before the body's content
            return _error(403, "NO_PIN_KEY", "no PIN key is shared with this kiosk")
        if not isinstance(body, dict):
            return _error(400, "VALIDATION_FAILED", "body must be a JSON object")
        try:
            track2 = Track2.parse(str(body.get("track2", "")).upper().replace("=", "D"))
            block = bytes.fromhex(str(body.get("pin_block", "")))
        except (MalformedTlv, ValueError):
            return _error(400, "VALIDATION_FAILED", "track2 or pin_block malformed")
        purpose = body.get("purpose")
        if purpose not in _PURPOSES:
            return _error(400, "VALIDATION_FAILED", f"purpose must be one of {_PURPOSES}")
        payment = _payment_fields(body) if purpose == "payment" else None
        if purpose == "payment" and payment is None:
            return _error(
                400, "VALIDATION_FAILED", "payment needs amount {amount, currency}, txn_id"
            )
        txn_id = payment[2] if payment is not None else _optional_txn_id(body.get("txn_id"))
        if txn_id == "":
            return _error(400, "VALIDATION_FAILED", "txn_id must be a UUID string")
        pan = track2.pan
        if not luhn_ok(pan):
            return 200, self._declined("INVALID_CARD", None)
        if expiry_from_yymm(track2.expiry_yymm) < self._clock.now().date():
            return 200, self._declined("EXPIRED_CARD", None)
        amount_key = f"{payment[0]:.2f} {payment[1]}" if payment is not None else ""
        binding = (kiosk_id, pan, str(purpose), amount_key)
        fmt = self._keys[kiosk_id][0]
        digest = hashlib.sha256(fmt.encode() + b":" + block).digest()
        with self._lock:
            if txn_id is not None and txn_id in self._attempts:
                earlier = self._attempts[txn_id]
                same = earlier.binding == binding
                if not (hmac.compare_digest(earlier.block_digest, digest) and same):
                    return _error(
                        409,
                        "IDEMPOTENCY_CONFLICT",
                        "txn_id already used for another card, amount, purpose, kiosk or PIN",
                    )
                return 200, dict(earlier.reply)
            now = self._clock.monotonic()
            self._count_attempt(pan, now)
            if txn_id is not None:
                seen = self._verified.get((pan, digest))
                if seen is not None and seen[1] != txn_id and now - seen[0] < self._block_window:
                    return _error(
                        409,
                        "PIN_BLOCK_REPLAYED",
                        "this PIN block already verified under another txn_id: enter the PIN again",
                    )
            reply, pin_ok = self._decide(kiosk_id, pan, block, str(purpose), payment)
            if txn_id is not None:
                self._attempts[txn_id] = _Attempt(binding, digest, dict(reply))
                if pin_ok:
                    self._verified[(pan, digest)] = (now, txn_id)
            return 200, reply

    def _count_attempt(self, pan: str, now: float) -> None:
        """Raises CardRateLimited when the card already made its attempts in the window (any
        kiosk); the refused attempt is not counted, so the wait is exactly Retry-After."""
        recent = self._recent.setdefault(pan, deque())
        while recent and now - recent[0] >= self._attempt_window:
            recent.popleft()
        if len(recent) >= self._max_attempts:
            raise CardRateLimited(max(1, math.ceil(self._attempt_window - (now - recent[0]))))
        recent.append(now)

    def _decide(
        self,
        kiosk_id: str,
        pan: str,
        block: bytes,
        purpose: str,
        payment: tuple[Decimal, str, str] | None,
    ) -> tuple[dict[str, Any], bool]:
        """The issuer's answer to one new attempt and whether the PIN was right; called with
        the lock held."""
        account = self._accounts.get(pan)
        if account is None:
            if not self._auto_enrol:
                return self._declined("UNKNOWN_CARD", None), False
            account = self._accounts[pan] = CardAccount("1234", Decimal("8888.88"))
        if account.tries_left <= 0:
            return self._declined("PIN_TRIES_EXCEEDED", 0, retain=True), False
        fmt, key = self._keys[kiosk_id]
        try:
            pin = format4_pin(block, pan, key) if fmt == "iso4" else format0_pin(block, pan, key)
        except PinBlockError:
            pin = ""  # a block that does not decode counts as a wrong PIN
        if not pin or not pins_equal(pin, account.pin):
            account.tries_left -= 1
            if account.tries_left <= 0:
                return self._declined("PIN_TRIES_EXCEEDED", 0, retain=True), False
            return self._declined("WRONG_PIN", account.tries_left), False
        account.tries_left = PIN_TRIES
        if payment is not None and (payment[1] != account.currency or account.balance < payment[0]):
            return self._declined("INSUFFICIENT_FUNDS", account.tries_left), True
        token = secrets.token_urlsafe(24)
        expires = self._clock.now() + timedelta(seconds=SESSION_SECONDS)
        self._sessions[token] = _Session(kiosk_id, pan, expires, purpose)
        reply: dict[str, Any] = {
            "approved": True,
            "auth_code": f"{secrets.randbelow(1_000_000):06d}",
            "session_token": token,
            "tries_left": account.tries_left,
            "retain_card": False,
        }
        if purpose == "balance":
            reply["balance"] = {"amount": f"{account.balance:.2f}", "currency": account.currency}
        if payment is not None:
            account.balance -= payment[0]
            self._holds[payment[2]] = _Hold(
                pan, payment[0], kiosk_id, payment[1], reply=dict(reply)
            )
        return reply, True

    def check_transaction(
        self, kiosk_id: str, txn_type: str, txn_id: str, amount: Money, details: dict[str, Any]
    ) -> None:
        """Refuses (ValidationError) a capture or reversal of a hold this kiosk did not place,
        and a capture of another amount than the one held; called before the core records it.

        A reversal naming an authorization the core never saw stays accepted (a no-op): the
        kiosk reverses any approval it cannot see settled, including one that never arrived."""
        with self._lock:
            if txn_type == "card_payment":
                hold = self._holds.get(txn_id.lower())
                if hold is None:
                    return
                if hold.kiosk_id != kiosk_id:
                    raise ValidationError("HOLD_NOT_OWN", "this hold was placed by another kiosk")
                if hold.amount != amount.amount or hold.currency != amount.currency:
                    raise ValidationError("HOLD_MISMATCH", "the amount differs from the hold")
            elif txn_type == "reversal":
                original = str(details.get("original_txn_id", "")).lower()
                hold = self._holds.get(original)
                if hold is not None and hold.kiosk_id != kiosk_id:
                    raise ValidationError(
                        "ORIGINAL_NOT_OWN", "the original belongs to another kiosk"
                    )

    def apply_transaction(self, txn_type: str, txn_id: str, details: dict[str, Any]) -> None:
        """Called once per transaction the core accepted: captures or releases a payment hold."""
        with self._lock:
            if txn_type == "card_payment":
                hold = self._holds.get(txn_id.lower())
                if hold is not None and hold.state == "held":
                    hold.state = "captured"
            elif txn_type == "reversal":
                original = details.get("original_txn_id")
                hold = self._holds.get(original.lower()) if isinstance(original, str) else None
                if hold is not None and hold.state == "held":
                    hold.state = "reversed"
                    self._accounts[hold.pan].balance += hold.amount

    @staticmethod
    def _declined(reason: str, tries_left: int | None, *, retain: bool = False) -> dict[str, Any]:
        return {
            "approved": False,
            "reason": reason,
            "tries_left": tries_left,
            "retain_card": retain,
            "auth_code": None,
            "session_token": None,
        }

    def statement(self, kiosk_id: str, token: str, params: dict[str, str]) -> Reply:
        """The statement of the card behind `token`, for the kiosk that made the session only
        (403 SESSION_FORBIDDEN otherwise) and only for a session issued for a statement."""
        with self._lock:
            session = self._sessions.get(token)
        if session is None or session.expires < self._clock.now():
            return _error(401, "SESSION_INVALID", "card session unknown or expired")
        if not hmac.compare_digest(session.kiosk_id.encode(), kiosk_id.encode()):
            return _error(403, "SESSION_FORBIDDEN", "this card session belongs to another kiosk")
        if session.purpose != "statement":
            return _error(403, "SESSION_WRONG_PURPOSE", "this card session is not for a statement")
        try:
            start = (
                date.fromisoformat(params["from"]) if _DATE.match(params.get("from", "")) else None
            )
            end = date.fromisoformat(params["to"]) if _DATE.match(params.get("to", "")) else None
            cursor = int(params.get("cursor", "0") or 0)
            limit = min(int(params.get("limit", "20")), PAGE_MAX)
        except ValueError:
            return _error(400, "INVALID_PARAMETER", "from/to are YYYY-MM-DD, cursor/limit numbers")
        if start is None or end is None or start > end or cursor < 0 or limit < 1:
            return _error(400, "INVALID_PARAMETER", "from and to (YYYY-MM-DD, from <= to) needed")
        account = self._accounts[session.pan]
        today = self._clock.now().date()
        rows = [
            e
            for e in _entries(session.pan, today, account.currency, account.balance)
            if start.isoformat() <= e["date"] <= end.isoformat()
        ]
        page = rows[cursor : cursor + limit]
        more = cursor + limit < len(rows)
        return 200, {
            "currency": account.currency,
            "entries": page,
            "next_cursor": str(cursor + limit) if more else None,
        }
