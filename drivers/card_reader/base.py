"""The card reader contract the kiosk core programs against, and its events."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DeviceState


@dataclass(frozen=True)
class CardReaderCapabilities:
    chip: bool = True
    stripe: bool = False
    motorised: bool = False  # can eject to the mouth and retain into a bin
    retain_bin: bool = False


@dataclass(frozen=True)
class CardInserted:
    device_id: str
    atr: str  # hex


@dataclass(frozen=True)
class CardRemoved:
    device_id: str


@dataclass(frozen=True)
class ReaderStateChanged:
    """Online when the configured reader is reachable, Offline (with why) otherwise."""

    device_id: str
    state: DeviceState
    detail: str = ""
