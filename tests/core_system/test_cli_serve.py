"""Issue 19: `kiosk core serve` could not authorize a card at all (never given a PIN key). Now
per-kiosk PIN keys come from CORE_PIN_KEYS ("kiosk:iso0:<hex>,...", the shape of
CORE_KIOSK_TOKENS) or from the file named by CORE_PIN_KEYS_FILE."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from core_system.cli import parse_pin_keys, pin_keys_from_env
from drivers.pinpad.pinblock import format0_encrypt, format4_encrypt

TDES_HEX = "0123456789ABCDEFFEDCBA9876543210"
AES_HEX = "00112233445566778899AABBCCDDEEFF"
PAN = "6228480012345678903"


def test_parse_pin_keys() -> None:
    keys = parse_pin_keys(f"kiosk-0001:iso0:{TDES_HEX}, kiosk-0002:iso4:{AES_HEX}")
    assert keys == {
        "kiosk-0001": ("iso0", bytes.fromhex(TDES_HEX)),
        "kiosk-0002": ("iso4", bytes.fromhex(AES_HEX)),
    }
    for bad in [
        "",
        "kiosk-1",
        f"kiosk-1:{TDES_HEX}",
        f"kiosk-1:iso9:{TDES_HEX}",
        "kiosk-1:iso0:zz",
        "kiosk-1:iso0:0123",  # too short for TDES
        f"kiosk-1:iso4:{TDES_HEX}00",  # 17 bytes is no AES key
        f"k:iso0:{TDES_HEX},k:iso0:{TDES_HEX}",
    ]:
        with pytest.raises(ValueError) as info:
            parse_pin_keys(bad)
        assert TDES_HEX not in str(info.value) and AES_HEX not in str(info.value)


def test_pin_keys_from_a_file_beside_the_variable(tmp_path: Path) -> None:
    key_file = tmp_path / "pin.keys"
    key_file.write_text(f"# fleet PIN keys\nkiosk-0002:iso4:{AES_HEX}\n", "utf-8")
    env = {"CORE_PIN_KEYS": f"kiosk-0001:iso0:{TDES_HEX}", "CORE_PIN_KEYS_FILE": str(key_file)}
    assert set(pin_keys_from_env(env)) == {"kiosk-0001", "kiosk-0002"}
    assert pin_keys_from_env({}) == {}
    with pytest.raises(ValueError):
        pin_keys_from_env({"CORE_PIN_KEYS_FILE": str(tmp_path / "missing")})
    with pytest.raises(ValueError):  # the same kiosk in both places: which key is meant?
        pin_keys_from_env({**env, "CORE_PIN_KEYS": f"kiosk-0002:iso0:{TDES_HEX}"})


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`kiosk core serve` as its own process, with tokens and PIN keys from the environment."""
    env = {
        **os.environ,
        "CORE_KIOSK_TOKENS": "kiosk-0001:tok-1,kiosk-0002:tok-2",
        "CORE_PIN_KEYS": f"kiosk-0001:iso0:{TDES_HEX},kiosk-0002:iso4:{AES_HEX}",
    }
    argv = [sys.executable, "-m", "kiosk", "core", "serve", "--port", "0"]
    argv += ["--db", f"sqlite:///{tmp_path}/core.db"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)  # a bound, not a sleep
        assert ready, "the core did not say where it listens"
        line = proc.stdout.readline()
        assert "listening on" in line, line
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_kiosk_core_serve_authorizes_a_demo_card_with_each_kiosks_own_key(served: str) -> None:
    for kiosk, token, block, fmt in [
        ("kiosk-0001", "tok-1", format0_encrypt("1234", PAN, bytes.fromhex(TDES_HEX)), "iso0"),
        ("kiosk-0002", "tok-2", format4_encrypt("1234", PAN, bytes.fromhex(AES_HEX)), "iso4"),
    ]:
        reply = requests.post(
            f"{served}/v1/cards/authorize",
            json={
                "track2": f"{PAN}D3012220000000000",
                "pan_sequence": "01",
                "pin_block": block.hex(),
                "pin_format": fmt,
                "purpose": "balance",
            },
            headers={"X-Kiosk-Id": kiosk, "Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["approved"], reply.json()
