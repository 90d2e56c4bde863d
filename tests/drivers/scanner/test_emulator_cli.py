"""`kiosk emulate scanner --pty` as a technician uses it: a separate process whose scans the
kiosk's driver reads from the pty path it printed (or the stable link)."""

from __future__ import annotations

import queue
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.scanner.base import CodeScanned, ScanFailed
from drivers.scanner.serial_scanner import SerialScanner

CODE = "BP1/SGCC/1234567890/12550/B-SGCC-2026-10-0001/56"


@pytest.mark.parametrize("mode", ["ascii", "framed"])
def test_codes_typed_at_the_console_reach_the_driver_and_quit_removes_the_link(
    tmp_path: Path, mode: str
) -> None:
    link = tmp_path / "scanner"
    command = [sys.executable, "-m", "kiosk", "emulate", "scanner", "--pty", "--link", str(link)]
    console = subprocess.Popen(
        [*command, "--mode", mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert console.stdin is not None and console.stdout is not None
    events: queue.Queue[object] = queue.Queue()
    try:
        path = console.stdout.readline().strip()
        assert path.startswith("/dev/pts/") and link.resolve() == Path(path)
        scanner = SerialScanner("scanner", str(link), events.put, mode=mode)
        scanner.open()
        try:
            deadline = time.monotonic() + 10
            while scanner.status().state is not DeviceState.ONLINE:
                assert time.monotonic() < deadline, "scanner never came online"
                time.sleep(0.01)
            for line in ("garbage", f"scan {CODE}"):
                console.stdin.write(f"{line}\n")
                console.stdin.flush()
                assert console.stdout.readline().strip() == "acknowledged"
            got: list[object] = []
            while len(got) < 2:
                event = events.get(timeout=5)
                if isinstance(event, CodeScanned | ScanFailed):
                    got.append(event)
            assert got == [ScanFailed("scanner", "SCANNER_GARBAGE"), CodeScanned("scanner", CODE)]
        finally:
            scanner.close()
        console.stdin.write("quit\n")
        console.stdin.flush()
        assert console.wait(timeout=10) == 0
        assert not link.is_symlink()
    finally:
        if console.poll() is None:
            console.kill()
            console.wait()
