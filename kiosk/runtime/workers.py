"""The background workers a running kiosk owns, started and stopped together."""

from __future__ import annotations

from kiosk.runtime.worker import Worker


class Workers:
    def __init__(self) -> None:
        self.printer = Worker("printer-io")
        self.network = Worker("core-lookups")

    def start(self) -> None:
        self.printer.start()
        self.network.start()

    def stop(self) -> None:
        self.network.stop()
        self.printer.stop()
