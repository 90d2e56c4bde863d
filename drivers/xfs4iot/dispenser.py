"""Xfs4IotDispenser: the cash dispenser contract over an XFS4IoT CashDispenser service.

One ServiceConnection (one I/O thread) per service. Every operation returns a Future and also
publishes DispenserDone / DispenserFailed, plus the device's own events (IncompleteDispense,
ItemsPresented, ItemsTaken, ShutterChanged, state changes). The storage list is re-read after
every money movement, so health and fast-cash amounts follow the cassettes. While the link is
down the device is reported OFFLINE; when it is back, Common.Status decides its state again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from drivers.base import DeviceHealth, EventSink
from drivers.dispenser.base import (
    Denomination,
    DispenserCapabilities,
    DispenserDone,
    DispenserFailed,
    DispenserStateChanged,
    DispenserStatus,
    IncompleteDispense,
    StorageUnit,
    TransactionState,
)
from drivers.xfs4iot import dispenser_payloads as p
from drivers.xfs4iot.device_link import DeviceLink
from drivers.xfs4iot.errors import ProtocolError, Xfs4IotError
from drivers.xfs4iot.futures import all_of
from drivers.xfs4iot.messages import Message, Payload

log = logging.getLogger("drivers.xfs4iot.dispenser")
T = TypeVar("T")
U = TypeVar("U")
POSITION = {"position": p.POSITION}


class Xfs4IotDispenser:
    def __init__(
        self,
        device_id: str,
        uri: str,
        sink: EventSink,
        *,
        open_timeout_s: float = 10.0,
        dispense_timeout_s: float = 60.0,
        command_timeout_s: float = 30.0,
    ) -> None:
        self.device_id = device_id
        self._sink = sink
        self._link = DeviceLink(
            device_id,
            uri,
            sink,
            DispenserStateChanged,
            open_timeout_s=open_timeout_s,
            command_timeout_s=command_timeout_s,
        )
        self._lock = self._link.lock
        self._dispense_timeout = dispense_timeout_s
        self._timeout = command_timeout_s
        self._units: tuple[StorageUnit, ...] = ()
        self._caps = DispenserCapabilities("", (), 0, True, False, (), True)
        self._counters = {"notes_dispensed": 0, "failures": 0, "protocol_errors": 0}

    def __repr__(self) -> str:
        return f"Xfs4IotDispenser({self.device_id!r}, {self._link.state.value})"

    @property
    def capabilities(self) -> DispenserCapabilities:
        return self._caps

    def open(self) -> None:
        """Finds the service (a publisher URI is asked for its CashDispenser), then reads it."""
        connection = self._link.open(
            "CashDispenser",
            on_unsolicited=self._on_unsolicited,
            on_protocol_error=self._on_protocol_error,
            on_up=self._refresh_storage,
        )
        try:
            caps = connection.call("Common.Capabilities", timeout_s=self._timeout)
            self._link.apply_status(connection.call("Common.Status", timeout_s=self._timeout))
            self._units = p.storage_units(connection.call("Storage.GetStorage"))
            self._caps = p.capabilities(caps, self._units)
        except Xfs4IotError:
            connection.stop()  # no I/O thread outlives a failed open
            raise

    def close(self) -> None:
        self._link.stop()

    def health(self) -> DeviceHealth:
        supplies = {u.unit_id: u.replenishment for u in self._units}
        with self._lock:
            state, detail = self._link.state, self._link.detail
            return DeviceHealth(self.device_id, state, detail, supplies, dict(self._counters))

    def status(self) -> Future[DispenserStatus]:
        def read(payload: Payload) -> DispenserStatus:
            self._link.apply_status(payload)
            return p.dispenser_status(payload)

        return self._op("status", "Common.Status", None, read)

    def storage(self) -> tuple[StorageUnit, ...]:
        return self._units

    # --- operations ---

    def command_nonce(self) -> Future[str]:
        def nonce(payload: Payload) -> str:
            value = payload.get("commandNonce")
            if not isinstance(value, str) or not value:
                raise ProtocolError("GetCommandNonce returned no commandNonce")
            return value

        return self._op("nonce", "Common.GetCommandNonce", None, nonce)

    def clear_command_nonce(self) -> Future[None]:
        """Common.ClearCommandNonce: tokens sealed over the old nonce become void (a decline)."""
        return self._op("clear_nonce", "Common.ClearCommandNonce", None, lambda r: None)

    def denominate(self, amount_minor: int, currency: str) -> Future[Denomination]:
        request = p.denominate_request(amount_minor, currency)
        return self._op(
            "denominate",
            "CashDispenser.Denominate",
            request,
            lambda r: p.denomination(r, self._units, currency),
        )

    def dispense(self, mix: Denomination, token: str) -> Future[Denomination]:
        def result(payload: Payload) -> Denomination:
            moved = p.denomination(payload.get("denomination") or {}, self._units, mix.currency)
            with self._lock:
                self._counters["notes_dispensed"] += moved.items
            return moved

        def incomplete(message: Message) -> None:
            if message.name == "CashDispenser.IncompleteDispenseEvent":
                moved = p.denomination(message.payload, self._units, mix.currency)
                self._sink(IncompleteDispense(self.device_id, moved))

        return self._op(
            "dispense",
            "CashDispenser.Dispense",
            p.dispense_request(mix, token),
            result,
            timeout_s=self._dispense_timeout,
            on_event=incomplete,
            refresh=True,
        )

    def present(self) -> Future[None]:
        return self._op("present", "CashDispenser.Present", POSITION, lambda r: None)

    def reject(self) -> Future[None]:
        return self._op("reject", "CashDispenser.Reject", None, lambda r: None, refresh=True)

    def retract(self) -> Future[int]:
        location = {"location": {"outputPosition": p.POSITION, "retractArea": "retract"}}
        return self._op(
            "retract", "CashManagement.Retract", location, p.retracted_items, refresh=True
        )

    def reset(self) -> Future[None]:
        return self._op("reset", "CashManagement.Reset", None, lambda r: None, refresh=True)

    def open_shutter(self) -> Future[None]:
        return self._op("open_shutter", "CashManagement.OpenShutter", POSITION, lambda r: None)

    def close_shutter(self) -> Future[None]:
        return self._op("close_shutter", "CashManagement.CloseShutter", POSITION, lambda r: None)

    def set_transaction(self, active: bool, transaction_id: str) -> Future[None]:
        """Common.SetTransactionState: the device keeps the kiosk's txn id across a crash."""
        state = {"state": "active" if active else "inactive", "transactionID": transaction_id}
        return self._op("transaction", "Common.SetTransactionState", state, lambda r: None)

    def transaction_state(self, host_nonce: str = "") -> Future[TransactionState]:
        """What happened to the last dispense, asked of the device (start-up recovery)."""
        present_request: Payload = dict(POSITION)
        if host_nonce:
            present_request["nonce"] = host_nonce
        reads = all_of(
            [
                self._link.submit("Common.GetTransactionState", None),
                self._link.submit("CashDispenser.GetPresentStatus", present_request),
                self._link.submit("Common.Status", None),
            ]
        )
        return self._then(
            "transaction_state",
            reads,
            lambda r: p.transaction_state(*r, self._units, self._caps.currency),
        )

    # --- plumbing ---

    def _op(
        self,
        operation: str,
        command: str,
        payload: Payload | None,
        convert: Callable[[Payload], T],
        *,
        timeout_s: float | None = None,
        on_event: Callable[[Message], None] | None = None,
        refresh: bool = False,
    ) -> Future[T]:
        sent = self._link.submit(command, payload, timeout_s, on_event)
        return self._then(operation, sent, convert, refresh=refresh)

    def _then(
        self,
        operation: str,
        sent: Future[U],
        convert: Callable[[U], T],
        *,
        refresh: bool = False,
    ) -> Future[T]:
        """The operation's Future: `convert` of what the device answered, published too."""
        out: Future[T] = Future()

        def done(f: Future[U]) -> None:
            self._settle(operation, out, lambda: convert(f.result()))
            if refresh:
                self._refresh_storage()

        sent.add_done_callback(done)
        return out

    def _settle(self, operation: str, out: Future[T], result: Callable[[], T]) -> None:
        """Ends `out` and publishes the outcome; every device error arrives typed."""
        try:
            value = result()
        except Xfs4IotError as exc:
            with self._lock:
                self._counters["failures"] += 1
            out.set_exception(exc)
            self._sink(DispenserFailed(self.device_id, operation, exc.code, str(exc)))
            return
        out.set_result(value)
        self._sink(DispenserDone(self.device_id, operation, value))

    def _refresh_storage(self) -> None:
        def update(f: Future[Payload]) -> None:
            try:
                self._units = p.storage_units(f.result())
            except Xfs4IotError as exc:
                log.warning("%s: storage not refreshed: %s", self.device_id, exc)

        self._link.submit("Storage.GetStorage", None).add_done_callback(update)

    def _on_protocol_error(self, error: ProtocolError) -> None:
        with self._lock:
            self._counters["protocol_errors"] += 1
        self._sink(DispenserFailed(self.device_id, "protocol", error.code, str(error)))

    def _on_unsolicited(self, message: Message) -> None:
        event = p.unsolicited_event(self.device_id, message.name, message.payload)
        if event is not None:
            self._sink(event)
