"""The reference core in its own process for the kill-at-step test, so it can be SIGKILLed too.

    CORE_KIOSK_TOKENS=kiosk:token KILL_STEP_FD=.. KILL_GO_FD=.. \\
        python -m bench.queue_kill_core DB_URL

The real `CoreServer` over the real `Store` (request log on: core_system/request_log.py), on a
free loopback port it announces as "ready <url>". Each item the store answers for is announced
after its transaction committed and before the reply is written:

  booked     a txn_id booked as new (committed with its request-log row)
  duplicate  a re-sent txn_id recognised from the store (and logged as such)

Killed at "booked", the core dies holding a payment the kiosk never heard about; restarted on
the same database, it must answer the re-send `duplicate` from what its store holds.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from bench.kill_steps import Announcer
from core_system.cli import parse_tokens
from core_system.server import CoreServer
from core_system.store import Store, TxnResult
from core_system.validation import ValidTxn

# The store may answer a whole batch in one transaction (record_batch, with record() a batch of
# one) or item by item; the announcement follows whichever commits.
_BATCHED = hasattr(Store, "record_batch")


class AnnouncingStore(Store):
    """The real store; committed answers are announced before the server replies with them."""

    def __init__(self, url: str, announcer: Announcer) -> None:
        super().__init__(url, request_log=True)
        self._announcer = announcer

    def record(self, txn: ValidTxn, received_at: datetime) -> TxnResult:
        result = super().record(txn, received_at)
        if not _BATCHED:  # otherwise record_batch below has announced it
            self._announce(txn, result)
        return result

    def record_batch(self, txns: Sequence[ValidTxn], received_at: datetime) -> list[TxnResult]:
        results: list[TxnResult] = super().record_batch(txns, received_at)  # type: ignore[misc]
        for txn, result in zip(txns, results, strict=True):
            self._announce(txn, result)
        return results

    def _announce(self, txn: ValidTxn, result: TxnResult) -> None:
        if result.status == "accepted":
            self._announcer.announce("booked", txn.txn_id)
        elif result.status == "duplicate":
            self._announcer.announce("duplicate", txn.txn_id)


def main(db_url: str, store_class: type[AnnouncingStore] = AnnouncingStore) -> int:
    """Serves until SIGTERM (or, in the kill test, SIGKILL). `store_class`: a test swaps in a
    faulty store to check that the kill test catches it."""
    announcer = Announcer.from_env()
    store = store_class(db_url, announcer)
    store.create_schema()
    server = CoreServer(store, kiosk_tokens=parse_tokens(os.environ["CORE_KIOSK_TOKENS"]))

    stopping = threading.Event()

    def stop(_signo: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    url = server.start()
    announcer.say(f"ready {url}")
    while not stopping.wait(0.5):
        continue
    server.stop()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
