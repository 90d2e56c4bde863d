"""`stripe_port` under [devices.card_reader]: a hybrid reader's stripe head, checked at start-up
so a typo stops the kiosk with the key named instead of a reader that silently never swipes."""

from __future__ import annotations

from typing import Any

import pytest

from drivers.card_reader.stripe_serial import StripeSerialReader
from kiosk.card.stripe import stripe_head
from kiosk.clock import FakeClock
from kiosk.errors import ConfigError
from kiosk.runtime.config import parse_config

ENV = {"CORE_TOKEN": "t0ken", "PIN_KEY": "0123456789ABCDEFFEDCBA9876543210"}


def _raw(**reader: Any) -> dict[str, Any]:
    return {
        "kiosk": {"id": "k1", "data_dir": "/tmp/kiosk-stripe-config"},
        "core": {"url": "http://127.0.0.1:8080", "token_env": "CORE_TOKEN"},
        "devices": {
            "cash": {"backend": "essp-emulated"},
            "printer": {"backend": "escpos-emulated"},
            "card_reader": {"backend": "pcsc", "reader": "*CCID*", **reader},
            "pinpad": {"backend": "emulated", "key_env": "PIN_KEY"},
        },
    }


def test_a_chip_only_reader_has_no_stripe_head() -> None:
    options = parse_config(_raw(), ENV).devices["card_reader"].options
    assert "stripe_port" not in options
    assert stripe_head(options, lambda event: None, FakeClock()) is None


def test_the_stripe_head_is_built_with_its_port_speed_and_lrc_rule() -> None:
    raw = _raw(stripe_port="/dev/ttyUSB1", stripe_baudrate=19200, stripe_lrc=False)
    options = parse_config(raw, ENV).devices["card_reader"].options
    head = stripe_head(options, lambda event: None, FakeClock())
    assert isinstance(head, StripeSerialReader)
    assert (head.device_id, head.port, head.baudrate) == (
        "card_reader.stripe",
        "/dev/ttyUSB1",
        19200,
    )
    assert head.require_lrc is False


@pytest.mark.parametrize(
    ("reader", "key"),
    [
        ({"stripe_port": "ttyUSB1"}, "devices.card_reader.stripe_port"),
        ({"stripe_port": 3}, "devices.card_reader.stripe_port"),
        ({"stripe_port": "/dev/ttyS1", "stripe_baudrate": 1234}, "stripe_baudrate"),
        ({"stripe_port": "/dev/ttyS1", "stripe_lrc": "yes"}, "stripe_lrc"),
        ({"stripe_prot": "/dev/ttyS1"}, "devices.card_reader.stripe_prot"),
    ],
)
def test_a_bad_stripe_setting_names_its_key(reader: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_raw(**reader), ENV)
    assert key in str(caught.value)
