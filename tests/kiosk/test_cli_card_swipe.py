"""`kiosk card swipe` against the stripe head emulator: what a technician checking the head sees."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.card_reader.stripe_emulator import StripeEmulator


@pytest.fixture
def head() -> Iterator[StripeEmulator]:
    emulator = StripeEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


def _swipe_when_asked(head: StripeEmulator, card: str, command: list[str]) -> tuple[int, str, str]:
    """Runs the command; swipes `card` once it says 'swipe the card now'."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    prompt = process.stderr.readline()
    if "swipe the card now" in prompt:
        threading.Thread(target=head.swipe_card, args=(card,), daemon=True).start()
    out, err = process.communicate(timeout=30)
    return process.returncode, out, prompt + err


def test_a_stripe_card_is_shown_masked(head: StripeEmulator) -> None:
    code, out, _ = _swipe_when_asked(
        head, "stripe_only", ["card", "swipe", "--port", head.slave_path, "--json"]
    )
    assert code == 0
    info = json.loads(out)
    assert info["masked_pan"] == "621094******0029" and info["service_code"] == "101"
    assert "6210948000000029" not in out


def test_a_chip_card_swiped_exits_1_with_the_code(head: StripeEmulator, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[devices.card_reader]\nstripe_port = "{head.slave_path}"\n')
    code, out, err = _swipe_when_asked(
        head, "chip_card", ["card", "swipe", "--config", str(config)]
    )
    assert code == 1 and out == ""
    assert err.strip().endswith("kiosk card swipe: swipe refused: CARD_USE_CHIP")


def test_an_absent_head_is_a_one_line_reason(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "card", "swipe", "--port", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("kiosk card swipe: stripe head unavailable: cannot open")
