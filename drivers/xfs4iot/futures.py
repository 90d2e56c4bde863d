"""Combining the Futures of commands sent together (e.g. the reads behind a recovery query).

Commands to one service travel in parallel on its link; the caller wants one answer when they
have all completed, or the first failure in the order they were asked.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def all_of(parts: list[Future[T]]) -> Future[list[T]]:
    combined: Future[list[T]] = Future()
    remaining = [len(parts)]
    lock = threading.Lock()

    def one_done(_: Future[T]) -> None:
        with lock:
            remaining[0] -= 1
            if remaining[0]:
                return
        failed = next((f.exception() for f in parts if f.exception() is not None), None)
        if failed is not None:
            combined.set_exception(failed)
        else:
            combined.set_result([f.result() for f in parts])

    if not parts:
        combined.set_result([])
    for part in parts:
        part.add_done_callback(one_done)
    return combined
