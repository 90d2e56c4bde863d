"""What every XFS4IoT device driver needs: find its service, keep the link, track the state.

The dispenser and the PIN pad both find their service through the publisher (by interface),
run one ServiceConnection, show the device OFFLINE while the link is down, ask `Common.Status`
again when it is back, and follow `Common.StatusChangedEvent`. They hold a DeviceLink (by
composition) and add only their own commands and events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from drivers.base import DeviceState, EventSink
from drivers.xfs4iot.connection import ErrorHandler, ServiceConnection
from drivers.xfs4iot.correlation import MessageHandler
from drivers.xfs4iot.discovery import find_service
from drivers.xfs4iot.errors import ServiceOffline, Xfs4IotError
from drivers.xfs4iot.messages import Message, Payload
from drivers.xfs4iot.status import device_state

StateEvent = Callable[[str, DeviceState, str], object]  # device_id, state, detail -> event


class DeviceLink:
    def __init__(
        self,
        device_id: str,
        uri: str,
        sink: EventSink,
        state_event: StateEvent,
        *,
        open_timeout_s: float = 10.0,
        command_timeout_s: float = 30.0,
    ) -> None:
        self.device_id, self.uri = device_id, uri
        self._sink, self._state_event = sink, state_event
        self.open_timeout, self.command_timeout = open_timeout_s, command_timeout_s
        self.connection: ServiceConnection | None = None
        self.lock = threading.Lock()
        self.state, self.detail = DeviceState.OFFLINE, "not opened"
        self._on_up: Callable[[], None] = lambda: None

    def open(
        self,
        interface: str,
        *,
        on_unsolicited: MessageHandler,
        on_protocol_error: ErrorHandler | None = None,
        on_up: Callable[[], None] | None = None,
    ) -> ServiceConnection:
        """Connects to the service (a publisher URI is asked for `interface`) and waits for it."""
        uri = self.uri
        if uri.rstrip("/").endswith("/xfs4iot/v1.0"):
            uri = find_service(uri, interface, self.open_timeout)
        self._on_up = on_up or (lambda: None)

        def unsolicited(message: Message) -> None:
            if message.name == "Common.StatusChangedEvent":
                self.apply_status(message.payload)
            else:
                on_unsolicited(message)

        connection = ServiceConnection(
            uri, on_unsolicited=unsolicited, on_link=self._link, on_protocol_error=on_protocol_error
        )
        connection.start()
        self.connection = connection
        if not connection.wait_online(self.open_timeout):
            connection.stop()
            raise ServiceOffline(f"{uri} does not answer", command="open")
        return connection

    def stop(self) -> None:
        if self.connection is not None:
            self.connection.stop()
        self.set_state(DeviceState.OFFLINE, "closed")

    def submit(
        self,
        command: str,
        payload: Payload | None = None,
        timeout_s: float | None = None,
        on_event: MessageHandler | None = None,
    ) -> Future[Payload]:
        if self.connection is None:
            failed: Future[Payload] = Future()
            failed.set_exception(ServiceOffline("not opened", command=command))
            return failed
        timeout = self.command_timeout if timeout_s is None else timeout_s
        return self.connection.submit(command, payload, timeout_s=timeout, on_event=on_event).future

    def set_state(self, state: DeviceState, detail: str) -> None:
        """Publishes a state change (only a change: the same state twice is one event)."""
        with self.lock:
            if (state, detail) == (self.state, self.detail):
                return
            self.state, self.detail = state, detail
        self._sink(self._state_event(self.device_id, state, detail))

    def apply_status(self, payload: Payload) -> None:
        found = device_state(payload)
        if found is not None:
            self.set_state(*found)

    def _link(self, up: bool, reason: str) -> None:
        if not up:
            self.set_state(DeviceState.OFFLINE, f"service unreachable: {reason}")
            return

        def status(f: Future[Payload]) -> None:
            try:
                self.apply_status(f.result())
            except Xfs4IotError as exc:
                self.set_state(DeviceState.OFFLINE, f"no status: {exc.code}")

        self.submit("Common.Status").add_done_callback(status)
        self._on_up()
