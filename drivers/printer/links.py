"""Byte links to a receipt printer: serial, TCP 9100, USB and file, each with bounded reads.

python-escpos opens each device and writes the bytes (`Serial`, `Network`, `Usb`, `File`);
reads are ours, because escpos' own `_read()`/`query_status()` block for the whole device
timeout (or forever on a socket) and cannot tell "no answer" from "garbage". Every `read` here
returns b"" once its deadline passes, so a dead printer costs the kiosk a bounded wait.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
from typing import Any, Protocol

import serial
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial

from drivers.printer.errors import PrinterNoStatusError, PrinterOfflineError


class PrinterLink(Protocol):
    """A two-way (or write-only) byte pipe to the printer."""

    name: str
    bidirectional: bool  # False: the printer cannot be asked anything; nothing is confirmed
    baudrate: int | None  # wire speed when it is a serial line, for transfer-time budgets

    def open(self) -> None: ...

    def close(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Whatever arrived within timeout seconds (b"" when nothing did)."""
        ...

    def discard_input(self) -> None: ...


class SerialLink:
    """RS-232 (or a pty for the emulator) through escpos.printer.Serial."""

    bidirectional = True

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.name = port
        self.baudrate: int | None = baudrate
        self._escpos: Serial | None = None

    def open(self) -> None:
        if self._escpos is not None:
            return
        printer = Serial(devfile=self.name, baudrate=self.baudrate, timeout=0.1, dsrdtr=False)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            raise PrinterOfflineError(f"cannot open printer port {self.name}: {exc}") from exc
        self._escpos = printer

    def _port(self) -> serial.Serial:
        self.open()
        assert self._escpos is not None
        device = self._escpos.device
        if not isinstance(device, serial.Serial):
            raise PrinterOfflineError(f"printer port {self.name} is not open")
        return device

    def write(self, data: bytes) -> None:
        port = self._port()
        try:
            port.write(data)
            port.flush()
        except (OSError, serial.SerialException) as exc:
            self.close()
            raise PrinterOfflineError(f"write to {self.name} failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        port = self._port()
        port.timeout = max(timeout, 0.0)
        try:
            return port.read(1)
        except (OSError, serial.SerialException) as exc:
            self.close()
            raise PrinterOfflineError(f"read from {self.name} failed: {exc}") from exc

    def discard_input(self) -> None:
        with contextlib.suppress(OSError, serial.SerialException):
            self._port().reset_input_buffer()

    def close(self) -> None:
        printer, self._escpos = self._escpos, None
        device = printer.device if printer is not None else None
        if isinstance(device, serial.Serial):
            with contextlib.suppress(OSError, serial.SerialException):
                device.close()  # a port that vanished is not an error worth reporting
        if printer is not None:
            printer.device = False


class NetworkLink:
    """A printer on TCP port 9100 via escpos.printer.Network; the socket is read with a deadline."""

    bidirectional = True
    baudrate = None

    def __init__(self, host: str, port: int = 9100, connect_timeout: float = 2.0) -> None:
        self.name = f"{host}:{port}"
        self._host, self._port_no, self._connect_timeout = host, port, connect_timeout
        self._escpos: Network | None = None

    def open(self) -> None:
        if self._escpos is not None:
            return
        printer = Network(self._host, self._port_no, timeout=self._connect_timeout)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            raise PrinterOfflineError(f"cannot connect to printer {self.name}: {exc}") from exc
        self._escpos = printer

    def _sock(self) -> socket.socket:
        self.open()
        assert self._escpos is not None
        sock = self._escpos.device
        if not isinstance(sock, socket.socket):
            raise PrinterOfflineError(f"printer {self.name} is not connected")
        return sock

    def write(self, data: bytes) -> None:
        try:
            self._sock().sendall(data)
        except OSError as exc:
            self.close()
            raise PrinterOfflineError(f"send to {self.name} failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        sock = self._sock()
        try:
            ready, _, _ = select.select([sock], [], [], max(timeout, 0.0))
            if not ready:
                return b""
            data = sock.recv(64)
        except OSError as exc:
            self.close()
            raise PrinterOfflineError(f"receive from {self.name} failed: {exc}") from exc
        if not data:  # the printer closed the connection
            self.close()
            raise PrinterOfflineError(f"printer {self.name} closed the connection")
        return data

    def discard_input(self) -> None:
        with contextlib.suppress(PrinterOfflineError):
            while self.read(0):
                pass

    def close(self) -> None:
        printer, self._escpos = self._escpos, None
        sock = printer.device if printer is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.close()


class UsbLink:
    """A USB printer class device through escpos.printer.Usb (needs pyusb and libusb).

    The IN endpoint is read with pyusb's own millisecond timeout; escpos' `_read()` has none.
    """

    bidirectional = True
    baudrate = None

    def __init__(self, vendor_id: int, product_id: int, *, in_ep: int = 0x82, out_ep: int = 0x01):
        self.name = f"usb {vendor_id:04x}:{product_id:04x}"
        self._ids = (vendor_id, product_id)
        self._eps = (in_ep, out_ep)
        self._escpos: Any = None

    def open(self) -> None:
        if self._escpos is not None:
            return
        try:
            from escpos.printer import Usb
        except ImportError as exc:  # escpos without its [usb] extra
            raise PrinterOfflineError(f"USB printers need pyusb: {exc}") from exc
        try:
            # escpos raises RuntimeError from the constructor when pyusb is missing
            printer = Usb(self._ids[0], self._ids[1], in_ep=self._eps[0], out_ep=self._eps[1])
            printer.open()
        except (DeviceNotFoundError, OSError, ImportError, RuntimeError) as exc:
            raise PrinterOfflineError(f"cannot open {self.name}: {exc}") from exc
        if not printer.device:
            raise PrinterOfflineError(f"cannot open {self.name}: no such device")
        self._escpos = printer

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self._escpos._raw(data)
        except OSError as exc:  # usb.core.USBError is an IOError
            self.close()
            raise PrinterOfflineError(f"write to {self.name} failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        self.open()
        ms = max(int(timeout * 1000), 1)
        try:
            return bytes(self._escpos.device.read(self._eps[0], 64, ms))
        except OSError as exc:
            if "timed out" in str(exc).lower() or getattr(exc, "errno", None) == 110:
                return b""
            self.close()
            raise PrinterOfflineError(f"read from {self.name} failed: {exc}") from exc

    def discard_input(self) -> None:
        with contextlib.suppress(PrinterOfflineError):
            while self.read(0.01):
                pass

    def close(self) -> None:
        printer, self._escpos = self._escpos, None
        if printer is not None:
            with contextlib.suppress(OSError):
                printer.close()


class FileLink:
    """A device node or plain file. `readback` = the node answers (e.g. /dev/usb/lp0, a pty).

    Without readback this is a spool/capture sink: bytes are written but nothing can be
    confirmed, so status reads raise PrinterNoStatusError and no job is ever reported printed.
    """

    baudrate = None

    def __init__(self, path: str, *, readback: bool = False) -> None:
        self.name = path
        self.bidirectional = readback
        self._escpos: File | None = None
        self._fd: int | None = None

    def open(self) -> None:
        if self._escpos is not None or self._fd is not None:
            return
        if self.bidirectional:
            try:
                self._fd = os.open(self.name, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            except OSError as exc:
                raise PrinterOfflineError(f"cannot open {self.name}: {exc}") from exc
            return
        printer = File(self.name)
        try:
            printer.open()
        except (DeviceNotFoundError, OSError) as exc:
            raise PrinterOfflineError(f"cannot open {self.name}: {exc}") from exc
        self._escpos = printer

    def write(self, data: bytes) -> None:
        self.open()
        try:
            if self._fd is not None:
                view = memoryview(data)
                while view:
                    select.select([], [self._fd], [], 1.0)
                    try:
                        view = view[os.write(self._fd, view) :]
                    except BlockingIOError:
                        continue
            else:
                assert self._escpos is not None
                self._escpos._raw(data)
                self._escpos.flush()
        except OSError as exc:
            self.close()
            raise PrinterOfflineError(f"write to {self.name} failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        if not self.bidirectional:
            raise PrinterNoStatusError(f"{self.name} is write-only: the printer cannot answer")
        self.open()
        assert self._fd is not None
        try:
            ready, _, _ = select.select([self._fd], [], [], max(timeout, 0.0))
            return os.read(self._fd, 64) if ready else b""
        except BlockingIOError:
            return b""
        except OSError as exc:
            self.close()
            raise PrinterOfflineError(f"read from {self.name} failed: {exc}") from exc

    def discard_input(self) -> None:
        if self.bidirectional:
            with contextlib.suppress(PrinterOfflineError):
                while self.read(0):
                    pass

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        printer, self._escpos = self._escpos, None
        if printer is not None:
            with contextlib.suppress(OSError):
                printer.close()
