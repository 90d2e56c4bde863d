"""The cash dispenser contract the kiosk core programs against (after XFS4IoT CashDispenser).

Money travels as integer minor units plus an ISO 4217 code. Every operation returns a Future and
also publishes its outcome on the bus (DispenserDone / DispenserFailed), so a journey can wait on
the bus like it does for every other device, and recovery or a technician tool can wait on the
Future. The kiosk application can never pay out on its own: `dispense` needs the host's dispense
token, which only the core can seal (CORE_API.md), over a nonce only the device issues.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from drivers.base import DeviceHealth, DeviceState


class UnitKind(str, Enum):
    CASH_OUT = "cashOut"  # a cassette the dispenser pays from
    REJECT = "reject"
    RETRACT = "retract"


@dataclass(frozen=True)
class StorageUnit:
    """One storage unit as `Storage.GetStorage` reports it."""

    name: str  # the service's object name (unit1, ...): what a mix refers to
    unit_id: str  # the physical id printed on the cassette
    kind: UnitKind
    currency: str
    value_minor: int  # note value; 0 for bins
    count: int
    capacity: int
    status: str  # ok | inoperative | missing | notConfigured | manipulated
    replenishment: str  # ok | full | high | low | empty


@dataclass(frozen=True)
class DispenserCapabilities:
    currency: str
    denominations_minor: tuple[int, ...]  # note values the cassettes hold, largest first
    max_dispense_items: int
    shutter_control: bool  # True: the service opens/closes the shutter itself
    items_taken_sensor: bool
    retract_areas: tuple[str, ...]
    token_required: bool  # end-to-end security: Dispense needs a host token


@dataclass(frozen=True)
class Denomination:
    """Items per storage unit and what they are worth (a mix, or what actually moved)."""

    currency: str
    amount_minor: int
    counts: tuple[tuple[str, int], ...]  # (unit name, items), in unit order

    @property
    def items(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class DispenserStatus:
    """A fresh reading of the device (Common.Status), for the dashboard and self-tests."""

    state: DeviceState
    detail: str
    dispenser: str  # ok | attention | stop | unknown (the cassettes as a whole)
    shutter: str  # closed | open | jammedClosed | ... (the output position's shutter)
    position: str  # empty | notEmpty | unknown (notes waiting at the output position)
    stacker: str  # empty | notEmpty | notEmptyCustomer | ... (the intermediate stacker)


class PresentState(str, Enum):
    PRESENTED = "presented"
    NOT_PRESENTED = "notPresented"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TransactionState:
    """What the device says about the last dispense, for start-up recovery."""

    transaction_active: bool
    transaction_id: str
    present_state: PresentState
    dispensed: Denomination  # everything that left the cassettes since the last nonce
    retracted: bool | None  # from the present status token, when one was asked for
    items_at_position: bool
    items_on_stacker: bool
    token: str  # the present status token (empty without a host nonce)


# --- events (published through the driver's EventSink from its I/O thread) ---


@dataclass(frozen=True)
class DispenserStateChanged:
    device_id: str
    state: DeviceState
    detail: str = ""


@dataclass(frozen=True)
class DeviceErrorReported:
    """The device's own error report (Common.ErrorEvent): what failed and what it needs."""

    device_id: str
    kind: str  # hardware | software | user | fraudAttempt
    action: str  # reset | softwareError | configuration | clear | maintenance | suspend | ...
    description: str = ""


@dataclass(frozen=True)
class DispenserDone:
    """An operation completed; `result` is its typed outcome (Denomination, None, ...)."""

    device_id: str
    operation: str  # denominate | dispense | present | reject | retract | reset | shutter ...
    result: object = None


@dataclass(frozen=True)
class DispenserFailed:
    device_id: str
    operation: str
    code: str  # the stable error code (kiosk.errors), e.g. XFS4IOT_INVALID_TOKEN_NONCE
    detail: str = ""


@dataclass(frozen=True)
class ItemsPresented:
    device_id: str
    position: str


@dataclass(frozen=True)
class ItemsTaken:
    """The customer took the notes: from here they are the customer's money."""

    device_id: str
    position: str


@dataclass(frozen=True)
class IncompleteDispense:
    """A dispense stopped part way: `dispensed` is what did leave the cassettes."""

    device_id: str
    dispensed: Denomination


@dataclass(frozen=True)
class ShutterChanged:
    device_id: str
    position: str
    shutter: str  # closed | open | jammedOpen | jammedClosed | ...


class CashDispenser(Protocol):
    device_id: str

    @property
    def capabilities(self) -> DispenserCapabilities: ...

    def open(self) -> None:
        """Connects, reads capabilities, status and storage; raises DeviceError if it cannot."""
        ...

    def close(self) -> None: ...

    def health(self) -> DeviceHealth: ...

    def status(self) -> Future[DispenserStatus]:
        """Asks the device now (health() is what the last events said)."""
        ...

    def storage(self) -> tuple[StorageUnit, ...]:
        """The units as last read (refreshed after every money movement)."""
        ...

    def command_nonce(self) -> Future[str]:
        """A fresh nonce for the host to seal into the dispense token."""
        ...

    def denominate(self, amount_minor: int, currency: str) -> Future[Denomination]: ...

    def dispense(self, mix: Denomination, token: str) -> Future[Denomination]: ...

    def present(self) -> Future[None]: ...

    def reject(self) -> Future[None]: ...

    def retract(self) -> Future[int]:
        """Pulls presented notes back into the retract bin; the result is the item count."""
        ...

    def reset(self) -> Future[None]: ...

    def transaction_state(self, host_nonce: str = "") -> Future[TransactionState]: ...


__all__ = [
    "CashDispenser",
    "Denomination",
    "DeviceErrorReported",
    "DeviceState",
    "DispenserCapabilities",
    "DispenserDone",
    "DispenserFailed",
    "DispenserStateChanged",
    "DispenserStatus",
    "IncompleteDispense",
    "ItemsPresented",
    "ItemsTaken",
    "PresentState",
    "ShutterChanged",
    "StorageUnit",
    "TransactionState",
    "UnitKind",
]
