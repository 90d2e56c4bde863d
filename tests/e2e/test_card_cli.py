"""`kiosk card read` and `kiosk emulate card` as a technician runs them, against a real pcscd."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from drivers.card_reader.pcscd_runner import PrivatePcscd
from tests.e2e.card_env import pcscd  # noqa: F401 - the module-scoped fixture


def _kiosk(daemon: PrivatePcscd, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **daemon.environ()}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env, timeout=60
    )


@contextmanager
def _card(daemon: PrivatePcscd, profile: str) -> Iterator[None]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "emulate",
            "card",
            "--profile",
            profile,
            "--port",
            str(daemon.port),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "inserted" in proc.stdout.readline()
        time.sleep(0.3)  # pcscd polls vpcd for the card
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def test_card_read_json(pcscd: PrivatePcscd) -> None:  # noqa: F811
    with _card(pcscd, "unionpay_debit"):
        done = _kiosk(pcscd, "card", "read", "--json", "--wait", "5")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["reader"] == "Virtual PCD 00 00" and info["aid"] == "A000000333010101"
    assert info["masked_pan"] == "622848*********8903" and info["cardholder_name"] == "ZHANG/SAN"
    assert info["atr"] and info["expiry"] == "2030-12"


def test_card_read_unreadable_and_absent_exit_1(pcscd: PrivatePcscd) -> None:  # noqa: F811
    with _card(pcscd, "malformed_tlv"):
        bad = _kiosk(pcscd, "card", "read", "--wait", "5")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert "unreadable card" in bad.stderr and "CARD_TLV_MALFORMED" in bad.stderr
    time.sleep(0.5)
    absent = _kiosk(pcscd, "card", "read")
    assert absent.returncode == 1 and "no card" in absent.stderr
