"""The barcode scanner contract the kiosk programs against, its events and its typed errors.

Every backend (serial in ASCII or framed mode, HID keyboard wedge, the emulator behind the serial
driver) keeps the same few primitives: `open()` starts its one I/O thread, `close()` stops it and
releases the device, `status()` is the health the last I/O showed, `self_test()` says whether a
technician can expect a scan to arrive, and `capabilities` is a frozen dataclass screens and
wiring read instead of asking which backend they hold. Results travel as events on the bus,
published from the I/O thread: a scan, a scan that could not be delivered, a state change.
Nothing a scanner sends can stop the thread or reach the kiosk as an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from drivers.base import DeviceHealth, DeviceState
from kiosk.errors import DeviceError

MAX_CODE_LENGTH = 512  # far beyond any bill code (72); a line longer than this is not a scan


@dataclass(frozen=True)
class ScannerCapabilities:
    backend: str  # serial | hid | emulated
    mode: str  # ascii | framed | keyboard
    acknowledged: bool  # the link confirms each code (framed ACK/NAK)
    max_length: int = MAX_CODE_LENGTH


@dataclass(frozen=True)
class CodeScanned:
    """One code as the scanner decoded it, suffix and framing removed. It may be anything a
    barcode holds: the journey parses it (kiosk/money/bill_code.py). Never logged."""

    device_id: str
    text: str

    def __repr__(self) -> str:
        return f"CodeScanned(device_id={self.device_id!r}, length={len(self.text)})"


@dataclass(frozen=True)
class ScanFailed:
    """Something arrived that is not a deliverable code (garbage, overlong, a frame damaged
    beyond resending); `code` is a ScannerError code. A customer scanning is told to try again."""

    device_id: str
    code: str


@dataclass(frozen=True)
class ScannerStateChanged:
    """Online when the scanner's port/device is open and readable, Offline (with why) else."""

    device_id: str
    state: DeviceState
    detail: str = ""


@dataclass(frozen=True)
class ScannerSelfTest:
    passed: bool
    code: str  # "" when passed, else a ScannerError code or a state
    detail: str = ""


class ScannerError(DeviceError):
    code = "SCANNER_ERROR"


class ScannerUnavailable(ScannerError):
    """The port or input device cannot be opened, or it went away (unplugged)."""

    code = "SCANNER_UNAVAILABLE"


class ScannerBackendMissing(ScannerError):
    """The backend's library is not installed (python-evdev for `hid`)."""

    code = "SCANNER_BACKEND_MISSING"


class ScannerGarbage(ScannerError):
    """A line with control characters or bytes outside ASCII: line noise, a wrong baud rate."""

    code = "SCANNER_GARBAGE"


class ScannerInputOverlong(ScannerError):
    """More than max_length characters without a suffix: not a code the kiosk could use."""

    code = "SCANNER_INPUT_OVERLONG"


class ScannerFrameInvalid(ScannerError):
    """A framed-mode frame whose LRC is wrong or that is cut short (NAKed, then dropped)."""

    code = "SCANNER_FRAME_INVALID"


class Scanner(Protocol):
    device_id: str
    capabilities: ScannerCapabilities

    def open(self) -> None:
        """Starts the I/O thread; a device that is not there yet makes it Offline, not raise."""
        ...

    def close(self) -> None: ...

    def status(self) -> DeviceHealth: ...

    def health(self) -> DeviceHealth: ...

    def self_test(self) -> ScannerSelfTest: ...


def self_test_from(health: DeviceHealth) -> ScannerSelfTest:
    """A scanner sends only when a code is shown to it, so the automatic test can check the
    link is up; the technician's scan of a test code is the interactive half."""
    if health.state is DeviceState.ONLINE:
        return ScannerSelfTest(True, "", health.detail)
    return ScannerSelfTest(False, f"SCANNER_{health.state.value.upper()}", health.detail)
