"""Which threads of the running kiosk are alive and making progress: the watchdog's evidence.

systemd restarts the kiosk when the WATCHDOG=1 pings stop. Pinging from a timer would only prove
that the timer runs, so the pinger asks this registry first, and pings only while every member is
fresh:

- a `Heartbeat` that its own thread beats: the UI/journey loop beats on every pump; a worker beats
  when it takes a job and says `waiting()` when it blocks on an empty queue (waiting for work is
  alive; a job that holds the thread longer than `max_silence_s` is a stall);
- a watched `threading.Thread` (device I/O loops owned by drivers that do not beat): fresh while
  it, or a thread of the same name (a reopened device), is alive — a device loop that died stops
  the pings too.

All time comes from the injected clock's monotonic seconds, so tests drive it with a FakeClock.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.clock import Clock


@dataclass(frozen=True)
class Stall:
    """One member that is not fresh, and why (for STATUS= and the technician alert)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


class Heartbeat:
    """Beaten by one thread, read by the pinger; thread-safe and cheap (a lock and a float)."""

    def __init__(self, name: str, clock: Clock, max_silence_s: float) -> None:
        self.name = name
        self.max_silence_s = max_silence_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last = clock.monotonic()
        self._waiting = False

    def beat(self) -> None:
        """Progress: the loop went round, or a job was taken (its run time counts from now)."""
        with self._lock:
            self._last = self._clock.monotonic()
            self._waiting = False

    def waiting(self) -> None:
        """About to block for work that may not come for hours: alive, whatever the time."""
        with self._lock:
            self._last = self._clock.monotonic()
            self._waiting = True

    def stall(self, now: float) -> Stall | None:
        with self._lock:
            if self._waiting:
                return None
            silent = now - self._last
        if silent > self.max_silence_s:
            return Stall(self.name, f"no progress for {silent:.0f} s")
        return None


class LivenessRegistry:
    """Every member the watchdog depends on; `stalls()` is empty while all of them are fresh."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._beats: dict[str, Heartbeat] = {}
        self._threads: dict[str, threading.Thread] = {}

    def heartbeat(self, name: str, max_silence_s: float) -> Heartbeat:
        """A new member (or the existing one of that name: a restarted worker keeps its slot)."""
        with self._lock:
            beat = self._beats.get(name)
            if beat is None:
                beat = self._beats[name] = Heartbeat(name, self._clock, max_silence_s)
            return beat

    def watch_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._threads[thread.name] = thread

    def watch_threads(self, threads: Iterable[threading.Thread], *, only: Iterable[str]) -> None:
        """Watches the running threads whose names match one of the `only` patterns (fnmatch) —
        called once the devices are open, so every device I/O loop running then is watched.
        Named patterns, not every thread: a short-lived helper (a reader's wake-up thread, a
        library's pool) that ends on purpose must not read as a dead device loop."""
        patterns = list(only)
        current = threading.current_thread()
        for thread in threads:
            if thread is current or not thread.is_alive() or thread.name in self._beats:
                continue
            if any(fnmatch.fnmatchcase(thread.name, p) for p in patterns):
                self.watch_thread(thread)

    def forget(self, name: str) -> None:
        with self._lock:
            self._beats.pop(name, None)
            self._threads.pop(name, None)

    @property
    def names(self) -> list[str]:
        with self._lock:
            return sorted({*self._beats, *self._threads})

    def stalls(self) -> list[Stall]:
        now = self._clock.monotonic()
        with self._lock:
            beats = list(self._beats.values())
            threads = list(self._threads.values())
        found = [stall for beat in beats if (stall := beat.stall(now)) is not None]
        ended = [t.name for t in threads if not t.is_alive()]
        if ended:  # a device reopened by a technician runs a new thread under the same name
            running = {t.name for t in threading.enumerate() if t.is_alive()}
            found += [Stall(name, "thread ended") for name in ended if name not in running]
        return found
