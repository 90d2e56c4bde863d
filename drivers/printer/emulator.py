"""A receipt printer on a pty: parses the ESC/POS the app sends, answers DLE EOT, renders PNGs.

The parser is a streaming state machine over a byte buffer: a command split across reads stays in
the buffer until it is complete, and unknown commands are recorded and skipped, so nothing the
app (or line noise) sends can stop the emulator.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from drivers.printer.emulator_parser import EscPosParser, Incomplete
from drivers.printer.emulator_render import Cell, FeedRow, ImageRow, Paper, TextRow, render_png
from drivers.transport.pty_pair import PtyPair

log = logging.getLogger(__name__)

PAPER_STATES = ("ready", "near_end", "out", "cover_open", "cutter_error", "offline")


@dataclass(frozen=True)
class RenderedReceipt:
    png_path: Path
    lines: list[str]
    raw: bytes
    qr_data: list[str]
    truncated: bool = False
    barcodes: tuple[str, ...] = ()


class PrinterEmulator(EscPosParser):
    """One emulated printer; `receipts` grows by one each time the app cuts the paper."""

    def __init__(self, out_dir: Path, *, width_dots: int = 576, columns: int = 48) -> None:
        self.out_dir = Path(out_dir)
        self.width_dots = width_dots
        self.columns = columns
        self.out_after_lines: int | None = None  # shorthand for fault_after = (n, "out")
        self.fault_after: tuple[int, str] | None = None  # (lines, state): a fault mid-receipt
        self.buffer_clears = 0  # DLE DC4 8 received: the driver gave up on a job
        self.unknown: list[bytes] = []  # skipped commands/bytes, newest last (bounded)
        self._paper_state = "ready"
        self._lock = threading.Lock()
        self._receipts: list[RenderedReceipt] = []
        self._buf = bytearray()
        self._pty: PtyPair | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.slave_path: str | None = None  # the port to open, once started
        self._reset_modes()
        self._paper = Paper()

    # -- public API -------------------------------------------------------------------------
    def start(self) -> str:
        """Open the pty and start reading; returns the slave path the driver opens."""
        self._pty = PtyPair()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="printer-emulator", daemon=True)
        self._thread.start()
        self.slave_path = self._pty.slave_path
        return self.slave_path

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._pty is not None:
            self._pty.close()
        self._thread = self._pty = None

    @property
    def receipts(self) -> list[RenderedReceipt]:
        with self._lock:
            return list(self._receipts)

    def wait_for_receipts(self, count: int, timeout: float = 5.0) -> list[RenderedReceipt]:
        """Receipts once at least `count` exist (or whatever there is when timeout passes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.receipts) < count:
            time.sleep(0.01)
        return self.receipts

    @property
    def paper_state(self) -> str:
        return self._paper_state

    def set_paper(self, state: str) -> None:
        if state not in PAPER_STATES:
            raise ValueError(f"paper state must be one of {PAPER_STATES}, not {state!r}")
        with self._lock:
            self._paper_state = state

    def feed(self, data: bytes) -> bytes:
        """Process bytes as if received; returns the status bytes the printer would answer."""
        with self._lock:
            if self._paper_state == "offline":
                return b""  # unplugged / powered off: the bytes go nowhere
            self._buf += data
            answers = bytearray()
            while self._buf:
                try:
                    used = self._command(answers)
                except Incomplete:
                    break
                self._paper.raw += self._buf[:used]
                del self._buf[:used]
            return bytes(answers)

    # -- reader thread ----------------------------------------------------------------------
    def _run(self) -> None:
        assert self._pty is not None
        pty = self._pty
        while not self._stop.is_set():
            data = pty.read(4096, 0.05)
            if not data:
                continue
            try:
                answer = self.feed(data)
                if answer:
                    pty.write(answer)
            except Exception:  # a bug here must not take the printer off the line
                log.exception("printer emulator failed on %d bytes; dropping them", len(data))
                with self._lock:
                    self._buf.clear()

    # -- printer state ----------------------------------------------------------------------
    def _reset_modes(self) -> None:
        self._align = 0
        self._bold = False
        self._ws = self._hs = 1
        self._chinese = False
        self._codepage = "cp437"
        self._line: list[Cell] = []
        self._qr_store = ""
        self._qr_module = 3
        self._qr_ec = "L"

    def _can_print(self) -> bool:
        if self._paper_state in ("ready", "near_end"):
            return True
        self._paper.truncated = True
        return False

    def inject_fault(self, state: str, after_lines: int) -> None:
        """Fault injection: switch to `state` once `after_lines` more text lines have printed."""
        if state not in PAPER_STATES:
            raise ValueError(f"paper state must be one of {PAPER_STATES}, not {state!r}")
        with self._lock:
            self.fault_after = (max(after_lines, 1), state)

    def _add_row(self, row: TextRow | ImageRow | FeedRow) -> None:
        if not self._can_print():
            return
        self._paper.rows.append(row)
        if not isinstance(row, TextRow):
            return
        if self.out_after_lines is not None:
            self.fault_after, self.out_after_lines = (self.out_after_lines, "out"), None
        if self.fault_after is not None:
            left, state = self.fault_after
            self.fault_after = (left - 1, state) if left > 1 else None
            if left <= 1:
                self._paper_state = state

    def _print_line(self, *, blank_if_empty: bool = True) -> None:
        if self._line or blank_if_empty:
            self._add_row(TextRow(self._line, self._align))
        self._line = []

    def _put_char(self, ch: str, wide: bool) -> None:
        cols = (2 if wide else 1) * self._ws
        if sum((2 if c.wide else 1) * c.wscale for c in self._line) + cols > self.columns:
            self._print_line()  # the head wraps automatically at the right margin
        self._line.append(Cell(ch, wide, self._bold, self._ws, self._hs))

    def _cut(self) -> None:
        self._print_line(blank_if_empty=False)
        paper, self._paper = self._paper, Paper()
        number = len(self._receipts) + 1
        path = self.out_dir / f"{number:03d}-receipt.png"
        render_png(paper, path, width_dots=self.width_dots, columns=self.columns)
        self._receipts.append(
            RenderedReceipt(
                path,
                paper.lines,
                bytes(paper.raw),
                paper.qr_data,
                paper.truncated,
                tuple(paper.barcodes),
            )
        )

    def _skip(self, chunk: bytes) -> None:
        self.unknown.append(bytes(chunk))
        del self.unknown[:-100]

    def _unknown(self, cmd: bytes) -> int:
        """Skip an unknown command; a control byte after the prefix starts the next command."""
        if cmd[1] < 0x20:
            self._skip(cmd[:1])
            return 1
        self._skip(cmd)
        return 2
