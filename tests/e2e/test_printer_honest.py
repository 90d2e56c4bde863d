"""The whole kiosk (real journey, adapter, driver, emulator, core) when the paper runs out."""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.demo.env import DemoEnvironment, start_demo
from kiosk.events import Key
from kiosk.journeys.bill_payment_states import State


def _pump_until(env: DemoEnvironment, predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        env.runtime.controller.pump()
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out in {env.runtime.journey.state}")


def _to_bill_details(env: DemoEnvironment) -> None:
    journey, controller = env.runtime.journey, env.runtime.controller
    codes = [b.code for b in env.runtime.lookup.billers()]
    keys = [Key.ENTER, Key.D2, Key.D1, Key.digit(codes.index("SGCC") + 1)]  # menu 1: pay a bill
    keys += [Key(d) for d in "1234567890"] + [Key.ENTER]
    for key in keys:
        controller.press(key)
        controller.pump()
    _pump_until(env, lambda: journey.state is State.BILL_DETAILS)
    # the live status read queued at session start has come back
    _pump_until(env, lambda: env.runtime.printer_port.last_status().value != "offline")


def _pay(env: DemoEnvironment) -> None:
    journey = env.runtime.journey
    _pump_until(env, lambda: journey.state is State.INSERT_CASH and env.cash_emulator.enabled)
    for value in (100, 50):
        before = journey.session.cash.total if journey.session.cash else None
        env.cash_emulator.insert_note(value)
        _pump_until(env, lambda b=before: journey.session.cash.total != b)
    _pump_until(env, lambda: journey.state is State.CONFIRM)
    env.runtime.controller.press(Key.ENTER)
    _pump_until(env, lambda: journey.state is State.THANK_YOU, timeout=30)


def _print_records(env: DemoEnvironment, txn_id: str) -> list[dict]:
    records = env.runtime.ledger.records(txn_id=txn_id)
    return [r.data for r in records if r.kind.startswith("receipt_")]


def test_paper_out_before_paying_is_told_first_and_receipt_goes_on_screen(tmp_path: Path) -> None:
    env = start_demo(tmp_path)
    env.printer_emulator.set_paper("out")
    journey = env.runtime.journey
    try:
        _to_bill_details(env)
        env.runtime.controller.press(Key.ENTER)
        _pump_until(env, lambda: journey.state is State.PRINTER_WARNING)
        assert not env.cash_emulator.enabled  # told before the acceptor takes anything
        env.runtime.controller.press(Key.D1)
        _pay(env)
        screen = journey.screen()
        assert screen.qr == journey.session.reference
        assert "Please take your receipt" not in screen.visible_texts()
        assert env.printer_emulator.receipts == []
        [record] = _print_records(env, journey.session.txn_id)
        assert record["status"] == "onscreen"
    finally:
        env.stop()


def test_paper_out_mid_receipt_is_incomplete_with_reprint_code(tmp_path: Path) -> None:
    env = start_demo(tmp_path)
    journey = env.runtime.journey
    try:
        _to_bill_details(env)
        env.runtime.controller.press(Key.ENTER)
        env.printer_emulator.inject_fault("out", after_lines=5)
        _pay(env)
        texts = " ".join(journey.screen().visible_texts())
        assert f"Reprint code: {journey.session.reference}" in texts
        assert "Please take your receipt" not in texts
        [receipt] = env.printer_emulator.wait_for_receipts(1)
        assert receipt.truncated and len(receipt.lines) == 5
        [record] = _print_records(env, journey.session.txn_id)
        assert record["incomplete"] is True and record["status"] == "paper_out"
    finally:
        env.stop()
