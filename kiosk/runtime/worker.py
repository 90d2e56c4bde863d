"""A single background thread that runs submitted jobs in order.

Slow or blocking work (printing, network look-ups) goes here so the journey thread never waits.
The thread is started and stopped explicitly by the composition root, never by a constructor.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from kiosk.runtime.liveness import Heartbeat

log = logging.getLogger(__name__)

_STOP = object()


class Worker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.heartbeat: Heartbeat | None = None  # the watchdog's evidence (runtime/liveness.py)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name)
            self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._jobs.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while True:
            if self.heartbeat is not None:
                self.heartbeat.waiting()  # an empty queue is not a stall
            job = self._jobs.get()
            if job is _STOP:
                return
            if self.heartbeat is not None:
                self.heartbeat.beat()  # a job that never returns stops the watchdog's pings
            try:
                job()  # type: ignore[operator]
            except Exception:  # one failed job must not kill the device thread
                log.exception("worker %s: job failed", self.name)
