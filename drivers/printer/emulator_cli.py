"""`kiosk emulate printer`: a printer emulator on a pty or TCP for demos, tests and training.

Prints where it listens (and keeps a stable pty symlink when asked), then each receipt's PNG path
as the receipt is cut. Faults are injected from the command line (--paper, --fault) or typed on
stdin while it runs:

    paper ready|near_end|out|cover_open|cutter_error|offline   set the state now
    fault out 12                                               paper out after 12 more lines
    status                                                     print the state

Stops on SIGTERM, Ctrl-C or EOF on stdin, which is how a supervising script or a terminal user
ends it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from drivers.printer.emulator import PAPER_STATES, PrinterEmulator
from drivers.printer.emulator_tcp import TcpPrinterServer


def parse_fault(text: str) -> tuple[str, int]:
    """'out:12' -> ("out", 12); ValueError with the accepted form otherwise."""
    state, _, lines = text.partition(":")
    if state not in PAPER_STATES or not lines.isdigit() or int(lines) < 1:
        raise ValueError(f"fault must be STATE:LINES with STATE in {PAPER_STATES}, not {text!r}")
    return state, int(lines)


def command(emulator: PrinterEmulator, line: str) -> str:
    """One typed command; returns what to print back."""
    words = line.split()
    try:
        if len(words) == 2 and words[0] == "paper":
            emulator.set_paper(words[1])
        elif len(words) == 3 and words[0] == "fault":
            emulator.inject_fault(*parse_fault(f"{words[1]}:{words[2]}"))
        elif words != ["status"]:
            return "commands: paper STATE | fault STATE LINES | status"
    except ValueError as exc:
        return f"error: {exc}"
    return f"paper: {emulator.paper_state}; pending fault: {emulator.fault_after}"


def _watch_stdin(emulator: PrinterEmulator, stop: threading.Event) -> None:
    """Typed commands; EOF on stdin means whoever started us has gone away."""
    try:
        for line in sys.stdin:
            if line.strip():
                print(command(emulator, line), flush=True)
    except (OSError, ValueError):
        pass
    stop.set()


def run(
    *,
    out_dir: Path,
    link: str | None,
    tcp_port: int | None,
    paper: str = "ready",
    fault: str | None = None,
) -> int:
    """Run until stopped; returns the process exit code (2 on a bad option)."""
    try:
        injected = parse_fault(fault) if fault else None
        emulator = PrinterEmulator(Path(out_dir))
        emulator.set_paper(paper)
    except ValueError as exc:
        print(f"printer emulator: {exc}", file=sys.stderr)
        return 2
    if injected:
        emulator.inject_fault(*injected)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    server: TcpPrinterServer | None = None
    if tcp_port is not None:
        server = TcpPrinterServer(emulator, tcp_port)
        try:
            port = server.start()
        except OSError as exc:
            print(
                f"printer emulator: cannot listen on 127.0.0.1:{tcp_port}: {exc}", file=sys.stderr
            )
            return 2
        where = f"tcp 127.0.0.1:{port}"
    else:
        where = f"pty {emulator.start()}"
    link_path = Path(link) if link and server is None else None
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                link_path.unlink()
            os.symlink(emulator.slave_path or "", link_path)
        shown = f" (link {link_path})" if link_path else ""
        print(f"printer emulator on {where}{shown}; paper {paper}; receipts in {out_dir}")
        sys.stdout.flush()
        threading.Thread(target=_watch_stdin, args=(emulator, stop), daemon=True).start()
        count = 0
        while not stop.wait(0.1):
            receipts = emulator.receipts
            for receipt in receipts[count:]:
                flag = " (INCOMPLETE: paper/cover fault)" if receipt.truncated else ""
                print(f"receipt: {receipt.png_path}{flag}", flush=True)
            count = len(receipts)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
        emulator.stop()
        if link_path is not None and link_path.is_symlink():
            link_path.unlink()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
