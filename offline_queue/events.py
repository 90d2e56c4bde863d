"""What the sync worker tells the rest of the kiosk (published on the kiosk's event bus).

Frozen dataclasses so they can cross threads safely and be compared in tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TransactionAccepted:
    """The core holds the transaction; `duplicate` when it already had it (a re-send)."""

    txn_id: str
    core_ref: str
    duplicate: bool


@dataclass(frozen=True)
class TransactionDead:
    """The core rejected the transaction for good: it needs a person (dead letter, alert)."""

    txn_id: str
    code: str
    message: str


@dataclass(frozen=True)
class SyncFailed:
    """A whole sync attempt failed (core down, throttled, bad credential); retried later."""

    code: str
    retry_in_s: float


@dataclass(frozen=True)
class TechnicianAlert:
    """Something only a person can fix: a dead letter, a refused credential, a TLS/pin failure,
    a reconciliation difference. Shown in maintenance mode and sent with telemetry."""

    code: str
    message: str
    txn_id: str | None = None
