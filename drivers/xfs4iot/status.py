"""XFS4IoT `common.device` states in the kiosk's vocabulary (drivers.base.DeviceState).

Both drivers read `Common.Status` and `Common.StatusChangedEvent` through here, so a device that
reports `potentialFraud` or `powerOff` means the same to the health screen whichever it is.
"""

from __future__ import annotations

from drivers.base import DeviceState
from drivers.xfs4iot.messages import Payload

_STATES = {
    "online": DeviceState.ONLINE,
    "offline": DeviceState.OFFLINE,
    "powerOff": DeviceState.OFFLINE,
    "noDevice": DeviceState.OFFLINE,
    "starting": DeviceState.OFFLINE,
    "hardwareError": DeviceState.HARDWARE_ERROR,
    "userError": DeviceState.USER_ERROR,
    "deviceBusy": DeviceState.BUSY,
    "fraudAttempt": DeviceState.FRAUD_ATTEMPT,
    "potentialFraud": DeviceState.FRAUD_ATTEMPT,
}


def device_state(payload: Payload) -> tuple[DeviceState, str] | None:
    """The state in a status payload, or None when the payload does not report one."""
    common = payload.get("common")
    device = common.get("device") if isinstance(common, dict) else None
    if not isinstance(device, str):
        return None
    return _STATES.get(device, DeviceState.HARDWARE_ERROR), f"device {device}"


def interface_names(capabilities: Payload) -> set[str]:
    """The interfaces a service implements, from Common.Capabilities."""
    interfaces = capabilities.get("interfaces")
    if not isinstance(interfaces, list):
        return set()
    return {i["name"] for i in interfaces if isinstance(i, dict) and isinstance(i.get("name"), str)}
