"""What the emulated dispenser says about itself: Common.Status and Common.Capabilities.

Kept apart from the command handlers so the model file stays about money movements; the shapes
follow the v2 definitions (`common`, `cashDispenser`, `cashManagement` sections).
"""

from __future__ import annotations

from drivers.xfs4iot.emulator_cash import Cassette
from drivers.xfs4iot.messages import Payload

POSITION = "outDefault"


def status_payload(
    device: str, shutter: str, units: list[Cassette], at_position: bool, on_stacker: bool
) -> Payload:
    dispenser = "ok" if all(u.status == "ok" for u in units) else "attention"
    if device == "hardwareError":
        dispenser = "stop"
    position = {
        "position": POSITION,
        "shutter": shutter,
        "positionStatus": "notEmpty" if at_position else "empty",
        "transport": "ok",
        "transportStatus": "empty",
    }
    return {
        "common": {"device": device, "devicePosition": "inPosition"},
        "cashDispenser": {
            "intermediateStacker": "notEmpty" if on_stacker else "empty",
            "positions": [position],
        },
        "cashManagement": {"dispenser": dispenser, "safeDoor": "closed"},
    }


def capabilities_payload(command_names: list[str]) -> Payload:
    commands = {name: {"versions": ["2.0"]} for name in command_names}
    interfaces = sorted({name.split(".")[0] for name in commands})
    return {
        "interfaces": [
            {"name": i, "commands": {c: v for c, v in commands.items() if c.startswith(i + ".")}}
            for i in interfaces
        ],
        "common": {
            "serviceVersion": "1.0",
            "endToEndSecurity": {
                "required": "always",
                "hardwareSecurityElement": True,
                "responseSecurityEnabled": "never",
                "commands": ["CashDispenser.Dispense"],
                "commandNonceTimeout": 3600,
            },
        },
        "cashDispenser": {
            "type": "selfServiceBill",
            "maxDispenseItems": 40,
            "shutterControl": True,
            "retractAreas": {"retract": True, "reject": True, "transport": False},
            "intermediateStacker": True,
            "itemsTakenSensor": True,
            "positions": {POSITION: True},
        },
    }
