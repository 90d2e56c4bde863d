"""One XFS4IoT service over one WebSocket, owned by one I/O thread that runs an asyncio loop.

Callers on any thread `submit` a command and get a Future; the loop correlates the service's
acknowledge, events and completion by `requestId`. Every command has a deadline: the service
gets the `timeout` in the header, and if no completion arrives `grace_s` after it the client
fails the Future with CommandTimeout and sends `Common.Cancel` for it. When the link drops, every
pending command fails with ServiceLost (its outcome is unknown, which matters for money) and the
loop reconnects with backoff; `on_link` reports each up/down change so the driver can show the
device offline meanwhile. Frames that are malformed or answer nothing we sent are reported to
`on_protocol_error` and never break the link.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from drivers.xfs4iot.correlation import Command, MessageHandler, Pending, PendingTable
from drivers.xfs4iot.errors import (
    CommandTimeout,
    ProtocolError,
    ServiceLost,
    ServiceOffline,
)
from drivers.xfs4iot.messages import MAX_FRAME, Message, MessageType, Payload, decode, encode

log = logging.getLogger("drivers.xfs4iot")

LinkHandler = Callable[[bool, str], None]
ErrorHandler = Callable[[ProtocolError], None]


def _lost(reason: str) -> Callable[[str], ServiceLost]:
    """The error for each command still pending when the link dropped: outcome unknown."""
    return lambda name: ServiceLost(f"{name}: {reason}", command=name)


def _ignore_protocol_error(error: ProtocolError) -> None:
    log.warning("xfs4iot: %s", error)


class ServiceConnection:
    def __init__(
        self,
        uri: str,
        *,
        on_unsolicited: MessageHandler | None = None,
        on_link: LinkHandler | None = None,
        on_protocol_error: ErrorHandler | None = None,
        retry_min: float = 0.05,
        retry_max: float = 2.0,
        grace_s: float = 5.0,
    ) -> None:
        self.uri = uri
        self._on_unsolicited = on_unsolicited or (lambda message: None)
        self._on_link = on_link or (lambda up, reason: None)
        self._on_protocol_error = on_protocol_error or _ignore_protocol_error
        self._retry_min, self._retry_max, self._grace = retry_min, retry_max, grace_s
        self._ids = itertools.count(1)
        self._ids_lock = threading.Lock()
        self._pending = PendingTable(self._deliver)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._online = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[str] | None = None  # one writer keeps submission order
        self._link: bool | None = None
        self.protocol_errors = 0

    def __repr__(self) -> str:
        return f"ServiceConnection({self.uri!r}, online={self.online})"

    # --- any thread ---

    @property
    def online(self) -> bool:
        return self._online.is_set()

    def start(self) -> None:
        """Starts the I/O thread; the link comes up in the background (see on_link)."""
        self._thread = threading.Thread(target=self._run, name=f"xfs4iot {self.uri}")
        self._thread.start()
        self._ready.wait()

    def stop(self) -> None:
        """Closes the link, fails what is pending, and returns when the I/O thread has ended."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._begin_stop)
            if threading.current_thread() is not self._thread:  # a handler may stop us too
                self._thread.join()

    def wait_online(self, timeout: float) -> bool:
        return self._online.wait(timeout)

    def submit(
        self,
        name: str,
        payload: Payload | None = None,
        *,
        timeout_s: float = 30.0,
        on_event: MessageHandler | None = None,
    ) -> Command:
        """Sends a command (timeout_s 0 = the service never times it out, only Cancel ends it)."""
        with self._ids_lock:
            request_id = next(self._ids)
        command = Command(request_id, name, Future())
        loop = self._loop
        if loop is None or loop.is_closed() or not self.online:
            command.future.set_exception(ServiceOffline(f"{self.uri} is offline", command=name))
            return command
        message = Message(
            MessageType.COMMAND,
            name,
            request_id,
            payload or {},
            timeout_ms=round(timeout_s * 1000),
        )
        loop.call_soon_threadsafe(self._enqueue, command, message, timeout_s, on_event)
        return command

    def call(
        self, name: str, payload: Payload | None = None, *, timeout_s: float = 30.0
    ) -> Payload:
        """Blocking submit for callers off the I/O thread (set-up, recovery, technicians)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("call() on the I/O thread would wait for itself; use submit()")
        command = self.submit(name, payload, timeout_s=timeout_s)
        # the loop always ends the Future by timeout_s + grace; the margin only guards a bug
        return command.future.result(timeout_s + self._grace + 30 if timeout_s > 0 else None)

    def cancel(self, *request_ids: int) -> Command:
        """Common.Cancel: the named commands (all of ours when none named) end `canceled`."""
        payload: Payload = {"requestIds": list(request_ids)} if request_ids else {}
        return self.submit("Common.Cancel", payload, timeout_s=10.0)

    # --- the I/O thread ---

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._stopping = asyncio.Event()
        self._ready.set()
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    def _begin_stop(self) -> None:
        assert self._stopping is not None
        self._stopping.set()
        if self._ws is not None:
            asyncio.ensure_future(self._ws.close())

    async def _main(self) -> None:
        assert self._stopping is not None
        delay = self._retry_min
        while not self._stopping.is_set():
            reason = "closed"
            try:
                async with connect(self.uri, max_size=MAX_FRAME, open_timeout=5) as ws:
                    self._ws, delay = ws, self._retry_min
                    self._outbox = asyncio.Queue()
                    writer = asyncio.ensure_future(self._write(ws, self._outbox))
                    try:
                        self._set_link(True, "connected")
                        async for frame in ws:
                            self._on_frame(frame)
                    finally:
                        writer.cancel()
                        self._outbox = None
            except ConnectionClosed as exc:
                reason = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                reason = f"cannot connect: {exc}"
            self._ws = None
            self._pending.fail_all(
                lambda name, why=reason: ServiceLost(f"{name}: {why}", command=name)
            )
            self._set_link(False, reason)
            try:
                await asyncio.wait_for(self._stopping.wait(), delay)
            except TimeoutError:
                delay = min(delay * 2, self._retry_max)

    def _set_link(self, up: bool, reason: str) -> None:
        if up:
            self._online.set()
        else:
            self._online.clear()
        if self._link is not up:
            self._link = up
            self._deliver(self._on_link, up, reason)

    def _enqueue(
        self, command: Command, message: Message, timeout_s: float, on_event: MessageHandler | None
    ) -> None:
        if self._outbox is None:
            command.future.set_exception(ServiceOffline("link down", command=command.name))
            return
        item = Pending(command, on_event)
        self._pending.add(item)
        if timeout_s > 0 and self._loop is not None:
            item.expiry = self._loop.call_later(timeout_s + self._grace, self._expire, item)
        self._outbox.put_nowait(encode(message))

    @staticmethod
    async def _write(ws: ClientConnection, outbox: asyncio.Queue[str]) -> None:
        """Sends frames in submission order; a closed link ends it (the reader sees why)."""
        try:
            while True:
                await ws.send(await outbox.get())
        except ConnectionClosed:
            return

    def _expire(self, item: Pending) -> None:
        request_id, name = item.command.request_id, item.command.name
        if self._pending.abandon(request_id) is None:
            return
        item.finish(CommandTimeout(f"{name}: no completion in time", command=name))
        if name != "Common.Cancel":
            self.cancel(request_id)  # best effort; its own completion is not awaited

    def _protocol(self, detail: str) -> None:
        self.protocol_errors += 1
        self._deliver(self._on_protocol_error, ProtocolError(f"{self.uri}: {detail}"))

    def _on_frame(self, frame: str | bytes) -> None:
        try:
            message = decode(frame)
        except ProtocolError as exc:
            self._protocol(str(exc))
            return
        if message.type is MessageType.UNSOLICITED:
            self._deliver(self._on_unsolicited, message)
            return
        if message.type is MessageType.COMMAND:
            self._protocol(f"service sent a command ({message.name})")
            return
        problem = self._pending.on_answer(message)
        if problem is not None:
            self._protocol(problem)

    @staticmethod
    def _deliver(handler: Callable[..., None], *args: object) -> None:
        try:
            handler(*args)
        except Exception:  # a faulty subscriber must not take the device offline
            log.exception("xfs4iot: event handler %r failed", handler)
