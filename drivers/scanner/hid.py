"""HidScanner: a USB barcode scanner in its default keyboard mode (a "keyboard wedge").

Such a scanner is a keyboard to the kernel: it types the code and presses Enter. Read through the
window it would type into whatever has focus, so the kiosk reads it from its own input device
(`/dev/input/by-id/...-event-kbd`) with python-evdev and grabs it (EVIOCGRAB): its keystrokes
reach only this driver. Key codes become text with a US layout (Shift gives capitals and the
upper symbols; Caps Lock is ignored: bill codes are read in either case); Enter ends a code. The
text then goes through the same line reader as the serial ASCII mode, so garbage (a key with no
character) and overlong input are refused the same way.

python-evdev is imported when the I/O thread starts, not at import: it is a C extension built
against the kernel headers, and a kiosk without a HID scanner must not need it. Without it the
scanner reports Offline with SCANNER_BACKEND_MISSING.
"""

from __future__ import annotations

import importlib
import logging
import select
import threading
from typing import Any

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.scanner.base import (
    MAX_CODE_LENGTH,
    CodeScanned,
    ScanFailed,
    ScannerBackendMissing,
    ScannerCapabilities,
    ScannerSelfTest,
    ScannerStateChanged,
    ScannerUnavailable,
    self_test_from,
)
from drivers.scanner.framing import Line, LineReader, Rejected, Token

log = logging.getLogger("drivers.scanner.hid")

EV_KEY = 0x01
KEY_UP, KEY_DOWN = 0, 1  # 2 = autorepeat: a scanner never holds a key
KEY_ENTER, KEY_KPENTER = 28, 96
SHIFTS = frozenset({42, 54})  # KEY_LEFTSHIFT, KEY_RIGHTSHIFT
MODIFIERS = frozenset({29, 97, 56, 100, 58, 125, 126})  # ctrl, alt, caps lock, meta
NO_CHARACTER = 0x01  # a key that types nothing printable: makes the line garbage

# Linux key codes (input-event-codes.h, a stable ABI) -> (plain, shifted) on a US layout.
_ROWS = {
    2: "1!", 3: "2@", 4: "3#", 5: "4$", 6: "5%", 7: "6^", 8: "7&", 9: "8*", 10: "9(", 11: "0)",
    12: "-_", 13: "=+", 16: "qQ", 17: "wW", 18: "eE", 19: "rR", 20: "tT", 21: "yY", 22: "uU",
    23: "iI", 24: "oO", 25: "pP", 26: "[{", 27: "]}", 30: "aA", 31: "sS", 32: "dD", 33: "fF",
    34: "gG", 35: "hH", 36: "jJ", 37: "kK", 38: "lL", 39: ";:", 40: "'\"", 41: "`~", 43: "\\|",
    44: "zZ", 45: "xX", 46: "cC", 47: "vV", 48: "bB", 49: "nN", 50: "mM", 51: ",<", 52: ".>",
    53: "/?", 57: "  ", 55: "**", 71: "77", 72: "88", 73: "99", 74: "--", 75: "44", 76: "55",
    77: "66", 78: "++", 79: "11", 80: "22", 81: "33", 82: "00", 83: "..", 98: "//",
}  # fmt: skip
KEYMAP: dict[int, tuple[str, str]] = {code: (pair[0], pair[1]) for code, pair in _ROWS.items()}


class KeyDecoder:
    """Key events -> tokens, through the ASCII-mode line reader (Enter is the suffix)."""

    def __init__(self, max_length: int = MAX_CODE_LENGTH) -> None:
        self.lines = LineReader(max_length)
        self._shift: set[int] = set()

    def feed(self, kind: int, code: int, value: int) -> list[Token]:
        if kind != EV_KEY:
            return []
        if code in SHIFTS:
            (self._shift.add if value != KEY_UP else self._shift.discard)(code)
            return []
        if value != KEY_DOWN or code in MODIFIERS:
            return []
        if code in (KEY_ENTER, KEY_KPENTER):
            return self.lines.feed(b"\r")
        chars = KEYMAP.get(code)
        if chars is None:
            return self.lines.feed(bytes([NO_CHARACTER]))
        return self.lines.feed(chars[1 if self._shift else 0].encode("ascii"))

    def reset(self) -> None:
        self._shift.clear()
        self.lines.reset()


def load_evdev() -> Any:
    """python-evdev, or ScannerBackendMissing (a typed error, never an ImportError)."""
    try:
        return importlib.import_module("evdev")
    except ImportError as exc:
        raise ScannerBackendMissing("python-evdev is not installed") from exc


class HidScanner:
    def __init__(
        self,
        device_id: str,
        path: str,
        on_event: EventSink,
        *,
        grab: bool = True,
        max_length: int = MAX_CODE_LENGTH,
        retry_s: float = 1.0,
    ) -> None:
        self.device_id, self.path, self._on_event = device_id, path, on_event
        self._grab, self._retry_s = grab, retry_s
        self.capabilities = ScannerCapabilities("hid", "keyboard", False, max_length)
        self._decoder = KeyDecoder(max_length)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._device: Any = None
        self._state, self._detail = DeviceState.OFFLINE, "not started"
        self.counters = {"scans": 0, "scans_failed": 0, "device_lost": 0}

    def open(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.device_id}")
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    start, stop = open, close

    def status(self) -> DeviceHealth:
        return self.health()

    def health(self) -> DeviceHealth:
        return DeviceHealth(self.device_id, self._state, self._detail, {}, dict(self.counters))

    def self_test(self) -> ScannerSelfTest:
        return self_test_from(self.health())

    # --- I/O thread ---

    def _run(self) -> None:
        try:
            evdev = load_evdev()
        except ScannerBackendMissing as exc:
            log.error("%s: %s", self.device_id, exc)
            self._set_state(DeviceState.OFFLINE, exc.code)
            return
        while not self._stop.is_set():
            try:
                self._open_device(evdev)
                self._read_until_stopped()
            except ScannerUnavailable as exc:
                self._set_state(DeviceState.OFFLINE, str(exc.args[0]))
                self._stop.wait(self._retry_s)
            except OSError as exc:  # ENODEV: unplugged while open
                log.warning("%s: device lost: %s", self.device_id, exc.strerror)
                self.counters["device_lost"] += 1
                self._set_state(DeviceState.OFFLINE, "input device lost")
            finally:
                self._close_device()

    def _open_device(self, evdev: Any) -> None:
        try:
            self._device = evdev.InputDevice(self.path)
            if self._grab:
                self._device.grab()  # its keys reach this driver only, never the window
        except OSError as exc:
            raise ScannerUnavailable(f"cannot open {self.path}: {exc.errno}") from exc
        self._decoder.reset()
        self._set_state(DeviceState.ONLINE, "")

    def _read_until_stopped(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._device.fd], [], [], 0.1)
            if not ready:
                continue
            for event in self._device.read():
                for token in self._decoder.feed(event.type, event.code, event.value):
                    self._token(token)

    def _token(self, token: Token) -> None:
        if isinstance(token, Line):
            self.counters["scans"] += 1
            self._on_event(CodeScanned(self.device_id, token.text))
        elif isinstance(token, Rejected):
            self.counters["scans_failed"] += 1
            self._on_event(ScanFailed(self.device_id, token.code))

    def _close_device(self) -> None:
        if self._device is not None:
            try:
                self._device.close()
            except OSError as exc:
                log.debug("%s: close: %s", self.device_id, exc)
            self._device = None

    def _set_state(self, state: DeviceState, detail: str) -> None:
        if (state, detail) == (self._state, self._detail):
            return
        self._state, self._detail = state, detail
        log.info("%s: %s %s", self.device_id, state.value, detail)
        self._on_event(ScannerStateChanged(self.device_id, state, detail))
