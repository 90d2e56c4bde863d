"""The background workers a running kiosk owns, started and stopped together."""

from __future__ import annotations

from kiosk.runtime.liveness import LivenessRegistry
from kiosk.runtime.worker import Worker


class Workers:
    def __init__(self) -> None:
        self.printer = Worker("printer-io")
        self.network = Worker("core-lookups")

    def watch(self, liveness: LivenessRegistry, max_busy_s: float) -> None:
        """Each worker beats a heartbeat of its own name: a job hung longer than `max_busy_s`
        (a printer that never answers) stops the watchdog, and systemd restarts the kiosk."""
        for worker in (self.printer, self.network):
            worker.heartbeat = liveness.heartbeat(worker.name, max_busy_s)

    def start(self) -> None:
        self.printer.start()
        self.network.start()

    def stop(self) -> None:
        self.network.stop()
        self.printer.stop()
