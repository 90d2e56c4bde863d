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

from drivers.printer.emulator_render import (
    Cell,
    FeedRow,
    ImageRow,
    Paper,
    TextRow,
    qr_to_image,
    raster_to_image,
    render_png,
)
from drivers.transport.pty_pair import PtyPair

log = logging.getLogger(__name__)

PAPER_STATES = ("ready", "near_end", "out", "cover_open", "cutter_error", "offline")
# DLE EOT 1..4 answers per state; 0x12 is the fixed-bit pattern every status byte carries.
_STATUS = {
    "ready": (0x12, 0x12, 0x12, 0x12),
    "near_end": (0x12, 0x12, 0x12, 0x1E),
    "out": (0x1A, 0x32, 0x12, 0x7E),
    "cover_open": (0x1A, 0x16, 0x12, 0x12),
    "cutter_error": (0x1A, 0x52, 0x1A, 0x12),
}
_CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 19: "cp858"}
_ESC_ONE_ARG = set(b"!-EGJMRTUVacdrt{ 3=")  # ESC x n
_GS_ONE_ARG = set(b"!BHLWabfhwr")


@dataclass(frozen=True)
class RenderedReceipt:
    png_path: Path
    lines: list[str]
    raw: bytes
    qr_data: list[str]
    truncated: bool = False


class _Incomplete(Exception):
    """The command at the head of the buffer needs more bytes."""


class PrinterEmulator:
    """One emulated printer; `receipts` grows by one each time the app cuts the paper."""

    def __init__(self, out_dir: Path, *, width_dots: int = 576, columns: int = 48) -> None:
        self.out_dir = Path(out_dir)
        self.width_dots = width_dots
        self.columns = columns
        self.out_after_lines: int | None = None
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
                except _Incomplete:
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

    def _add_row(self, row: TextRow | ImageRow | FeedRow) -> None:
        if not self._can_print():
            return
        self._paper.rows.append(row)
        if isinstance(row, TextRow) and self.out_after_lines is not None:
            self.out_after_lines -= 1
            if self.out_after_lines <= 0:
                self._paper_state, self.out_after_lines = "out", None

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
            RenderedReceipt(path, paper.lines, bytes(paper.raw), paper.qr_data, paper.truncated)
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

    # -- the parser -------------------------------------------------------------------------
    def _need(self, n: int) -> bytes:
        if len(self._buf) < n:
            raise _Incomplete
        return bytes(self._buf[:n])

    def _command(self, answers: bytearray) -> int:
        """Execute the command at the head of the buffer; returns how many bytes it used."""
        b = self._buf[0]
        if b == 0x0A:
            self._print_line()
            return 1
        if b == 0x1B:
            return self._esc()
        if b == 0x1D:
            return self._gs()
        if b == 0x1C:
            cmd = self._need(2)
            if cmd[1] in (0x26, 0x2E):
                self._chinese = cmd[1] == 0x26
                return 2
            if cmd[1] in b"!C-W":
                return len(self._need(3))
            return self._unknown(cmd)
        if b == 0x10:
            cmd = self._need(2)
            if cmd[1] == 0x04:
                n = self._need(3)[2]
                if 1 <= n <= 4:
                    answers.append(_STATUS[self._paper_state][n - 1])
                else:
                    self._skip(self._buf[:3])
                return 3
            return self._unknown(cmd)
        if b < 0x20 or b == 0x7F:
            if b not in (0x0D, 0x00):
                self._skip(self._buf[:1])
            return 1
        return self._text_char()

    def _text_char(self) -> int:
        b = self._buf[0]
        if b < 0x80:
            self._put_char(chr(b), False)
            return 1
        if not self._chinese:
            self._put_char(bytes([b]).decode(self._codepage, errors="replace"), False)
            return 1
        if not 0x81 <= b <= 0xFE:
            self._skip(self._buf[:1])
            return 1
        second = self._need(2)[1]
        size = 4 if 0x30 <= second <= 0x39 else 2
        try:
            ch = self._need(size).decode("gb18030")
        except UnicodeDecodeError:
            self._skip(self._buf[:1])
            return 1
        self._put_char(ch, True)
        return size

    def _esc(self) -> int:
        cmd = self._need(2)[1]
        if cmd == 0x40:  # ESC @
            self._line = []
            self._reset_modes()
            return 2
        if cmd in b"2<S":  # default line spacing, return home, standard mode: no argument
            return 2
        if cmd == ord("*"):  # bit image: m nL nH data
            m, nl, nh = self._need(5)[2:5]
            length = (nl + nh * 256) * (3 if m in (32, 33) else 1)
            self._skip(self._need(5 + length)[:5])
            return 5 + length
        if cmd == ord("p"):
            return len(self._need(5))
        if cmd == ord("B"):
            return len(self._need(4))
        if cmd in _ESC_ONE_ARG:
            n = self._need(3)[2]
            if cmd == ord("a"):
                self._align = n % 48 if n % 48 <= 2 else 0
            elif cmd == ord("E"):
                self._bold = bool(n & 1)
            elif cmd == ord("!"):
                self._bold = bool(n & 0x08)
                self._ws, self._hs = (2 if n & 0x20 else 1), (2 if n & 0x10 else 1)
            elif cmd == ord("t"):
                self._codepage = _CODEPAGES.get(n, "cp437")
            elif cmd == ord("d"):
                self._print_line(blank_if_empty=False)
                self._add_row(FeedRow(n))
            return 3
        return self._unknown(self._need(2))

    def _gs(self) -> int:
        cmd = self._need(2)[1]
        if cmd == ord("V"):
            m = self._need(3)[2]
            size = 4 if m in (65, 66, 97, 98, 103, 104) else 3
            self._need(size)
            if size == 4:
                self._add_row(FeedRow(max(self._buf[3] // 30, 0)))
            self._cut()
            return size
        if cmd == ord("("):
            head = self._need(5)
            size = 5 + head[3] + head[4] * 256
            body = self._need(size)
            if head[2] == ord("k"):
                self._qr(body[5:])
            else:
                self._skip(body[:5])
            return size
        if cmd == ord("v"):
            head = self._need(8)
            xb, y = head[4] + head[5] * 256, head[6] + head[7] * 256
            data = self._need(8 + xb * y)[8:]
            m = head[3] % 48
            if not self._can_print():
                return 8 + xb * y
            self._print_line(blank_if_empty=False)
            image = raster_to_image(data, xb, y, 1 + (m & 1), 1 + (m >> 1 & 1))
            self._add_row(ImageRow(image, self._align))
            return 8 + xb * y
        if cmd == ord("k"):
            m = self._need(3)[2]
            if m <= 6:
                end = self._buf.find(b"\x00", 3)
                if end < 0:
                    raise _Incomplete
                return end + 1
            return len(self._need(4 + self._need(4)[3]))
        if cmd in _GS_ONE_ARG:
            n = self._need(3)[2]
            if cmd == ord("!"):
                self._ws, self._hs = (n >> 4 & 7) + 1, (n & 7) + 1
            elif cmd == ord("L") or cmd == ord("W"):
                return len(self._need(4))
            return 3
        return self._unknown(self._need(2))

    def _qr(self, params: bytes) -> None:
        """GS ( k with cn = '1' (QR): model, module size, EC level, store, print."""
        if len(params) < 2 or params[0] != ord("1"):
            self._skip(b"\x1d(k" + params[:2])
            return
        fn, args = params[1], params[2:]
        if fn == 67 and args:
            self._qr_module = args[0]
        elif fn == 69 and args:
            self._qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(args[0], "L")
        elif fn == 80:
            self._qr_store = args[1:].decode("utf-8", errors="replace")
        elif fn == 81 and self._qr_store and self._can_print():
            self._print_line(blank_if_empty=False)
            image = qr_to_image(self._qr_store, self._qr_module, self._qr_ec)
            self._add_row(ImageRow(image, self._align))
            self._paper.qr_data.append(self._qr_store)
