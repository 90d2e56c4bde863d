"""Every service on the menu is reachable in the running kiosk, not only in its own tests."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.demo.env import DemoEnvironment, start_demo
from kiosk.demo.script import run_headless_demo
from kiosk.events import Key

pytestmark = pytest.mark.e2e


def _pump_until(env: DemoEnvironment, screen_id: str, timeout: float = 20.0) -> None:
    controller = env.runtime.controller
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        controller.pump()
        if controller.current_screen().screen_id == screen_id:
            return
        time.sleep(0.02)
    raise AssertionError(f"never reached {screen_id}: {controller.current_screen().screen_id}")


def _menu(env: DemoEnvironment, lang_key: Key) -> list[str]:
    controller = env.runtime.controller
    for key in (Key.ENTER, lang_key):
        controller.press(key)
        controller.pump()
    _pump_until(env, "menu")
    return [c.label for c in controller.current_screen().choices]


def test_a_paid_receipt_is_reprinted_from_the_menu(tmp_path: Path) -> None:
    env = start_demo(tmp_path, language="en")
    try:
        summary = run_headless_demo(env, lambda model, path: None)
        seq = int(str(summary["reference"]).rsplit("-", 1)[1])
        labels = _menu(env, Key.D2)
        assert labels == ["Pay a utility bill", "Prepaid top-up", "Reprint a receipt"]
        controller = env.runtime.controller
        controller.press(Key.digit(labels.index("Reprint a receipt") + 1))
        controller.pump()
        for key in [*(Key(d) for d in str(seq)), Key.ENTER]:
            controller.press(key)
            controller.pump()
        _pump_until(env, "reprint_result")  # found in the journal, printed, confirmed
        receipts = env.printer_emulator.receipts
        assert len(receipts) == 2
        copy = "\n".join(receipts[1].lines)
        assert "REPRINT" in copy
        assert summary["reference"] in copy and "¥150.00" in copy
        controller.press(Key.CANCEL)
        _pump_until(env, "attract")
    finally:
        env.stop()


def test_top_up_opens_from_the_menu_and_cancel_returns_to_attract(tmp_path: Path) -> None:
    env = start_demo(tmp_path, language="zh_CN")
    try:
        labels = _menu(env, Key.D1)
        controller = env.runtime.controller
        controller.press(Key.digit(labels.index("话费及预付费充值") + 1))
        controller.pump()
        _pump_until(env, "topup_choose")
        assert controller.current_screen().choices, "the core's billers are offered for top-up"
        controller.press(Key.CANCEL)
        _pump_until(env, "attract")
    finally:
        env.stop()
