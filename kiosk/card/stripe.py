"""The hybrid reader's stripe head, built from `[devices.card_reader] stripe_port` when set.

Kept apart from the PC/SC reader's registry entry: the chip side and the stripe side are two
links (PC/SC and serial) with their own health, and a kiosk whose stripe head is unplugged still
takes chip cards (the insert prompt then stops offering the swipe).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drivers.card_reader.stripe_serial import StripeSerialReader
from kiosk.clock import Clock

STRIPE_DEVICE_ID = "card_reader.stripe"


def stripe_head(
    options: dict[str, Any], publish: Callable[[object], None], clock: Clock
) -> StripeSerialReader | None:
    port = options.get("stripe_port")
    if not port:
        return None
    return StripeSerialReader(
        STRIPE_DEVICE_ID,
        str(port),
        publish,
        today=lambda: clock.now().date(),
        baudrate=int(options.get("stripe_baudrate", 9600)),
        require_lrc=bool(options.get("stripe_lrc", True)),
    )
