"""Voice guidance as a device on the technician's dashboard and in the heartbeat.

A kiosk with a headphone jack offers voice guidance; when nothing can be heard (no sound card,
no engine) that is a fault a technician must see, not "all devices working" - the screen then
fails safe for the customer (kiosk/speech/voice_mode.py) and the dashboard says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DeviceHealth, DeviceState

DEVICE_ID = "speech"


@dataclass(frozen=True)
class VoiceGuidanceHealth:
    problem: str  # why no audio can be played, or ""

    def health(self) -> DeviceHealth:
        if self.problem:
            return DeviceHealth(DEVICE_ID, DeviceState.HARDWARE_ERROR, self.problem)
        return DeviceHealth(DEVICE_ID, DeviceState.ONLINE, "")
