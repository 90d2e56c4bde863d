"""The banknote acceptor contract the kiosk core programs against.

Values travel as integer minor units plus an ISO 4217 code so drivers stay free of the kiosk's
Money type and of floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from drivers.base import DeviceHealth, DeviceState


@dataclass(frozen=True)
class CashCapabilities:
    currency: str
    denominations_minor: tuple[int, ...]  # accepted note values, minor units, by channel order
    escrow: bool = True


# --- events (published through the driver's EventSink from its I/O thread) ---


@dataclass(frozen=True)
class NoteInEscrow:
    """A note is held in escrow; the host must accept or reject it (the driver HOLDs meanwhile)."""

    device_id: str
    channel: int
    value_minor: int
    currency: str


@dataclass(frozen=True)
class NoteCredited:
    """The note is stacked in the cashbox: from here it is the kiosk's money to account for."""

    device_id: str
    channel: int
    value_minor: int
    currency: str


@dataclass(frozen=True)
class NoteReturned:
    """A note left the device towards the customer (rejected or returned from escrow)."""

    device_id: str
    reason: str


class AlarmKind(str, Enum):
    """Device conditions a technician acts on; the kiosk maps them to in/out of service."""

    SAFE_JAM = "safe_jam"
    UNSAFE_JAM = "unsafe_jam"
    STACKER_FULL = "stacker_full"
    FRAUD = "fraud"
    CASHBOX_REMOVED = "cashbox_removed"
    CASHBOX_REPLACED = "cashbox_replaced"
    DEVICE_RESET = "device_reset"


@dataclass(frozen=True)
class AcceptorAlarm:
    """A typed device condition from a poll (one per occurrence, not per poll)."""

    device_id: str
    kind: AlarmKind
    channel: int = 0


@dataclass(frozen=True)
class AcceptorStateChanged:
    device_id: str
    state: DeviceState
    detail: str = ""


class BanknoteAcceptor(Protocol):
    device_id: str

    @property
    def stacked_at_open(self) -> int | None:
        """The device's lifetime notes-stacked counter, read at open() with the note path at
        rest; None when the device has no counters. Start-up recovery reconciles with it."""
        ...

    @property
    def capabilities(self) -> CashCapabilities: ...

    def open(self) -> None:
        """Connects, syncs and starts the I/O thread; the device stays disabled."""
        ...

    def close(self) -> None:
        """Disables the device and stops the I/O thread; returns when it has ended."""
        ...

    def enable(self) -> None: ...

    def disable(self) -> None: ...

    def accept_escrow(self) -> None:
        """Stack the note held in escrow (the kiosk journals its decision before calling)."""
        ...

    def reject_escrow(self) -> None: ...

    def health(self) -> DeviceHealth: ...


__all__ = [
    "AcceptorAlarm",
    "AcceptorStateChanged",
    "AlarmKind",
    "BanknoteAcceptor",
    "CashCapabilities",
    "DeviceState",
    "NoteCredited",
    "NoteInEscrow",
    "NoteReturned",
]
