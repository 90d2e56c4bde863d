"""No secret reaches the log: a card balance journey with a PIN typed on the pad, the PIN-block
key, the core token and the full PAN configured or read — every JSON line the kiosk wrote at DEBUG
is grepped for each of them. The log is installed WITHOUT the redactor here, so the test proves
that no module logs a secret at all (the redactor is only the second line of defence).

Real pcscd + vpcd + the virtual card and the reference core, as in tests/e2e/test_card_kiosk.py
(whose rig this reuses); skipped where pcscd cannot run (not root, package missing)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.events import Key
from kiosk.runtime.log_output import LogConfig, install_logging
from tests.e2e.card_env import pcscd  # noqa: F401 - fixture
from tests.e2e.test_card_kiosk import (  # noqa: F401 - rig is a fixture
    KEYS,
    PAN,
    PIN,
    TOKEN,
    Rig,
    _menu,
    _offered,
    _press,
    _pump_until,
    _screen,
    rig,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    install_logging(LogConfig(target="file", level="DEBUG"), tmp_path / "log", env={})
    yield tmp_path / "log" / "logs" / "kiosk.jsonl"
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_a_card_journey_with_a_pin_logs_no_pin_key_token_or_pan(
    rig: Rig,  # noqa: F811
    log_file: Path,
) -> None:
    runtime = rig.kiosk(pin_format="iso0")
    _menu(runtime)
    labels = [c.label for c in _offered(runtime, "Card balance").choices]
    _press(runtime, Key.digit(labels.index("Card balance") + 1))
    _screen(runtime, "card_insert_card")
    rig.insert()
    _screen(runtime, "card_enter_pin")
    for count, digit in enumerate(PIN, 1):
        _press(runtime, Key(digit))
        dots = "●" * count
        _pump_until(runtime, lambda s, d=dots: s.input is not None and s.input.value == d, dots)
    _press(runtime, Key.ENTER)
    _screen(runtime, "card_show_balance")
    _press(runtime, Key.ENTER)
    _screen(runtime, "card_take_card")
    rig.remove()
    _screen(runtime, "attract")
    runtime.stop()

    lines = log_file.read_text("utf-8").splitlines()
    assert len(lines) > 20 and all(json.loads(line) for line in lines)
    assert any("card" in json.loads(line)["logger"] for line in lines)  # the card path logged
    key = KEYS["iso0"]
    for secret in (PIN, TOKEN, key, key.lower(), PAN):
        hits = [line for line in lines if secret in line]
        assert not hits, (secret, hits[:3])
