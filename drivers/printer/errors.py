"""Typed printer errors with stable codes (kept apart so links and the driver share them)."""

from __future__ import annotations

from kiosk.errors import DeviceError


class PrinterError(DeviceError):
    code = "PRINTER_ERROR"


class PrinterOfflineError(PrinterError):
    """The printer did not answer, or its port could not be opened or written."""

    code = "PRINTER_OFFLINE"


class PrinterStatusError(PrinterError):
    """The printer answered something that is not an ESC/POS status byte (wrong baud, noise)."""

    code = "PRINTER_BAD_STATUS"


class PrinterNoStatusError(PrinterError):
    """The link is write-only (a spool file): the printer's state cannot be known."""

    code = "PRINTER_NO_STATUS"
