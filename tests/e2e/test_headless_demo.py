"""Whole journeys through every real layer: emulators on ptys, the core over HTTP, SQLite, Qt."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from drivers.card_reader.pcscd_runner import can_run
from kiosk.demo.env import start_demo
from kiosk.demo.script import run_headless_demo
from kiosk.events import Key
from kiosk.journeys.bill_payment_states import State
from kiosk.runtime.config import TimeoutConfig
from offline_queue.models import OutboxState
from screens.snapshot import ensure_app, render_png
from screens.theme import standard

pytestmark = pytest.mark.e2e


def test_make_demo_command_pays_a_bill_and_leaves_its_evidence(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    path = "/usr/sbin:/usr/bin:/sbin:/bin"  # pcscd lives in sbin
    env = {"PATH": path, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--headless", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["journey"] == "bill_payment_cash"
    assert summary["synced"] is True
    assert summary["core_ref"].startswith("CR")
    assert (summary["amount"], summary["currency"]) == ("150.00", "CNY")
    assert summary["steps"][0] == "attract" and summary["steps"][-1] == "attract"
    for state in ("language", "enter_account", "insert_cash", "confirm", "thank_you"):
        assert state in summary["steps"]
    shots = sorted((out / "screens").glob("*.png"))
    assert len(shots) >= len(summary["steps"])
    assert shots[0].name == "01-attract.png"
    receipts = sorted((out / "receipts").glob("*.png"))
    tour = summary["technician"]  # then maintenance mode, whose printer self-test prints a page
    assert tour["ok"] is True and tour["returned_to_service"] is True
    assert len(receipts) == 2 and tour["selftest"]["receipt"] == "receipts/002-receipt.png"
    with Image.open(receipts[0]) as receipt:
        assert receipt.width == 576 and receipt.getextrema() != ((255, 255),) * 3
    _assert_card_part(summary, out)


def _assert_card_part(summary: dict, out: Path) -> None:
    """With root the demo also checks a balance with the virtual UnionPay card and its PIN;
    without, it says why there are no card services."""
    card = summary["card"]
    reason = can_run()
    if reason is not None:
        assert card == {"available": False, "reason": reason}
        return
    assert card["available"] is True and card["journey"] == "balance_inquiry"
    assert card["balance"] == "¥3,256.80" and card["masked_pan"] == "622848*********8903"
    for step in ("card_insert_card", "card_enter_pin", "card_show_balance", "card_take_card"):
        assert step in card["steps"]
        assert any(shot.endswith(f"-{step}.png") for shot in summary["screenshots"])
    assert card["steps"][-1] == "attract"
    assert {"card_read", "card_authorized", "card_ejected", "card_taken"} <= set(card["journaled"])
    # A chip card swiped first on the hybrid reader's stripe head was sent to the chip.
    assert card["chip_card_swiped"] == "这是芯片卡，请插入芯片读卡器，不要刷卡"
    assert "card_swipe_refused" in card["journaled"]


@pytest.fixture
def qt_app():
    return ensure_app()


def test_receipt_printed_through_the_emulator_shows_the_bill_and_the_reference(
    tmp_path: Path, qt_app
) -> None:
    env = start_demo(tmp_path, language="en")
    try:
        theme = standard()
        summary = run_headless_demo(env, lambda m, p: render_png(m, p, theme=theme))
        [receipt] = env.printer_emulator.receipts
    finally:
        env.stop()
    text = "\n".join(receipt.lines)
    assert "PAYMENT RECEIPT" in text
    assert "State Grid Electricity" in text
    assert "¥125.50" in text and "¥150.00" in text and "¥24.50" in text
    assert summary["reference"] in text
    assert receipt.qr_data == [summary["reference"]]
    assert summary["synced"] is True


def _pump_until(env, predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        env.runtime.controller.pump()
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out in {env.runtime.journey.state}")


def test_walking_away_with_cash_inserted_gets_a_credit_slip_and_the_core_the_deposit(
    tmp_path: Path,
) -> None:
    env = start_demo(tmp_path, timeouts=TimeoutConfig(insert_cash=3, warning=2))
    journey, controller = env.runtime.journey, env.runtime.controller
    try:
        codes = [b.code for b in env.runtime.lookup.billers()]
        keys = [Key.ENTER, Key.D1, Key.D1, Key.digit(codes.index("SGCC") + 1)]  # menu 1: pay
        keys += [Key(d) for d in "1234567890"] + [Key.ENTER]
        for key in keys:
            controller.press(key)
            controller.pump()
        _pump_until(env, lambda: journey.state is State.BILL_DETAILS)
        controller.press(Key.ENTER)
        _pump_until(env, lambda: journey.state is State.INSERT_CASH and env.cash_emulator.enabled)
        env.cash_emulator.insert_note(20)
        _pump_until(env, lambda: journey.state is State.CREDITED)
        txn_id = journey.session.txn_id
        env.printer_emulator.wait_for_receipts(1)
        _pump_until(
            env,
            lambda: (
                (item := env.runtime.outbox.item(txn_id)) is not None
                and item.state is OutboxState.ACCEPTED
            ),
        )
        slip = "\n".join(env.printer_emulator.receipts[0].lines)
        assert env.core_store.transaction_count(txn_id) == 1
        assert env.cash_emulator.cashbox_total_minor == 2000
    finally:
        env.stop()
    assert "存款凭条" in slip and "¥20.00" in slip and "原因：操作超时" in slip
    kinds = [r.kind for r in env.runtime.ledger.records(txn_id=txn_id)]
    assert kinds[-3:] == ["customer_timeout", "cash_credited", "receipt_printed"]


def test_the_demo_panel_inserts_removes_and_swipes_bank_cards(tmp_path: Path, qt_app) -> None:
    from screens.demo_panel import DemoPanel
    from screens.demo_window import demo_actions

    reason = can_run()
    if reason is not None:
        pytest.skip(reason)
    env = start_demo(tmp_path, language="en", cards=True)
    try:
        assert env.cards is not None, env.card_note
        panel = DemoPanel(demo_actions(env))
        buttons = {b.text(): b for b in panel.buttons}
        reader = env.runtime.card.station.reader
        buttons["插入银行卡 / Insert bank card"].click()
        _pump_until(env, lambda: reader.card_present)
        assert panel.status.text() == "✔ 插入银行卡 / Insert bank card"
        buttons["取出银行卡 / Remove bank card"].click()
        _pump_until(env, lambda: not reader.card_present)
        head = env.runtime.card.station.stripe  # the hybrid reader's stripe head
        buttons["刷磁条卡 / Swipe stripe-only card"].click()
        _pump_until(env, lambda: head.health().counters["swipes"] == 1)
        buttons["刷芯片卡 / Swipe chip card (refused)"].click()
        _pump_until(env, lambda: head.health().counters["swipes_refused"] == 1)
    finally:
        env.stop()
    assert env.cards.pcscd.pid is None  # the demo's own pcscd was stopped by its pid
