"""The ESC/POS parser half of the printer emulator: one command at the head of the buffer.

A mixin over PrinterEmulator's state (buffer, paper, modes): each method consumes one complete
command and returns its length, or raises Incomplete so the bytes wait for the next read.
"""

from __future__ import annotations

from drivers.printer.emulator_render import (
    FeedRow,
    ImageRow,
    barcode_placeholder,
    qr_to_image,
    raster_to_image,
)

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


class Incomplete(Exception):
    """The command at the head of the buffer needs more bytes."""


class EscPosParser:
    """Parser methods; the state they read and write lives in PrinterEmulator."""

    def _need(self, n: int) -> bytes:
        if len(self._buf) < n:
            raise Incomplete
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
            return self._gs(answers)
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
            if cmd[1] == 0x14:
                return self._dle_dc4()
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

    def _dle_dc4(self) -> int:
        """DLE DC4 fn: real-time pulse (fn 1), power off (2), clear buffers (8)."""
        fn = self._need(3)[2]
        size = {1: 5, 2: 5, 8: 10}.get(fn)
        if size is None:
            return self._unknown(self._need(2))
        self._need(size)
        if fn == 8:
            self.buffer_clears += 1
        return size

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

    def _gs(self, answers: bytearray) -> int:
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
                    raise Incomplete
                return end + 1
            body = self._need(4 + self._need(4)[3])
            if m == 73 and self._can_print():
                data = body[4:].decode("ascii", errors="replace").removeprefix("{B")
                self._print_line(blank_if_empty=False)
                self._add_row(ImageRow(barcode_placeholder(data), self._align))
                self._paper.barcodes.append(data)
            return len(body)
        if cmd in _GS_ONE_ARG:
            n = self._need(3)[2]
            if cmd == ord("r") and n in (1, 49) and self._can_print():
                # in-order status: answered only once everything before it has printed
                answers.append(0x03 if self._paper_state == "near_end" else 0x00)
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
