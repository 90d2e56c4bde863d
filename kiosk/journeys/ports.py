"""What a journey needs from the outside world, as small protocols and result events.

Slow work (network look-ups, printing) is submitted here and its outcome comes back as an event
on the bus, so the state machine never blocks and a test can play the outcomes by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from drivers.printer.base import PaperStatus, PrintResult
from drivers.printer.document import Document
from kiosk.money.billing import Bill, Biller


@dataclass(frozen=True)
class BillsFetched:
    request_id: str
    bills: tuple[Bill, ...]
    offline: bool = False  # from the bill cache: the core is unreachable (kiosk/offline_policy)


@dataclass(frozen=True)
class BillLookupFailed:
    request_id: str
    code: str  # CORE_UNREACHABLE, UNKNOWN_ACCOUNT, CORE_REPLY_INVALID, ...
    transient: bool


@dataclass(frozen=True)
class PrintFinished:
    job_id: str
    result: PrintResult


class BillLookup(Protocol):
    def billers(self) -> tuple[Biller, ...]:
        """Billers this kiosk may take payments for, as last fetched from the core."""
        ...

    def request_bills(self, request_id: str, biller: str, account: str) -> None:
        """Starts a look-up; the answer arrives as BillsFetched or BillLookupFailed."""
        ...


class CashPort(Protocol):
    def enable(self) -> None: ...

    def disable(self) -> None: ...

    def accept_escrow(self) -> None: ...

    def reject_escrow(self) -> None: ...

    def denominations_minor(self) -> tuple[int, ...]: ...

    def available(self) -> bool:
        """True when the acceptor is online and can take notes right now."""
        ...


class PrintPort(Protocol):
    def submit(self, job_id: str, document: Document) -> None:
        """Queues a print job; the outcome arrives as PrintFinished."""
        ...

    def last_status(self) -> PaperStatus:
        """The last live status read (OFFLINE until one succeeded): never a guess of READY."""
        ...

    def refresh_status(self) -> None:
        """Reads the live status in the background (bounded); last_status() then reflects it."""
        ...


class SyncPort(Protocol):
    def wake(self) -> None:
        """A new outbox item is committed: sync it now rather than at the next tick."""
        ...
