"""The sync worker: delivers the outbox to the core in seq order, one batch at a time.

Each batch is marked in_flight (committed) before it is sent, so a crash mid-request leaves a
trace; on restart those items are re-sent and the core answers `duplicate`. Per-item results
settle items one by one (a poison item goes dead and never blocks the rest); a failure of the
whole request puts the batch back with full-jitter exponential backoff, or the core's
Retry-After. Order is kept because only the head of the queue is ever claimed and nothing new is
claimed while a batch is in flight.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.clock import Clock
from kiosk.errors import CoreError
from offline_queue.events import SyncFailed, TransactionAccepted, TransactionDead
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox, OutboxEntry

logger = logging.getLogger(__name__)

TRANSACTIONS_PATH = "/v1/transactions"


@dataclass(frozen=True)
class SyncReport:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    dead: int = 0
    error_code: str | None = None
    retry_in_s: float | None = None

    @property
    def failed(self) -> bool:
        return self.error_code is not None


class SyncWorker:
    def __init__(
        self,
        outbox: Outbox,
        http: CoreHttp,
        clock: Clock,
        on_event: Callable[[object], None],
        *,
        batch_size: int = 20,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        idle_poll_s: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self._outbox = outbox
        self._http = http
        self._clock = clock
        self._on_event = on_event
        self._batch_size = max(1, batch_size)
        self._base = backoff_base
        self._cap = backoff_cap
        self._idle_poll_s = idle_poll_s
        self._rng = rng or random.Random()
        self._lock = threading.Lock()  # one sync at a time, thread or caller
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._force = False
        self._solo_left = 0  # after a whole-batch 4xx, send one by one to isolate the culprit
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Re-queues anything a previous process left in flight, then syncs in its own thread.

        Non-daemon on purpose: the process waits for `stop()` so a batch is never cut off
        between the core's reply and the commit of its results.
        """
        if self._thread is not None:
            raise RuntimeError("sync worker already started")
        self._outbox.recover_in_flight()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-sync", daemon=False)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Asks the thread to finish its current batch and joins it; True when it ended."""
        self._stopping.set()
        self._wakeup.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def wake(self) -> None:
        """Something changed (new item, core back): try now, ignoring any backoff once."""
        self._force = True
        self._wakeup.set()

    # -- one batch -----------------------------------------------------------------------------

    def sync_once(self, *, force: bool = False) -> SyncReport:
        """Sends the due head of the queue as one request and settles the results."""
        with self._lock:
            limit = 1 if self._solo_left > 0 else self._batch_size
            batch = self._outbox.claim_batch(limit, force=force)
            if not batch:
                return SyncReport()
            try:
                reply = self._http.post_json(
                    TRANSACTIONS_PATH, {"transactions": [e.payload for e in batch]}
                )
                results = _parse_results(reply, batch)
            except CoreError as exc:
                return self._request_failed(batch, exc)
            except Exception:
                logger.exception("sync batch failed unexpectedly; re-queued")
                error = CoreError("unexpected sync failure", code="SYNC_INTERNAL", transient=True)
                return self._request_failed(batch, error)
            self._solo_left = max(0, self._solo_left - len(batch))
            return self._settle(batch, results)

    def _settle(self, batch: Sequence[OutboxEntry], results: list[dict[str, Any]]) -> SyncReport:
        accepted: list[tuple[str, str]] = []
        dead: list[tuple[str, str, str]] = []
        events: list[object] = []
        duplicates = 0
        for entry, result in zip(batch, results, strict=True):
            if result["status"] == "rejected":
                code, message = result["error"]["code"], result["error"]["message"]
                dead.append((entry.txn_id, code, message))
                events.append(TransactionDead(entry.txn_id, code, message))
            else:
                duplicate = result["status"] == "duplicate"
                duplicates += duplicate
                accepted.append((entry.txn_id, result["core_ref"]))
                events.append(TransactionAccepted(entry.txn_id, result["core_ref"], duplicate))
        self._outbox.mark_accepted(accepted)
        self._outbox.mark_dead(dead)
        for event in events:
            self._publish(event)
        for txn_id, code, _ in dead:
            logger.error("outbox item %s rejected by the core: %s (dead letter)", txn_id, code)
        return SyncReport(
            sent=len(batch),
            accepted=len(accepted) - duplicates,
            duplicates=duplicates,
            dead=len(dead),
        )

    def _request_failed(self, batch: Sequence[OutboxEntry], exc: CoreError) -> SyncReport:
        if not exc.transient and exc.code != "CORE_UNAUTHORIZED":
            if len(batch) == 1:  # the request itself is poison: dead-letter that item
                entry = batch[0]
                self._outbox.mark_dead([(entry.txn_id, exc.code, str(exc))])
                self._publish(TransactionDead(entry.txn_id, exc.code, str(exc)))
                return SyncReport(sent=1, dead=1)
            self._solo_left = len(batch)
            delay = 0.0
        elif exc.code == "CORE_UNAUTHORIZED":
            delay = self._cap  # needs a technician; do not hammer the core meanwhile
        elif exc.retry_after is not None:
            delay = exc.retry_after
        else:
            failures = max(e.attempts for e in batch) - 1
            delay = self._rng.uniform(0, min(self._cap, self._base * 2 ** min(failures, 32)))
        self._outbox.mark_retry([e.txn_id for e in batch], error=str(exc), delay_s=delay)
        logger.warning("sync failed (%s); retry in %.1fs", exc.code, delay)
        self._publish(SyncFailed(exc.code, delay))
        return SyncReport(sent=len(batch), error_code=exc.code, retry_in_s=delay)

    def _publish(self, event: object) -> None:
        try:
            self._on_event(event)
        except Exception:
            logger.exception("event subscriber failed for %r", event)

    # -- thread --------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            force, self._force = self._force, False
            try:
                report = self.sync_once(force=force)
            except Exception:
                logger.exception("sync worker: outbox unavailable; retrying")
                wait = min(self._cap, 5.0)
            else:
                if report.sent and not report.failed:
                    continue  # more may be due right away
                due = self._outbox.next_due_in()
                wait = self._idle_poll_s if due is None else min(due, self._idle_poll_s)
                if not report.sent:
                    wait = max(wait, 0.5)  # head due but not claimable: do not spin
            self._wakeup.wait(wait)


def _parse_results(reply: Any, batch: Sequence[OutboxEntry]) -> list[dict[str, Any]]:
    """Checks the reply against CORE_API.md: one result per item, same txn_ids, same order."""
    results = reply.get("results") if isinstance(reply, dict) else None
    if not isinstance(results, list) or len(results) != len(batch):
        raise _invalid("results missing or not one per item")
    for entry, result in zip(batch, results, strict=True):
        if not isinstance(result, dict) or result.get("txn_id") != entry.txn_id:
            raise _invalid("results out of order or for another txn_id")
        status = result.get("status")
        if status in ("accepted", "duplicate"):
            ref = result.get("core_ref")
            if not isinstance(ref, str) or not ref or len(ref) > 64:
                raise _invalid(f"no core_ref for {entry.txn_id}")
        elif status == "rejected":
            error = result.get("error")
            if not isinstance(error, dict) or not isinstance(error.get("code"), str):
                raise _invalid(f"rejection without an error code for {entry.txn_id}")
            if not isinstance(error.get("message"), str):
                error["message"] = ""
        else:
            raise _invalid(f"unknown status {status!r}")
    return results


def _invalid(message: str) -> CoreError:
    return CoreError(
        f"POST {TRANSACTIONS_PATH}: {message}", code="CORE_REPLY_INVALID", transient=True
    )
