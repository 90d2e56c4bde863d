"""Bill barcode scanner: one contract (base.py), serial (ASCII or framed) and HID backends, and
the emulator on a pty. The code's own format is kiosk/money/bill_code.py (docs/bill_barcode.md)."""
