"""The serial scanner driver against the emulator on a real pty, in both link modes: what a
customer showing a bill notices, and what the technician reads in the scanner's health."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.scanner.base import CodeScanned, ScanFailed, ScannerStateChanged
from drivers.scanner.emulator import ScannerEmulator, ScannerFault
from drivers.scanner.serial_scanner import SerialScanner

CODE = "BP1/SGCC/1234567890/12550/B-SGCC-2026-10-0001/56"


class Rig:
    def __init__(self, tmp_path: Path, mode: str, suffix: str = "cr") -> None:
        self.mode, self.suffix = mode, suffix
        self.link = tmp_path / "scanner"
        self.events: queue.Queue[object] = queue.Queue()
        self.emulator = self.plug()
        self.scanner = SerialScanner(
            "scanner", str(self.link), self.events.put, mode=mode, retry_s=0.05, same_code_s=0
        )
        self.scanner.open()

    def plug(self) -> ScannerEmulator:
        emulator = ScannerEmulator(mode=self.mode, suffix=self.suffix)
        os.symlink(emulator.start(), self.link)
        return emulator

    def unplug(self) -> None:
        self.emulator.stop()
        self.link.unlink()

    def next_event(self, kind: type, timeout: float = 5.0) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if isinstance(event, kind):
                return event
        raise AssertionError(f"no {kind.__name__} within {timeout}s")

    def wait_state(self, state: DeviceState, timeout: float = 5.0) -> None:
        wait_for(lambda: self.scanner.status().state is state, timeout)

    def close(self) -> None:
        self.scanner.close()
        self.emulator.stop()


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.fixture(params=["ascii", "framed"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path, request.param)
    made.wait_state(DeviceState.ONLINE)
    yield made
    made.close()


def test_a_scanned_bill_arrives_as_its_text_once(rig: Rig) -> None:
    assert rig.emulator.scan(CODE)
    event = rig.next_event(CodeScanned)
    assert event == CodeScanned("scanner", CODE)
    assert "1234567890" not in repr(event)
    assert rig.scanner.status().counters["scans"] == 1
    assert rig.scanner.capabilities.acknowledged is (rig.mode == "framed")
    assert rig.scanner.self_test().passed


@pytest.mark.parametrize("suffix", ["cr", "lf", "crlf"])
def test_ascii_mode_reads_each_common_suffix(tmp_path: Path, suffix: str) -> None:
    rig = Rig(tmp_path, "ascii", suffix)
    try:
        rig.wait_state(DeviceState.ONLINE)
        for text in ("FIRST", "SECOND"):
            rig.emulator.scan(text)
            assert rig.next_event(CodeScanned) == CodeScanned("scanner", text)
        assert rig.events.empty() or not any(
            isinstance(e, CodeScanned | ScanFailed) for e in list(rig.events.queue)
        )
    finally:
        rig.close()


def test_line_noise_before_a_code_does_not_lose_it(rig: Rig) -> None:
    rig.emulator.inject(ScannerFault.NOISE)
    rig.emulator.scan(CODE)
    event = rig.next_event(CodeScanned | ScanFailed)  # type: ignore[arg-type]
    if rig.mode == "ascii":  # the noise is part of the line: refused, then the next scan reads
        assert event == ScanFailed("scanner", "SCANNER_GARBAGE")
        rig.emulator.scan(CODE)
        event = rig.next_event(CodeScanned)
    assert event == CodeScanned("scanner", CODE)


def test_garbage_is_a_typed_failure_and_the_next_code_still_reads(rig: Rig) -> None:
    rig.emulator.garbage()  # framed: an intact frame whose text is not ASCII, refused
    assert rig.next_event(ScanFailed) == ScanFailed("scanner", "SCANNER_GARBAGE")
    rig.emulator.scan(CODE)
    assert rig.next_event(CodeScanned) == CodeScanned("scanner", CODE)
    assert rig.scanner.status().state is DeviceState.ONLINE


def test_overlong_input_is_refused_once_and_the_next_code_still_reads(rig: Rig) -> None:
    if rig.mode == "ascii":
        rig.emulator.send_raw(b"9" * 5000 + b"\r")
    else:
        rig.emulator.send_raw(b"\x02" + b"9" * 5000 + b"\x03\x00")
    assert rig.next_event(ScanFailed) == ScanFailed("scanner", "SCANNER_INPUT_OVERLONG")
    rig.emulator.scan(CODE)
    assert rig.next_event(CodeScanned) == CodeScanned("scanner", CODE)


def test_framed_mode_naks_a_damaged_frame_and_reads_the_resend_once(tmp_path: Path) -> None:
    rig = Rig(tmp_path, "framed")
    try:
        rig.wait_state(DeviceState.ONLINE)
        rig.emulator.inject(ScannerFault.BAD_LRC)
        assert rig.emulator.scan(CODE), "the resend was acknowledged"
        assert rig.next_event(CodeScanned) == CodeScanned("scanner", CODE)
        assert rig.emulator.naks == 1
        rig.emulator.inject(ScannerFault.TRUNCATED)
        assert rig.emulator.scan("SECOND")
        assert rig.next_event(CodeScanned) == CodeScanned("scanner", "SECOND")
        health = rig.scanner.status()
        assert health.counters["frames_rejected"] == 1 and health.counters["scans"] == 2
    finally:
        rig.close()


def test_the_same_code_read_twice_in_a_moment_is_one_scan(tmp_path: Path) -> None:
    rig = Rig(tmp_path, "ascii")
    rig.scanner.close()
    rig.scanner = SerialScanner("scanner", str(rig.link), rig.events.put, same_code_s=60)
    rig.scanner.open()
    try:
        rig.wait_state(DeviceState.ONLINE)
        rig.emulator.scan(CODE)
        rig.emulator.scan(CODE)
        rig.emulator.scan("OTHER")
        assert rig.next_event(CodeScanned) == CodeScanned("scanner", CODE)
        assert rig.next_event(CodeScanned) == CodeScanned("scanner", "OTHER")
        assert rig.scanner.status().counters["duplicates"] == 1
    finally:
        rig.close()


def test_unplugged_goes_offline_and_plugged_back_reads_again(rig: Rig) -> None:
    rig.unplug()
    rig.wait_state(DeviceState.OFFLINE)
    changes = []
    while not rig.events.empty():
        changes.append(rig.events.get())
    assert ScannerStateChanged("scanner", DeviceState.OFFLINE, "serial port lost") in changes
    assert not rig.scanner.self_test().passed
    rig.emulator = rig.plug()
    rig.wait_state(DeviceState.ONLINE)
    rig.emulator.scan(CODE)
    assert rig.next_event(CodeScanned) == CodeScanned("scanner", CODE)


def test_a_port_that_is_not_there_is_offline_not_an_exception(tmp_path: Path) -> None:
    events: queue.Queue[object] = queue.Queue()
    scanner = SerialScanner("scanner", str(tmp_path / "nothing"), events.put, retry_s=0.05)
    scanner.open()
    try:
        changed = events.get(timeout=5)
        assert isinstance(changed, ScannerStateChanged)
        assert changed.state is DeviceState.OFFLINE and "cannot open" in changed.detail
        assert scanner.self_test().code == "SCANNER_OFFLINE"
    finally:
        scanner.close()
