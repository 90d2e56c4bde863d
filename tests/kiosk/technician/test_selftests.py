"""Each automatic self-test against the device emulators, healthy and with scripted faults."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.cash.essp_emulator import Fault
from drivers.coin.cctalk_emulator import CoinFault
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.runtime.registry import default_registry
from kiosk.technician.selftests import (
    CARD,
    COIN,
    HEADPHONE,
    KEYPAD,
    NOTE,
    PRINTER,
    SCREEN,
    SPEECH,
    SelfTestStatus,
)
from kiosk.technician.selftests_devices import build_suite
from kiosk.technician.selftests_interactive import KeypadCheck, confirm_result
from kiosk.technician.selftests_rig import OpenedDevices, emulated_config, open_devices

PASS, FAIL, UNAVAILABLE = SelfTestStatus.PASS, SelfTestStatus.FAIL, SelfTestStatus.UNAVAILABLE


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[OpenedDevices]:
    opened = open_devices(
        emulated_config(tmp_path / "data"),
        default_registry(),
        load_catalog(),
        work_dir=tmp_path / "diag",
    )
    yield opened
    opened.close()


def _wait(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_healthy_emulators_pass_every_automatic_test(rig: OpenedDevices) -> None:
    suite = build_suite(rig.selftest)
    results = {r.test: r for r in suite.run_noninteractive()}
    assert results[PRINTER].status is PASS, results[PRINTER]
    assert results[NOTE].status is PASS, results[NOTE]
    assert results[COIN].status is PASS, results[COIN]
    assert results[HEADPHONE].status is PASS
    # the test page really came out of the printer, and the test note went back, uncredited
    assert len(rig.selftest.printer and rig.built[0].emulator.wait_for_receipts(1)) == 1
    cash_emulator = rig.selftest.cash_emulator
    assert cash_emulator.returned_notes == [1] and cash_emulator.cashbox_counts == {}
    assert results[NOTE].details["returned"] and results[NOTE].details["value_minor"] == "100"
    assert rig.selftest.coin_emulator.coin_box == {}  # the test coin came back
    assert all(r.duration_ms >= 0 for r in results.values())


def test_card_reader_not_configured_is_unavailable_not_a_fault(rig: OpenedDevices) -> None:
    result = build_suite(rig.selftest).run(CARD)
    assert result.status is UNAVAILABLE and result.code == "NOT_CONFIGURED"
    assert "card reader" in result.details["reason"]


@pytest.mark.parametrize(
    ("paper", "code"), [("out", "PAPER_OUT"), ("cover_open", "COVER_OPEN"), ("offline", "OFFLINE")]
)
def test_printer_test_fails_with_the_paper_state(rig: OpenedDevices, paper: str, code: str) -> None:
    rig.built[0].emulator.set_paper(paper)
    result = build_suite(rig.selftest).run(PRINTER)
    assert (result.status, result.code) == (FAIL, code)
    assert rig.built[0].emulator.receipts == []


def test_printer_running_out_mid_page_is_reported_incomplete(rig: OpenedDevices) -> None:
    rig.built[0].emulator.inject_fault("out", 3)
    result = build_suite(rig.selftest).run(PRINTER)
    assert result.status is FAIL and result.code in ("PRINT_INCOMPLETE", "PAPER_OUT")


def test_note_test_fails_when_the_acceptor_is_jammed(rig: OpenedDevices) -> None:
    rig.selftest.cash_emulator.inject(Fault.SAFE_JAM)
    _wait(lambda: rig.selftest.cash.health().state is not DeviceState.ONLINE)
    result = build_suite(rig.selftest).run(NOTE)
    assert (result.status, result.code) == (FAIL, "CASH_HARDWARE_ERROR")
    assert "jam" in result.details["detail"]


def test_note_test_fails_when_the_cashbox_is_removed(rig: OpenedDevices) -> None:
    rig.selftest.cash_emulator.inject(Fault.CASHBOX_REMOVED)
    _wait(lambda: rig.selftest.cash.health().state is not DeviceState.ONLINE)
    result = build_suite(rig.selftest).run(NOTE)
    assert (result.status, result.code) == (FAIL, "CASH_USER_ERROR")
    assert "cashbox removed" in result.details["detail"]


def test_note_test_fails_when_the_acceptor_goes_silent(rig: OpenedDevices) -> None:
    rig.selftest.cash_emulator.inject(Fault.NO_REPLY, 10_000)
    _wait(lambda: rig.selftest.cash.health().state is DeviceState.OFFLINE)
    result = build_suite(rig.selftest).run(NOTE)
    assert (result.status, result.code) == (FAIL, "CASH_OFFLINE")


def test_coin_test_fails_when_the_mech_does_not_answer(rig: OpenedDevices) -> None:
    rig.selftest.coin_emulator.inject(CoinFault.NO_REPLY, 10_000)
    result = build_suite(rig.selftest).run(COIN)
    assert result.status is FAIL and result.code in ("COIN_NO_REPLY", "COIN_OFFLINE")


def test_device_that_did_not_open_fails_with_the_reason(tmp_path: Path) -> None:
    config = emulated_config(tmp_path / "data")
    devices = dict(config.devices)
    from kiosk.runtime.config import DeviceConfig

    devices["cash"] = DeviceConfig("cash", "essp", {"port": str(tmp_path / "no-such-tty")})
    config = type(config)(**{**config.__dict__, "devices": devices})
    opened = open_devices(config, default_registry(), load_catalog(), work_dir=tmp_path / "d")
    try:
        result = build_suite(opened.selftest).run(NOTE)
    finally:
        opened.close()
    assert (result.status, result.code) == (FAIL, "CASH_OFFLINE")
    assert "did not open" in result.details["detail"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_speech_test_renders_a_prompt(rig: OpenedDevices) -> None:
    from kiosk.speech.engine import EspeakEngine

    rig.selftest.speech = EspeakEngine()
    result = build_suite(rig.selftest).run(SPEECH)
    assert result.status is PASS and int(result.details["wav_bytes"]) > 1000


def test_speech_without_engine_is_unavailable(rig: OpenedDevices) -> None:
    rig.selftest.speech, rig.selftest.speech_problem = None, "no sound card"
    result = build_suite(rig.selftest).run(SPEECH)
    assert result.status is UNAVAILABLE and result.details["reason"] == "no sound card"


def test_headphone_jack_state_is_read(rig: OpenedDevices) -> None:
    rig.built[-1].emulator.plug()
    result = build_suite(rig.selftest).run(HEADPHONE)
    assert (result.status, result.details["jack"]) == (PASS, "inserted")
    rig.selftest.headphone.close()
    assert build_suite(rig.selftest).run(HEADPHONE).code == "JACK_OFFLINE"


def test_interactive_tests_are_listed_but_need_a_technician(rig: OpenedDevices) -> None:
    suite = build_suite(rig.selftest)
    assert {KEYPAD, SCREEN, "sensors"} <= set(suite.names())
    assert suite.run(KEYPAD).status is UNAVAILABLE
    assert KEYPAD not in {r.test for r in suite.run_noninteractive()}


def test_keypad_check_passes_only_when_every_key_echoed() -> None:
    check = KeypadCheck()
    for n in range(10):
        assert check.press(Key.digit(n)) == str(n)
    check.press(Key.ENTER)
    early = check.result()
    assert (early.status, early.code) == (FAIL, "KEYS_MISSING")
    assert early.details["missing"] == "cancel clear"
    check.press(Key.CANCEL)
    check.press(Key.CLEAR)
    assert check.result().status is PASS
    assert confirm_result(SCREEN, "screen", False).code == "TECHNICIAN_REPORTED_FAULT"
