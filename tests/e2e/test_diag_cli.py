"""`kiosk diag` as a technician runs it: a separate process opening the configured devices.

The devices are the project's emulators on pty pairs owned by this test, configured as REAL
backends (`essp` and `escpos-serial` on the pty path), so the command goes through the same
driver path as on a cabinet, and the test can pull the paper or silence the acceptor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.pcscd_runner import PrivatePcscd
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from drivers.cash.essp_emulator import EsspEmulator, Fault
from drivers.printer.emulator import PrinterEmulator
from kiosk.cli.main import main
from kiosk.technician.selftests import CARD as CARD_TEST
from kiosk.technician.selftests import EventTap, SelfTestStatus, SelfTestSuite
from kiosk.technician.selftests_devices import SelfTestDevices, build_suite
from tests.e2e.card_env import pcscd  # noqa: F401 - the module-scoped fixture

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
[kiosk]
id = "kiosk-0007"
data_dir = "{data}"

[core]
url = "https://core.example.com"
token_env = "DIAG_TEST_TOKEN_UNSET"

[devices.cash]
backend = "essp"
port = "{cash}"
poll_interval = 0.1

[devices.printer]
backend = "escpos-serial"
port = "{printer}"
"""


def _diag(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DIAG_TEST_TOKEN_UNSET"}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "diag", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def cabinet(tmp_path: Path) -> Iterator[tuple[Path, EsspEmulator, PrinterEmulator]]:
    cash = EsspEmulator(cashbox_file=tmp_path / "cashbox.json")
    printer = PrinterEmulator(tmp_path / "paper")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        CONFIG.format(data=tmp_path / "data", cash=cash.start(), printer=printer.start()), "utf-8"
    )
    yield config, cash, printer
    cash.stop()
    printer.stop()


def test_healthy_cabinet_reports_every_device_ok_and_exits_0(cabinet) -> None:
    config, cash, printer = cabinet
    done = _diag("--config", str(config), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["faulty"] == [] and report["service_state"] == "in_service"
    tests = {t["test"]: t for d in report["devices"] for t in d["tests"]}
    assert tests["printer"]["status"] == "pass"
    assert tests["note_acceptor"]["code"] == "COMMS_OK"  # a real validator needs a hand
    assert tests["card_reader"]["status"] == "unavailable"
    assert len(printer.wait_for_receipts(1)) == 1  # the diagnostic page came out
    assert cash.cashbox_counts == {}


def test_paper_out_and_a_silent_acceptor_are_faulty_and_exit_1(cabinet) -> None:
    config, cash, printer = cabinet
    printer.set_paper("out")
    cash.inject(Fault.NO_REPLY, 100_000)
    done = _diag("--config", str(config))
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "RESULT: FAULTY: cash, printer" in out
    assert "PAPER_OUT" in out and "did not open" in out
    assert "service state: out_of_service" in out
    assert printer.receipts == []


# The next ones run in-process (same `main`, same exit codes): an interpreter start costs more
# than what they check.


def test_refuses_to_open_the_devices_of_a_running_kiosk(cabinet, capsys) -> None:
    config, cash, printer = cabinet
    data = config.parent / "data"
    data.mkdir()
    (data / "health.json").write_text("{}", "utf-8")  # the running kiosk keeps it fresh
    assert main(["diag", "--config", str(config)]) == 2
    assert "KIOSK_RUNNING" in capsys.readouterr().err
    assert cash.commands_seen == [] and printer.receipts == []  # the devices were not touched


def test_without_config_the_emulators_give_a_clean_report(capsys) -> None:
    from kiosk.speech.select import has_playback_device

    audible = has_playback_device()
    # The emulated cabinet has a headphone jack: with no sound card voice guidance cannot be
    # heard, and the speech test says so rather than passing on a rendered file.
    assert main(["diag", "--json"]) == (0 if audible else 1)
    report = json.loads(capsys.readouterr().out)
    tests = {t["test"]: t for d in report["devices"] for t in d["tests"]}
    assert {tests[n]["status"] for n in ("note_acceptor", "coin_acceptor", "printer")} == {"pass"}
    speech = tests["speech"]
    assert (speech["status"], speech["code"]) == (
        ("pass", "OK") if audible else ("fail", "SPEECH_NO_PLAYBACK")
    )


def test_bad_config_is_a_usage_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[kiosk]\nid = 'x'\n", "utf-8")
    assert main(["diag", "--config", str(bad)]) == 2
    assert "config key 'kiosk.data_dir'" in capsys.readouterr().err


# -- the card read self-test against a private pcscd + vpcd and virtual EMV cards ---------------


@pytest.fixture
def card_suite(pcscd: PrivatePcscd) -> Iterator[tuple[SelfTestSuite, PcscCardReader]]:  # noqa: F811
    tap = EventTap()
    reader = PcscCardReader(
        "card_reader", "Virtual PCD 00 00", tap.publish, wait_ms=100, retry_s=0.1
    )
    reader.start()
    try:
        yield build_suite(SelfTestDevices(tap=tap, card=reader)), reader
    finally:
        reader.stop()


def _with_card(pcscd: PrivatePcscd, reader: PcscCardReader, profile: str) -> VpcdLink:  # noqa: F811
    link = VpcdLink(VirtualCard(load_profile(profile)), pcscd.port)
    link.insert()
    deadline = time.monotonic() + 5
    while not reader.card_present:
        assert time.monotonic() < deadline, "reader never saw the card"
        time.sleep(0.02)
    return link


def _pull(reader: PcscCardReader, link: VpcdLink) -> None:
    link.remove()
    deadline = time.monotonic() + 5
    while reader.card_present:
        assert time.monotonic() < deadline, "reader never saw the card leave"
        time.sleep(0.02)


def test_card_self_test_reads_atr_and_application(pcscd: PrivatePcscd, card_suite) -> None:  # noqa: F811
    suite, reader = card_suite
    empty = suite.run(CARD_TEST)
    assert (empty.status, empty.code) == (SelfTestStatus.PASS, "READER_OK_NO_CARD")
    link = _with_card(pcscd, reader, "unionpay_debit")
    try:
        result = suite.run(CARD_TEST)
    finally:
        _pull(reader, link)
    assert (result.status, result.code) == (SelfTestStatus.PASS, "OK")
    assert result.details["aid"] == "A000000333010101" and result.details["atr"]
    assert result.details["reader"] == "Virtual PCD 00 00"


def test_card_self_test_fails_on_an_unreadable_card(pcscd: PrivatePcscd, card_suite) -> None:  # noqa: F811
    suite, reader = card_suite
    link = _with_card(pcscd, reader, "malformed_tlv")
    try:
        result = suite.run(CARD_TEST)
    finally:
        _pull(reader, link)
    assert (result.status, result.code) == (SelfTestStatus.FAIL, "CARD_TLV_MALFORMED")
    assert result.details["atr"]


def test_card_self_test_fails_when_the_reader_is_missing(pcscd: PrivatePcscd) -> None:  # noqa: F811
    reader = PcscCardReader(
        "card_reader", "No Such Reader*", lambda e: None, wait_ms=100, retry_s=0.1
    )
    reader.start()
    try:
        result = build_suite(SelfTestDevices(card=reader, timeout_s=0.5)).run(CARD_TEST)
    finally:
        reader.stop()
    assert result.status is SelfTestStatus.FAIL and result.code.startswith("CARD_READER_")
