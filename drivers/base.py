"""Vocabulary every device shares (after XFS4IoT device states and UnifiedPOS health)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class DeviceState(str, Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    FRAUD_ATTEMPT = "fraud_attempt"
    BUSY = "busy"


@dataclass(frozen=True)
class DeviceHealth:
    device_id: str
    state: DeviceState
    detail: str = ""
    supplies: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)


# Drivers never import the kiosk core; they report through a callback the composition root wires
# to the event bus. Events are frozen dataclasses defined beside each device class.
EventSink = Callable[[object], None]
