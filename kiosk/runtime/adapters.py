"""Adapters from drivers and the core client to the journey's ports.

Each turns a blocking call into a job on a worker and its outcome into an event on the bus, and
turns every failure into a typed outcome the journey can explain to the customer.
"""

from __future__ import annotations

import logging
import threading

from drivers.base import DeviceState
from drivers.cash.base import BanknoteAcceptor
from drivers.printer.base import PaperStatus, PrintResult, ReceiptPrinter
from drivers.printer.document import Document
from kiosk.clock import Clock
from kiosk.errors import CoreError, KioskError
from kiosk.events import EventBus
from kiosk.journeys.ports import BillLookupFailed, BillsFetched, PrintFinished
from kiosk.money.billing import Biller, CoreReplyError
from kiosk.money.offline_policy import BillCache
from kiosk.runtime.core_client import CoreClient
from kiosk.runtime.worker import Worker
from offline_queue.sync import SyncWorker

log = logging.getLogger(__name__)


class CashAdapter:
    def __init__(self, acceptor: BanknoteAcceptor) -> None:
        self._acceptor = acceptor

    def enable(self) -> None:
        self._acceptor.enable()

    def disable(self) -> None:
        self._acceptor.disable()

    def accept_escrow(self) -> None:
        self._acceptor.accept_escrow()

    def reject_escrow(self) -> None:
        self._acceptor.reject_escrow()

    def denominations_minor(self) -> tuple[int, ...]:
        return self._acceptor.capabilities.denominations_minor

    def available(self) -> bool:
        return self._acceptor.health().state is DeviceState.ONLINE


class PrinterAdapter:
    def __init__(self, printer: ReceiptPrinter, bus: EventBus, worker: Worker) -> None:
        self._printer = printer
        self._bus = bus
        self._worker = worker
        self._status = PaperStatus.OFFLINE
        self.printed: list[str] = []  # references of documents the printer confirmed

    def submit(self, job_id: str, document: Document) -> None:
        self._worker.submit(lambda: self._print(job_id, document))

    def _print(self, job_id: str, document: Document) -> None:
        try:
            result = self._printer.print_document(document)
        except KioskError as exc:
            log.warning("print of %s failed: %s", document.reference, exc)
            result = PrintResult(False, PaperStatus.OFFLINE, exc.code)
        self._status = result.status
        if result.printed:
            self.printed.append(document.reference)
        self._bus.publish(PrintFinished(job_id, result))

    def last_status(self) -> PaperStatus:
        return self._status

    def refresh_status(self) -> None:
        """Queued on the printer worker (behind any job), so it never blocks the UI thread."""
        self._worker.submit(self._refresh)

    def _refresh(self) -> None:
        try:
            self._status = self._printer.status()
        except KioskError as exc:
            log.warning("printer status read failed: %s", exc)
            self._status = PaperStatus.OFFLINE


class CoreBillLookup:
    """Bill look-ups on the network worker; billers cached from the last successful fetch.

    The biller list is refreshed in the background when it is older than `max_age` seconds, and
    retried every `retry_after` seconds while the kiosk has none (the core was down at start-up),
    so a kiosk recovers from an outage without a restart.
    """

    def __init__(
        self,
        client: CoreClient,
        bus: EventBus,
        worker: Worker,
        clock: Clock,
        *,
        max_age: float = 300.0,
        retry_after: float = 10.0,
        bill_cache: BillCache | None = None,
    ) -> None:
        self._bill_cache = bill_cache
        self._client = client
        self._bus = bus
        self._worker = worker
        self._clock = clock
        self._max_age = max_age
        self._retry_after = retry_after
        self._billers: tuple[Biller, ...] = ()
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._lock = threading.Lock()

    def refresh_billers(self) -> bool:
        """Fetches the billers now (blocking); keeps the old list when the core is away."""
        with self._lock:
            self._tried_at = self._clock.monotonic()
        try:
            billers = tuple(self._client.billers())
        except CoreReplyError as exc:  # the core answered: not "unreachable"
            log.warning("billers not refreshed: core answered with an invalid biller: %s", exc)
            return False
        except KioskError as exc:
            log.warning("billers not refreshed: %s", exc)
            return False
        with self._lock:
            self._billers = billers
            self._fetched_at = self._clock.monotonic()
        return True

    def billers(self) -> tuple[Biller, ...]:
        with self._lock:
            now = self._clock.monotonic()
            stale = self._fetched_at is None or now - self._fetched_at > self._max_age
            may_try = self._tried_at is None or now - self._tried_at > self._retry_after
            if stale and may_try:
                self._tried_at = now
                self._worker.submit(self.refresh_billers)
            return self._billers

    def request_bills(self, request_id: str, biller: str, account: str) -> None:
        self._worker.submit(lambda: self._fetch(request_id, biller, account))

    def _fetch(self, request_id: str, biller: str, account: str) -> None:
        try:
            bills = tuple(self._client.bills(biller, account))
        except CoreError as exc:
            cached = self._bill_cache.get(biller, account) if self._bill_cache else None
            if exc.transient and cached:  # the core is away: offer the recent live look-up
                self._bus.publish(BillsFetched(request_id, cached, offline=True))
                return
            code = exc.code if not exc.transient else "CORE_UNREACHABLE"
            if exc.code == "CORE_REPLY_INVALID":
                code = exc.code
            self._bus.publish(BillLookupFailed(request_id, code, exc.transient))
            return
        except KioskError as exc:
            self._bus.publish(BillLookupFailed(request_id, exc.code, False))
            return
        if self._bill_cache is not None:
            self._bill_cache.put(biller, account, bills)
        self._bus.publish(BillsFetched(request_id, bills))


class SyncAdapter:
    def __init__(self, worker: SyncWorker) -> None:
        self._worker = worker

    def wake(self) -> None:
        self._worker.wake()
