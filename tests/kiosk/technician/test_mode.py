"""Maintenance mode: dashboard, self-tests, journal export, exit; every action in the journal."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from drivers.base import DeviceState
from drivers.cash.base import AcceptorStateChanged
from drivers.sensors.operator_switch import OperatorSwitchChanged
from kiosk.clock import SystemClock
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.screen_model import Tone
from kiosk.runtime.app import build_kiosk
from kiosk.runtime.config import CoreConfig, DeviceConfig, KioskConfig
from kiosk.runtime.registry import default_registry
from kiosk.technician.entry_config import parse_technician
from kiosk.technician.mode import ModeState
from kiosk.technician.mode_router import Owner
from kiosk.technician.selftests import SelfTestResult, SelfTestSuite
from tests.kiosk.technician.tech_rig import (
    FIELD_PIN_HASH,
    PIN,
    TechRig,
    make_tech,
    snapshot,
)


def enter(tmp_path: Path) -> TechRig:
    rig = make_tech(tmp_path)
    rig.hidden_sequence()
    rig.press(*PIN, Key.ENTER)
    assert rig.screen().screen_id == "tech_menu"
    return rig


def whats(rig: TechRig) -> list[tuple[str, str]]:
    return [(a["what"], a["result"]) for a in rig.actions()]


def test_dashboard_shows_every_device_queue_core_version_uptime_and_disk(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    rig.health.current = snapshot(printer=DeviceState.HARDWARE_ERROR)
    rig.press("1")
    board = rig.screen()
    assert board.screen_id == "tech_dashboard" and board.lang == "en"
    text = "\n".join(board.visible_texts())
    assert "✖ Receipt printer: hardware error — cover open" in text
    assert "✔ Note acceptor: online" in text and "notes in cashbox 3/1000" in text
    assert "paper cover open, errors 1, receipts printed 41" in text
    assert "cards_read 12, cards retained 1" in text
    assert "Last error: cover open (2026-11-23 16:15:00)" in text  # local time, Asia/Shanghai
    assert "Service state: degraded (printer cover open)" in text
    assert board.message == "1 device(s) faulted: Receipt printer" and board.tone is Tone.ERROR
    assert board.body[:3] == (
        "Service state: degraded (printer cover open)",
        "Queue: 2 pending, 0 dead, oldest 0m42s, last sync 2026-11-23 16:15:00",
        "Core system connected · version 0.9.0 · up 0d 03h02m · free disk 12.0 GB",
    )
    assert board.body[3].startswith("✖ Receipt printer")  # the faulted device comes first
    assert ("dashboard", "viewed") in whats(rig)


def test_dashboard_is_live_on_device_events_and_every_second(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    rig.press("1")
    assert rig.screen().message == "All devices are working"
    reads = rig.health.reads
    rig.health.current = snapshot(printer=DeviceState.USER_ERROR)
    rig.event(AcceptorStateChanged("cash", DeviceState.ONLINE))  # any device event re-reads
    assert rig.health.reads == reads + 1
    assert rig.screen().message == "1 device(s) faulted: Receipt printer"
    rig.health.current = snapshot()
    rig.tick(0.5)
    assert rig.health.reads == reads + 1  # not yet a second
    rig.tick(0.6)
    assert rig.health.reads == reads + 2 and rig.screen().tone is Tone.SUCCESS
    assert rig.health.observed  # device events also reach the health monitor's error memory


def test_automatic_self_tests_show_typed_results_and_are_audited(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    rig.press("2")
    listing = rig.screen()
    assert [c.label for c in listing.choices] == [
        "printer",
        "card_reader",
        "keypad",
        "screen_pattern",
        "sensors",
    ]
    rig.press("1")
    result = rig.screen()
    assert result.screen_id == "tech_selftest_result" and result.tone is Tone.SUCCESS
    assert result.message == "Passed"
    assert "page: diagnostic page printed" in result.body
    assert "Code OK · 812 ms" in result.body
    assert not any(line.startswith("detail:") for line in result.body)  # nothing to say: no line
    rig.press(Key.ENTER, "2")
    failed = rig.screen()
    assert failed.tone is Tone.ERROR and failed.message == "Failed"
    assert failed.title == "Test result: card_reader / card"
    assert whats(rig)[-2:] == [("selftest", "pass"), ("selftest", "fail")]
    assert rig.actions()[-1]["code"] == "CARD_NO_ATR"


def test_a_crashing_self_test_is_reported_not_fatal(tmp_path: Path) -> None:
    rig = enter(tmp_path)

    def boom() -> SelfTestResult:
        raise OSError("device node vanished")

    rig.mode.selftests = SelfTestSuite({"printer": boom}, {"printer": "printer"})
    rig.press("2", "1")
    shown = rig.screen()
    assert shown.tone is Tone.ERROR and "OSError" in shown.message
    assert rig.actions()[-1]["result"] == "error"


def test_keypad_test_echoes_every_key_until_cancel(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    rig.press("2", "3")
    assert rig.screen().screen_id == "tech_keypad_test"
    rig.press("7", "5", Key.CLEAR)
    assert "7 5 clear" in rig.screen().body  # echoed, not acted on
    rig.press(Key.CANCEL)
    partial = rig.screen()
    assert partial.message == "Failed" and any("missing: 0 1 2" in b for b in partial.body)
    rig.press(Key.ENTER, "3")
    rig.press(*"0123456789", Key.ENTER, Key.CLEAR, Key.CANCEL)
    assert rig.screen().message == "Passed"
    assert [r for w, r in whats(rig) if w == "selftest"] == ["started", "fail", "started", "pass"]


def test_screen_test_pattern_and_sensor_test(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    rig.press("2", "4")
    pattern = rig.screen()
    assert pattern.screen_id == "tech_screen_test"
    assert len(pattern.choices) == 6 and pattern.qr and pattern.amounts and pattern.message
    rig.press("1")
    assert rig.screen().message == "Passed"
    rig.press(Key.ENTER, "5")
    assert rig.screen().screen_id == "tech_sensor_test"
    rig.event(OperatorSwitchChanged("operator_switch", True))
    rig.event(OperatorSwitchChanged("operator_switch", False))  # a test toggle: mode stays
    assert rig.router.owner is Owner.MAINTENANCE
    assert rig.screen().body[-2:] == ("operator_switch: on", "operator_switch: off")
    rig.press(Key.ENTER)
    assert rig.screen().message == "Passed"


def test_journal_export_writes_a_file_in_the_data_dir(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    rig.press("4")
    done = rig.screen()
    assert done.screen_id == "tech_exported"
    assert rig.mode.export_path is not None
    path = rig.mode.export_path
    assert path.parent == rig.data_dir / "exports" and path.exists()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == rig.mode.export_count >= 3
    assert {r["kind"] for r in records} == {"technician_action"}
    assert all(len(r["hash"]) == 64 for r in records)
    assert f"{len(records)} records written to {path}" in done.body
    assert rig.actions()[-1]["what"] == "journal_export"
    assert rig.actions()[-1]["path"] == str(path)


def test_exit_returns_to_service_and_every_action_is_audited(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    assert rig.screen().cancel_label == "Exit"  # Cancel on the menu leaves, like choice 5
    rig.press("1", Key.CANCEL, "2", "1", Key.ENTER, Key.CANCEL, "4", Key.ENTER, "5")
    assert rig.screen().screen_id == "attract" and rig.router.owner is Owner.CUSTOMER
    assert rig.mode.state is ModeState.EXITED
    assert whats(rig) == [
        ("pin_check", "ok"),
        ("entry", "granted"),
        ("mode", "entered"),
        ("dashboard", "viewed"),
        ("selftest", "pass"),
        ("journal_export", "written"),
        ("mode", "exited"),
    ]
    assert all(a["who"] == "keypad" for a in rig.actions())
    records = rig.audit.actions()
    assert all(r.at.tzinfo is not None for r in records)  # when: every record is stamped
    rig.press(Key.ENTER)  # the next key is a customer's again
    assert rig.screen().screen_id == "language"


def test_an_abandoned_maintenance_mode_returns_to_service(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    rig.press("1")
    rig.tick(601)
    assert rig.screen().screen_id == "attract"
    assert rig.actions()[-1]["reason"] == "idle_timeout"


def test_language_switch_in_the_mode(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    assert rig.screen().title == "Maintenance mode"
    rig.press(Key.LANGUAGE)
    assert rig.screen().title == "维护模式" and rig.screen().lang == "zh_CN"


# ---------------------------------------------------------------------- the running kiosk


def _pump_until(runtime: Any, screen_id: str, timeout: float = 20.0) -> Any:
    controller = runtime.controller
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        controller.pump()
        if controller.current_screen().screen_id == screen_id:
            return controller.current_screen()
        time.sleep(0.02)
    raise AssertionError(f"never reached {screen_id}: {controller.current_screen().screen_id}")


def _press(runtime: Any, *keys: Key | str) -> None:
    for key in keys:
        runtime.controller.press(Key(key) if isinstance(key, str) else key)
        runtime.controller.pump()


def test_maintenance_mode_in_the_running_kiosk(tmp_path: Path) -> None:
    """build_kiosk wires it: switch -> cashbox exchange printed on the emulator; hidden keys +
    PIN -> dashboard from the real health monitor and a real test print."""
    config = KioskConfig(
        kiosk_id="kiosk-tech",
        currency="CNY",
        data_dir=tmp_path / "state",
        default_language="en",
        core=CoreConfig(url="http://127.0.0.1:9", token="t", read_timeout=1.0),
        devices={
            "cash": DeviceConfig("cash", "essp-emulated"),
            "printer": DeviceConfig("printer", "escpos-emulated"),
            "operator_switch": DeviceConfig("operator_switch", "emulated"),
        },
        technician=parse_technician({"pin_hash_env": "PIN_HASH"}, {"PIN_HASH": FIELD_PIN_HASH}),
    )
    runtime = build_kiosk(
        config,
        clock=SystemClock(),
        registry=default_registry(),
        catalog=load_catalog(),
        receipts_dir=tmp_path / "receipts",
    )
    runtime.start()
    try:
        assert runtime.technician is not None and runtime.technician.switch is not None
        switch = runtime.technician.switch.device
        _pump_until(runtime, "attract")
        switch.turn_on()
        _pump_until(runtime, "tech_menu")
        _press(runtime, "3")
        _pump_until(runtime, "tech_cashbox_review")
        _press(runtime, "1")
        done = _pump_until(runtime, "tech_cashbox_done")
        assert done.message == "Settlement report printed"
        printed = "\n".join(runtime.printer.emulator.receipts[-1].lines)
        assert "Cashbox settlement" in printed and "operator-switch" in printed
        queued = [e.payload["type"] for e in runtime.outbox.due_batch(10, force=True)]
        assert "cashbox_exchange" in queued
        _press(runtime, Key.ENTER)
        switch.turn_off()
        _pump_until(runtime, "attract")

        _press(runtime, "cancel", "cancel", "clear", "enter", "0", "0", "0")
        _pump_until(runtime, "tech_pin")
        _press(runtime, *PIN, Key.ENTER, "1")
        board = _pump_until(runtime, "tech_dashboard")
        while board.busy:  # the first snapshot comes back from the worker
            board = _pump_until(runtime, "tech_dashboard")
        texts = "\n".join(board.body)
        assert "Note acceptor: online" in texts and "Receipt printer: online" in texts
        _press(runtime, Key.CANCEL, "2", "1")  # the printer's own self-test: a diagnostic page
        result = _pump_until(runtime, "tech_selftest_result")
        assert result.message == "Passed", result
        who = {r.data["who"] for r in runtime.ledger.records() if r.kind == "technician_action"}
        assert who == {"operator-switch", "keypad"}
    finally:
        runtime.stop()


def test_a_failed_health_read_is_retried_not_stuck(tmp_path: Path) -> None:
    rig = enter(tmp_path)
    working = rig.health.snapshot

    def broken() -> Any:
        raise OSError("database is locked")

    rig.health.snapshot = broken  # type: ignore[method-assign]
    rig.press("1")
    assert rig.screen().busy  # nothing to show yet, and the kiosk says it is reading
    rig.health.snapshot = working  # type: ignore[method-assign]
    rig.tick(1.1)
    assert rig.screen().message == "All devices are working"
