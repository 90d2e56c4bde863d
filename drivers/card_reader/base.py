"""The card reader contract the kiosk core programs against, and its events."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DeviceState
from drivers.card_reader.emv.card_data import CardData


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


@dataclass(frozen=True)
class StripeRead:
    """A swipe on the hybrid reader's stripe head gave usable card data (a card without a chip:
    chip cards swiped are StripeReadFailed with CARD_USE_CHIP). The card stays with the customer."""

    device_id: str
    card: CardData


@dataclass(frozen=True)
class StripeReadFailed:
    """A swipe that cannot be used; `code` is a CardError code the screens translate."""

    device_id: str
    code: str
