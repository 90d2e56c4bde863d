"""`kiosk emulate printer --tcp`: a network printer a technician can break on purpose."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from drivers.printer.base import PaperStatus, PrinterCapabilities
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.links import NetworkLink
from tests.drivers.printer_documents import payment


def test_tcp_emulator_with_injected_fault_then_fixed_from_stdin(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "emulate",
            "printer",
            "--tcp",
            "0",
            "--out",
            str(tmp_path),
            "--fault",
            "out:5",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        banner = proc.stdout.readline()
        port = int(re.search(r"tcp 127\.0\.0\.1:(\d+)", banner).group(1))  # type: ignore[union-attr]
        printer = EscposPrinter(
            "p", NetworkLink("127.0.0.1", port), PrinterCapabilities(48, 576), confirm_grace=0.5
        )
        result = printer.print_document(payment("en"))
        assert not result.printed and result.incomplete and result.status is PaperStatus.PAPER_OUT
        assert "INCOMPLETE" in proc.stdout.readline()  # the truncated receipt, flagged
        proc.stdin.write("paper ready\n")
        proc.stdin.flush()
        assert "paper: ready" in proc.stdout.readline()
        assert printer.print_document(payment("en")).printed
        line = proc.stdout.readline()
        assert line.startswith("receipt: ") and Path(line.split()[1]).is_file()
        printer.close()
        proc.stdin.close()  # EOF: the emulator stops by itself
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_fault_option_is_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "emulate",
            "printer",
            "--pty",
            "--out",
            str(tmp_path),
            "--fault",
            "melted:3",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and "STATE:LINES" in done.stderr
