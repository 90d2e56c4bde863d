"""What the card journeys need from the reader, the PIN pad and the core, and their results.

Slow work (a card read, an online authorisation, a statement page fetch) is requested here and
answered later by an event on the bus, so the journey's state machine never blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from drivers.card_reader.emv.card_data import CardData
from kiosk.events import Key


@dataclass(frozen=True)
class CardReadDone:
    request_id: str
    card: CardData


@dataclass(frozen=True)
class CardAppsOffered:
    """The card holds several applications: the customer chooses one (labels in priority order)."""

    request_id: str
    aids: tuple[str, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class CardReadFailed:
    request_id: str
    code: str  # a CardError code: CARD_EXPIRED, CARD_APP_BLOCKED, CARD_READER_UNAVAILABLE, ...


@dataclass(frozen=True)
class AuthResult:
    approved: bool
    tries_left: int | None
    retain_card: bool
    auth_code: str = ""
    session_token: str = field(default="", repr=False)
    balance: dict[str, str] | None = field(default=None, repr=False)
    reason: str = ""


@dataclass(frozen=True)
class AuthorizeDone:
    request_id: str
    result: AuthResult


@dataclass(frozen=True)
class CoreRequestFailed:
    request_id: str
    code: str
    transient: bool


@dataclass(frozen=True)
class StatementFetched:
    request_id: str
    entries: tuple[dict[str, Any], ...]
    currency: str


class CardPort(Protocol):
    def request_read(self, request_id: str, aid: str | None = None) -> None:
        """Reads the card; answers CardReadDone, CardAppsOffered (aid None, several apps) or
        CardReadFailed. With `aid`, that application is read."""
        ...

    def eject(self) -> None: ...

    def retain(self) -> bool:
        """Captures the card into the bin; False when the reader cannot (dip reader)."""
        ...

    def available(self) -> bool: ...


class PinPort(Protocol):
    def begin(self, pan: str) -> None: ...

    def press(self, key: Key) -> None: ...

    def abort(self) -> None: ...


class CardCorePort(Protocol):
    def request_authorize(
        self, request_id: str, card: CardData, pin_block: str, pin_format: str, purpose: str
    ) -> None: ...

    def request_statement(self, request_id: str, token: str, start: date, end: date) -> None:
        """Fetches every page of the statement; answers StatementFetched or CoreRequestFailed."""
        ...
