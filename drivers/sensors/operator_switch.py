"""The cabinet's operator switch: a key switch inside the locked cabinet that asks for service.

Real cabinets wire it to a GPIO or a sensor board; the kiosk only needs "turned on" / "turned
off" events, so the contract is the event plus open/close/health. The emulated switch is what the
demo, technician training and tests turn by hand (`turn_on()` / `turn_off()`).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DeviceHealth, DeviceState, EventSink


@dataclass(frozen=True)
class OperatorSwitchChanged:
    device_id: str
    on: bool  # True: the technician turned the key to "service"


class EmulatedOperatorSwitch:
    """A switch that is only ever turned by code; events go to the sink like a real sensor."""

    def __init__(self, device_id: str, on_event: EventSink) -> None:
        self.device_id = device_id
        self._on_event = on_event
        self.on = False
        self._open = False

    def open(self) -> None:
        self._open = True

    def close(self) -> None:
        self._open = False

    def turn_on(self) -> None:
        self._set(True)

    def turn_off(self) -> None:
        self._set(False)

    def _set(self, on: bool) -> None:
        if self._open and on != self.on:
            self.on = on
            self._on_event(OperatorSwitchChanged(self.device_id, on))

    def health(self) -> DeviceHealth:
        state = DeviceState.ONLINE if self._open else DeviceState.OFFLINE
        return DeviceHealth(self.device_id, state, "service" if self.on else "normal")
