"""The sync worker: delivers the outbox to the core in seq order, one batch at a time.

Each batch is marked in_flight (committed) before it is sent, so a crash mid-request leaves a
trace; on restart those items are re-sent and the core answers `duplicate`. Per-item results
settle items one by one (an item the core rejects goes dead and never blocks the rest); a
failure of the whole request - a 4xx, a 5xx, a broken reply, no reply - is never a verdict on
its items: they stay pending (alert, full-jitter exponential backoff, or the core's
Retry-After) and are re-sent until the core answers for each one. Order is kept because only
the head of the queue is ever claimed and nothing new is claimed while a batch is in flight.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.clock import Clock
from kiosk.errors import CoreError
from offline_queue.events import (
    SyncFailed,
    TechnicianAlert,
    TransactionAccepted,
    TransactionDead,
)
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox, OutboxEntry
from offline_queue.replies import TRANSACTIONS_PATH, parse_results

logger = logging.getLogger(__name__)

# The core answered, but this request broke it (a 500 or an off-contract reply): maybe one
# poison item (isolate, then park it). 502/504 are gateways failing to reach it: an outage.
_ITEM_SUSPECT = frozenset({"CORE_REPLY_INVALID", "SYNC_INTERNAL"})
# Only a person can fix these: back off to the cap and raise an alert.
_NEEDS_PERSON = frozenset({"CORE_UNAUTHORIZED", "CORE_TLS_FAILED"})


@dataclass(frozen=True)
class SyncReport:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    dead: int = 0
    error_code: str | None = None
    retry_in_s: float | None = None
    needs_person: bool = False  # retrying soon cannot help (credential, TLS, a refused batch)

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
        probe_interval_s: float = 5.0,
        poison_after: int = 8,
        rng: random.Random | None = None,
    ) -> None:
        """`probe_interval_s`: while backing off from an unreachable core, ask /v1/health this
        often and resume at once when it answers. `poison_after`: consecutive failures of an
        item sent alone (5xx, invalid reply) after which a technician is alerted about it; it
        stays pending (its fate is unknown), only the core's per-item verdict makes it dead."""
        self._outbox = outbox
        self._http = http
        self._clock = clock
        self._on_event = on_event
        self._batch_size = max(1, batch_size)
        self._base = backoff_base
        self._cap = backoff_cap
        self._idle_poll_s = idle_poll_s
        self._probe_s = probe_interval_s
        self._poison_after = max(1, poison_after)
        self._suspect: dict[str, int] = {}  # txn_id -> consecutive solo 5xx/invalid replies
        self._probe_core = False
        self._rng = rng or random.Random()
        self._lock = threading.Lock()  # one sync at a time, thread or caller
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._force = False
        self._solo_left = 0  # after a 5xx/invalid reply or a 413, send one by one
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
                results = parse_results(reply, batch)
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
        self._probe_core = False
        if accepted:
            self._suspect.clear()
        for event in events:
            self._publish(event)
        for txn_id, code, message in dead:
            self._publish(TechnicianAlert(code, f"dead letter: {message}"[:200], txn_id))
        for txn_id, code, _ in dead:
            logger.error("outbox item %s rejected by the core: %s (dead letter)", txn_id, code)
        return SyncReport(
            sent=len(batch),
            accepted=len(accepted) - duplicates,
            duplicates=duplicates,
            dead=len(dead),
        )

    def _request_failed(self, batch: Sequence[OutboxEntry], exc: CoreError) -> SyncReport:
        """A failure of the whole request is never a verdict on its items (issue 19 #2, #6).

        Only a per-item result decides an item's fate. A 4xx for the whole batch says the
        request did not reach the core's transaction logic (a misrouted proxy answering 404
        HTML, a route or size limit, a gateway's 415): a transport or configuration problem,
        so alert a person and back off. A 5xx or a broken reply may come *after* the core
        committed: the fate is unknown, so the items stay pending and the re-send is answered
        `duplicate`. Nothing here ever dead-letters: a dead letter would show booked money as
        lost and invite a refund of a payment the biller already holds.
        """
        self._probe_core = False
        failures = max(e.attempts for e in batch) - 1
        backoff = self._rng.uniform(0, min(self._cap, self._base * 2 ** min(failures, 32)))
        if exc.code in _NEEDS_PERSON:
            delay = self._cap  # needs a technician; do not hammer the core meanwhile
            self._publish(TechnicianAlert(exc.code, str(exc)[:200]))
        elif not exc.transient:
            delay = backoff
            if exc.status == 413:  # too large for something on the way: smaller requests
                self._solo_left = max(self._solo_left, len(batch))
            self._publish(
                TechnicianAlert(
                    exc.code,
                    f"the core refused a whole batch of {len(batch)} (items kept queued): {exc}"[
                        :200
                    ],
                )
            )
        elif exc.retry_after is not None:
            delay = exc.retry_after
        else:
            if exc.status == 500 or exc.code in _ITEM_SUSPECT:
                self._suspected(batch, exc)
            else:
                self._probe_core = True  # unreachable: watch /v1/health to resume at once
            delay = backoff
        self._outbox.mark_retry([e.txn_id for e in batch], error=str(exc), delay_s=delay)
        logger.warning("sync failed (%s); retry in %.1fs", exc.code, delay)
        self._publish(SyncFailed(exc.code, delay))
        return SyncReport(
            sent=len(batch),
            error_code=exc.code,
            retry_in_s=delay,
            needs_person=exc.code in _NEEDS_PERSON or not exc.transient,
        )

    def _suspected(self, batch: Sequence[OutboxEntry], exc: CoreError) -> None:
        """The core answered but broke on this request: send one by one to find the item, and
        after `poison_after` solo failures in a row alert a technician about it, once. It stays
        pending (the core may hold it already); only a per-item `rejected` can make it dead."""
        self._solo_left = max(self._solo_left, len(batch))
        if len(batch) != 1:
            return
        txn_id = batch[0].txn_id
        failures = self._suspect.get(txn_id, 0) + 1
        self._suspect = {txn_id: failures}
        if failures == self._poison_after:
            self._publish(
                TechnicianAlert(
                    "POISON_SUSPECT",
                    f"the core keeps failing on this item ({exc.code}); it stays queued",
                    txn_id,
                )
            )
            logger.error("outbox item %s: the core keeps failing on it (%s)", txn_id, exc.code)

    def _core_healthy(self) -> bool:
        try:
            reply = self._http.get_json("/v1/health")
        except CoreError:
            return False
        return isinstance(reply, dict) and reply.get("status") == "ok"

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
                if self._probe_core and due is not None:
                    self._wait_probing(wait)  # unreachable core, money waiting: watch for it
                    continue
            self._wakeup.wait(wait)

    def _wait_probing(self, wait: float) -> None:
        """Backs off for `wait` seconds, but asks /v1/health every probe interval (jittered, so
        a fleet does not probe in step) and syncs at once when the core is back."""
        deadline = time.monotonic() + wait
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            step = min(left, self._probe_s * self._rng.uniform(0.5, 1.0) or self._probe_s)
            if self._wakeup.wait(step):
                return
            if self._core_healthy():
                logger.info("core reachable again: syncing now")
                self._force = True
                return
