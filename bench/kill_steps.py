"""Kill-at-step plumbing: a child announces each money step on a pipe; the parent kills it there.

Why: a kill after a random sleep lands wherever the child happens to be - often nowhere, when a
loaded machine has not even finished importing, or after the child is done (issue 19 #18: 1 of
15 kills landed). Here the child writes "step <n> <name> <detail>" on an inherited fd once the
step is durable, and then *waits* for the parent's go-ahead byte before its next action. The
parent either answers (the child carries on) or sends SIGKILL: the kill lands exactly at the
announced step, whatever the machine's load, and a round that asked for a kill gets one.

Child side: `Announcer.from_env()` then `announce(name, detail)`. Parent side: `StepPipe` for
each child, `wait_for(...)` over several of them.
"""

from __future__ import annotations

import os
import selectors
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

STEP_FD_ENV = "KILL_STEP_FD"
GO_FD_ENV = "KILL_GO_FD"
GO = b"g"


class Announcer:
    """The child's end. One announcement at a time per process (threads queue on a lock), so
    the process as a whole stands still at the step the parent is looking at."""

    def __init__(self, step_fd: int | None, go_fd: int | None) -> None:
        self._step_fd, self._go_fd = step_fd, go_fd
        self._lock = threading.Lock()
        self._count = 0

    @classmethod
    def from_env(cls) -> Announcer:
        """Reads the fds the parent passed; without them (run by hand) announcing is a no-op."""
        step, go = os.environ.get(STEP_FD_ENV), os.environ.get(GO_FD_ENV)
        if step is None or go is None:
            return cls(None, None)
        return cls(int(step), int(go))

    def announce(self, name: str, detail: str = "-") -> None:
        """Call AFTER the step is durable, BEFORE the next action. Blocks for the go-ahead; if
        the parent is gone (EOF), the process ends at once rather than run on unobserved."""
        if self._step_fd is None or self._go_fd is None:
            return
        with self._lock:
            self._count += 1
            os.write(self._step_fd, f"step {self._count} {name} {detail}\n".encode())
            if os.read(self._go_fd, 1) != GO:
                os._exit(75)

    def say(self, line: str) -> None:
        """A line that needs no go-ahead (e.g. "ready <url>")."""
        if self._step_fd is not None:
            with self._lock:
                os.write(self._step_fd, f"{line}\n".encode())


@dataclass(frozen=True)
class Step:
    """One announced step as the parent saw it."""

    source: str  # which child: "kiosk" or "core"
    number: int  # the child's own running count
    name: str
    detail: str


class StepPipe:
    """The parent's end for one child: the pipes to pass, the lines read back, the go-ahead."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._step_r, self.step_w = os.pipe()
        self.go_r, self._go_w = os.pipe()
        self._buffer = b""
        self._closed = False

    def child_env(self) -> dict[str, str]:
        return {STEP_FD_ENV: str(self.step_w), GO_FD_ENV: str(self.go_r)}

    @property
    def child_fds(self) -> tuple[int, int]:
        return (self.step_w, self.go_r)

    def after_spawn(self) -> None:
        """Closes the child's ends here, so the child's death reads as EOF."""
        os.close(self.step_w)
        os.close(self.go_r)

    @property
    def fileno(self) -> int:
        return self._step_r

    @property
    def closed(self) -> bool:
        return self._closed

    def read_lines(self) -> list[str]:
        """What is available now (call when the selector says readable); [] and closed on EOF."""
        data = os.read(self._step_r, 65536)
        if not data:
            self._closed = True
            return []
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        return [line.decode() for line in lines]

    def go(self) -> None:
        """Lets the child past its step; a child already dead is not an error here."""
        try:
            os.write(self._go_w, GO)
        except BrokenPipeError:
            self._closed = True

    def close(self) -> None:
        for fd in (self._step_r, self._go_w):
            try:
                os.close(fd)
            except OSError:
                continue
        self._closed = True


def parse(source: str, line: str) -> Step | None:
    """A "step <n> <name> <detail>" line as a Step; None for other lines."""
    parts = line.split(" ", 3)
    if len(parts) != 4 or parts[0] != "step":
        return None
    return Step(source, int(parts[1]), parts[2], parts[3])


def pump(
    pipes: Sequence[StepPipe],
    on_step: Callable[[Step], bool],
    *,
    on_line: Callable[[str, str], None] | None = None,
    until: Callable[[], bool] | None = None,
    deadline_s: float,
) -> str:
    """Reads announcements from every open pipe; `on_step` returns True to stop right there
    (the child is then still waiting at that step: the caller kills it) or False to let the
    child go on. Returns "stopped", "closed" (every pipe ended), "done" (`until()` came true,
    checked between reads: e.g. a process the caller waits for has exited) or "timeout" - the
    deadline is only a generous upper bound against a hung child, never what triggers a kill."""
    end = time.monotonic() + deadline_s
    with selectors.DefaultSelector() as sel:
        for pipe in pipes:
            if not pipe.closed:
                sel.register(pipe.fileno, selectors.EVENT_READ, pipe)
        while sel.get_map():
            if until is not None and until():
                return "done"
            left = end - time.monotonic()
            if left <= 0:
                return "timeout"
            for key, _ in sel.select(timeout=min(left, 0.1 if until else 1.0)):
                pipe: StepPipe = key.data
                lines = pipe.read_lines()
                if pipe.closed:
                    sel.unregister(key.fileobj)
                for line in lines:
                    step = parse(pipe.source, line)
                    if step is None:
                        if on_line is not None:
                            on_line(pipe.source, line)
                        continue
                    if on_step(step):
                        return "stopped"
                    pipe.go()
    return "done" if until is not None and until() else "closed"
