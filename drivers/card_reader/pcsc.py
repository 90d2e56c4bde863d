"""PC/SC card reader on pyscard's low-level API, with the project's own monitoring loop.

Why not pyscard's CardMonitor: it starts a hidden daemon thread in a singleton and that thread
dies silently when pcscd restarts, so the kiosk would never hear of a card again. Here ONE I/O
thread, started by start() and ended by stop(), owns the PC/SC context: it waits in
SCardGetStatusChange with a timeout, runs queued card work (reads, ejects) between waits, and on
any "service gone" code drops the context, reports Offline and re-establishes it with back-off —
so a pcscd restart or an unplugged reader heals without restarting the kiosk.
"""

from __future__ import annotations

import fnmatch
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from smartcard import scard

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.card_reader.base import (
    CardInserted,
    CardReaderCapabilities,
    CardRemoved,
    ReaderStateChanged,
)
from drivers.card_reader.errors import CardError, NoCard, ReaderUnavailable
from drivers.card_reader.errors import CardRemoved as CardRemovedError
from drivers.card_reader.pcsc_errors import describe, to_error

log = logging.getLogger(__name__)
T = TypeVar("T")
Transmit = Callable[[bytes], bytes]
_ABSENT, _PRESENT = 0x0002, 0x0004  # SCardStatus card states (pcsclite.h)
CardJob = Callable[[Transmit, str], Any]  # (transmit, atr hex) -> result, on the I/O thread


class PcscCardReader:
    def __init__(
        self,
        device_id: str,
        reader_pattern: str,
        sink: EventSink,
        *,
        wait_ms: int = 50,
        retry_s: float = 0.5,
    ) -> None:
        self.device_id = device_id
        self.capabilities = CardReaderCapabilities()
        self._pattern = reader_pattern  # fnmatch pattern, e.g. "Virtual PCD 00 00" or "*CCID*"
        self._sink = sink
        self._wait_ms = wait_ms
        self._retry_s = retry_s
        self._jobs: queue.Queue[tuple[CardJob, Future[Any]]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: int | None = None
        self._reader: str | None = None
        self._state = DeviceState.OFFLINE
        self._detail = "not started"
        self._card_present = False
        self._atr = ""
        self._counters = {"cards_inserted": 0, "reads_ok": 0, "reads_failed": 0, "reconnects": 0}
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("card reader already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"{self.device_id}-io")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._cancel_wait()
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None

    # -- queries and work ------------------------------------------------------------------------

    def health(self) -> DeviceHealth:
        with self._lock:
            return DeviceHealth(
                self.device_id, self._state, self._detail, counters=dict(self._counters)
            )

    @property
    def reader_name(self) -> str | None:
        return self._reader

    @property
    def card_present(self) -> bool:
        return self._card_present

    def submit(self, job: CardJob) -> Future[Any]:
        """Runs `job(transmit, atr)` on the I/O thread with the card connected."""
        future: Future[Any] = Future()
        if self._thread is None:
            future.set_exception(ReaderUnavailable("card reader not started"))
            return future
        self._jobs.put((job, future))
        if threading.current_thread() is not self._thread:  # the I/O thread runs jobs anyway
            threading.Thread(target=self._wake_for_jobs, name=f"{self.device_id}-wake").start()
        return future

    # -- the I/O thread ------------------------------------------------------------------------

    def _cancel_wait(self) -> None:
        """Wakes the status wait (if one is in progress: see _wake_for_jobs)."""
        context = self._context
        if context is not None:
            scard.SCardCancel(context)

    def _wake_for_jobs(self) -> None:
        """Cancels the status wait until the I/O thread has taken the queued work.

        One cancel is not enough: a cancel that lands while pcsc-lite's client is between its
        non-blocking check and the blocking wait is lost, and the work then waited a full
        quantum (measured: back-to-back reads took 53 ms instead of 4). So this short-lived
        thread repeats it every millisecond, for at most one quantum, until the queue is empty.
        """
        deadline = time.monotonic() + self._wait_ms / 1000
        while not self._jobs.empty() and not self._stop.is_set():
            self._cancel_wait()
            if time.monotonic() >= deadline:
                return
            time.sleep(0.001)

    def _set_state(self, state: DeviceState, detail: str) -> None:
        with self._lock:
            changed = (state, detail) != (self._state, self._detail)
            self._state, self._detail = state, detail
        if changed:
            log.info("card reader %s: %s %s", self.device_id, state.value, detail)
            self._sink(ReaderStateChanged(self.device_id, state, detail))

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._connect_context()
                self._watch()
            except ReaderUnavailable as exc:
                self._drop(str(exc))
                self._fail_jobs(exc)
                self._stop.wait(self._retry_s)
        self._release()
        self._fail_jobs(ReaderUnavailable("card reader stopped"))

    def _connect_context(self) -> None:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderUnavailable(f"PC/SC service: {describe(hresult)}")
        self._context = context
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult != scard.SCARD_S_SUCCESS:
            readers = []
        name = next((r for r in readers if fnmatch.fnmatchcase(r, self._pattern)), None)
        if name is None:
            raise ReaderUnavailable(f"no reader matching {self._pattern!r}")
        self._reader = name
        with self._lock:
            self._counters["reconnects"] += 1
        self._set_state(DeviceState.ONLINE, name)

    def _watch(self) -> None:
        assert self._context is not None and self._reader is not None
        current = scard.SCARD_STATE_UNAWARE
        while not self._stop.is_set():
            self._run_jobs()
            hresult, states = scard.SCardGetStatusChange(
                self._context, self._wait_ms, [(self._reader, current)]
            )
            if hresult in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                continue
            if hresult != scard.SCARD_S_SUCCESS:
                # Anything but success here means the context is unusable: rebuild it.
                raise ReaderUnavailable(f"status change: {describe(hresult)}")
            _, event_state, atr = states[0]
            current = event_state & ~scard.SCARD_STATE_CHANGED
            if event_state & (scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_UNKNOWN):
                raise ReaderUnavailable(f"reader {self._reader} went away")
            self._card_changed(bool(event_state & scard.SCARD_STATE_PRESENT), bytes(atr))

    def _card_changed(self, present: bool, atr: bytes) -> None:
        if present == self._card_present:
            return
        self._card_present = present
        if present:
            self._atr = atr.hex().upper()
            with self._lock:
                self._counters["cards_inserted"] += 1
            self._sink(CardInserted(self.device_id, self._atr))
        else:
            self._atr = ""
            self._sink(CardRemoved(self.device_id))

    def _run_jobs(self) -> None:
        while True:
            try:
                job, future = self._jobs.get_nowait()
            except queue.Empty:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = self._with_card(job)
            except ReaderUnavailable as exc:
                future.set_exception(exc)
                raise
            except Exception as exc:  # noqa: BLE001 - handed to the caller, never swallowed:
                # a failing job (bad card data, a bug in a chooser) must not end the only I/O
                # thread, or the kiosk would never hear of a card again.
                with self._lock:
                    self._counters["reads_failed"] += 1
                future.set_exception(exc)
            else:
                with self._lock:
                    self._counters["reads_ok"] += 1
                future.set_result(result)

    def _with_card(self, job: CardJob) -> Any:
        assert self._context is not None and self._reader is not None
        hresult, card, protocol = scard.SCardConnect(
            self._context,
            self._reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if hresult != scard.SCARD_S_SUCCESS:
            error = to_error(hresult, "connect")
            raise error if error.code != "CARD_ERROR" else NoCard(str(error))

        def transmit(apdu: bytes) -> bytes:
            hr, response = scard.SCardTransmit(card, protocol, list(apdu))
            if hr != scard.SCARD_S_SUCCESS:
                raise self._classify(hr, "transmit")
            if len(response) < 2:
                # vpcd (and some readers) answer nothing when the card left mid-exchange.
                raise self._why_silent(card)
            return bytes(response)

        try:
            return job(transmit, self._atr)
        finally:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)

    def _classify(self, hresult: int, what: str) -> CardError:
        """A generic failure (e.g. 'transaction failed') may mean pcscd just died: ask it.

        The old context can still look valid on the client side, so a fresh context is the
        reliable probe: it fails at once when the daemon's socket is gone.
        """
        error = to_error(hresult, what)
        if error.code != "CARD_ERROR":
            return error
        # Twice, 100 ms apart: a daemon that is still exiting can accept one last connection.
        for attempt in range(2):
            probe_rv, probe = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if probe_rv != scard.SCARD_S_SUCCESS:
                return ReaderUnavailable(f"{what}: PC/SC service went away ({describe(probe_rv)})")
            scard.SCardReleaseContext(probe)
            if attempt == 0:
                self._stop.wait(0.1)
        return error

    def _why_silent(self, card: int) -> CardError:
        """A card that answers nothing has usually left; pcscd notices within its poll period."""
        for _ in range(20):
            hr, _reader, state, _protocol, _atr = scard.SCardStatus(card)
            if hr != scard.SCARD_S_SUCCESS:
                error = to_error(hr, "status after an empty response")
                return CardRemovedError(str(error)) if error.code == "CARD_ERROR" else error
            if not state & _PRESENT or state & _ABSENT:
                return CardRemovedError("card left the reader during the exchange")
            self._stop.wait(0.05)
        return CardError("card answered without a status word", code="CARD_MUTE")

    def _drop(self, detail: str) -> None:
        self._release()
        if self._card_present:
            self._card_present = False
            self._sink(CardRemoved(self.device_id))
        self._set_state(DeviceState.OFFLINE, detail)

    def _release(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            scard.SCardReleaseContext(context)

    def _fail_jobs(self, error: CardError) -> None:
        while True:
            try:
                _, future = self._jobs.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                future.set_exception(error)
