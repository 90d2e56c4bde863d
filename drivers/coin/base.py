"""Events of a coin acceptor, in integer minor units like the banknote side."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoinCredited:
    """A coin went to the coin box: the kiosk's money to account for from here."""

    device_id: str
    channel: int
    value_minor: int
    currency: str
    event_counter: int = 0  # the device's event counter for this coin (journaled with it)


@dataclass(frozen=True)
class CoinRejected:
    """The mechanism reported an error event (coin returned, inhibited, fraud attempt ...)."""

    device_id: str
    code: int
    reason: str
    fraud: bool = False


@dataclass(frozen=True)
class CoinEventsLost:
    """More events happened between two polls than the device buffers (or it was reset):
    `count` coins or errors cannot be known; the technician reconciles against the coin box."""

    device_id: str
    count: int
    reason: str
