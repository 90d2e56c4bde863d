"""The service side of XFS4IoT for the emulator: queueing, acknowledge, completion, cancel.

A real service acknowledges every command at once (with a `status` only when it will not queue
it), runs the commands of one service in arrival order, sends events tagged with the command's
`requestId`, and completes each exactly once: `timeOut` when the header's timeout expires,
`canceled` after `Common.Cancel`. Handlers (the device models) only say what a command does; this
file gives every model the same wire behaviour, including the faults the tests provoke.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from drivers.xfs4iot.errors import AckStatus, CompletionCode, ProtocolError
from drivers.xfs4iot.messages import Message, MessageType, Payload, decode, encode, peek_request

log = logging.getLogger("drivers.xfs4iot.emulator")
MAX_QUEUED = 16


class CommandFailed(Exception):
    """Raised by a handler: the command completes with this code (and payload errorCode)."""

    def __init__(
        self,
        code: CompletionCode,
        description: str = "",
        *,
        error_code: str = "",
        payload: Payload | None = None,
    ) -> None:
        super().__init__(description or code.value)
        self.code, self.description = code, description
        self.payload = dict(payload or {})
        if error_code:
            self.payload["errorCode"] = error_code


@dataclass
class CommandContext:
    """What a handler may use: its requestId and a way to send events for this command."""

    request_id: int
    name: str
    endpoint: Endpoint
    connection: ServerConnection

    async def event(self, name: str, payload: Payload) -> None:
        message = Message(MessageType.EVENT, name, self.request_id, payload)
        await self.endpoint.send(self.connection, message)


Handler = Callable[[CommandContext, Payload], Awaitable[Payload | None]]


@dataclass
class _Job:
    context: CommandContext
    payload: Payload
    timeout_s: float
    task: asyncio.Future[object] | None = None
    cancel_requested: bool = False
    silenced: bool = False  # no handler runs; only Cancel ends it


@dataclass
class Endpoint:
    """One service URI: handlers by command name, plus fault switches for the tests."""

    name: str
    handlers: dict[str, Handler]
    immediate: frozenset[str] = frozenset()  # run at once, not behind the queue (status...)
    connections: set[ServerConnection] = field(default_factory=set)
    vanished: bool = False  # refuses connections (the service disappeared)
    silent_next: int = 0  # this many next commands are acknowledged and never completed
    _jobs: dict[tuple[int, int], _Job] = field(default_factory=dict)
    _queue_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def reset_for_loop(self) -> None:
        """Forgets the previous run: an asyncio lock belongs to the loop that first waited on it,
        so an emulator started again (a new loop) needs a new one."""
        self._queue_lock = asyncio.Lock()
        self._jobs.clear()
        self.connections.clear()

    async def serve(self, connection: ServerConnection) -> None:
        self.connections.add(connection)
        try:
            async for frame in connection:
                await self._receive(connection, frame)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(connection)
            for key, job in list(self._jobs.items()):
                if key[0] == id(connection):
                    self._jobs.pop(key, None)  # nobody is left to complete it to
                    if job.task is not None:
                        job.task.cancel()

    async def send(self, connection: ServerConnection, message: Message) -> None:
        try:
            await connection.send(encode(message))
        except ConnectionClosed:
            log.debug("emulator: %s lost before %s could be sent", self.name, message)

    async def send_raw(self, text: str) -> None:
        """Sends a frame as is to every client (the tests' malformed and stray messages)."""
        for connection in list(self.connections):
            try:
                await connection.send(text)
            except ConnectionClosed:
                continue

    async def broadcast(self, name: str, payload: Payload) -> None:
        """An unsolicited event (no requestId) to every connected client."""
        await self.send_raw(encode(Message(MessageType.UNSOLICITED, name, None, payload)))

    async def vanish(self) -> None:
        """Drops every client and refuses new ones until revive(): a service that died."""
        self.vanished = True
        for connection in list(self.connections):
            await connection.close(1011, "service stopped")

    def revive(self) -> None:
        self.vanished = False

    async def _ack(
        self, connection: ServerConnection, name: str, request_id: int, status: AckStatus | None
    ) -> None:
        message = Message(MessageType.ACKNOWLEDGE, name, request_id, status=status)
        await self.send(connection, message)

    async def _receive(self, connection: ServerConnection, frame: str | bytes) -> None:
        try:
            message = decode(frame)
            if message.type is not MessageType.COMMAND:
                raise ProtocolError(f"a client may only send commands, not {message.type.value}")
        except ProtocolError as exc:
            name, request_id = peek_request(frame if isinstance(frame, str) else "")
            refusal = Message(
                MessageType.ACKNOWLEDGE,
                name,
                request_id,
                status=AckStatus.INVALID_MESSAGE,
                error_description=str(exc),
            )
            await self.send(connection, refusal)
            return
        assert message.request_id is not None
        key = (id(connection), message.request_id)
        refusal_status = None
        if key in self._jobs:
            refusal_status = AckStatus.INVALID_REQUEST_ID
        elif len(self._jobs) >= MAX_QUEUED:
            refusal_status = AckStatus.TOO_MANY_REQUESTS
        await self._ack(connection, message.name, message.request_id, refusal_status)
        if refusal_status is not None:
            return
        context = CommandContext(message.request_id, message.name, self, connection)
        if message.name == "Common.Cancel":
            await self._cancel(context, message.payload)
            return
        if message.name not in self.handlers:
            await self._complete(context, CompletionCode.UNSUPPORTED_COMMAND, "not supported")
            return
        job = _Job(context, message.payload, (message.timeout_ms or 0) / 1000)
        self._jobs[key] = job
        if self.silent_next > 0:
            self.silent_next -= 1
            job.silenced = True
            job.task = asyncio.ensure_future(asyncio.Event().wait())
            return
        job.task = asyncio.ensure_future(self._run(key, job))

    async def _cancel(self, context: CommandContext, payload: Payload) -> None:
        wanted = payload.get("requestIds")
        if wanted is not None and (
            not isinstance(wanted, list) or not all(isinstance(i, int) for i in wanted)
        ):
            await self._complete(context, CompletionCode.INVALID_DATA, "requestIds: integers")
            return
        for (conn, request_id), job in list(self._jobs.items()):
            if conn != id(context.connection):
                continue
            if wanted is None or request_id in wanted:
                job.cancel_requested = True
                if job.task is not None:
                    job.task.cancel()
                    asyncio.ensure_future(self._after_cancel((conn, request_id), job))
        await self._complete(context, CompletionCode.SUCCESS)

    async def _after_cancel(self, key: tuple[int, int], job: _Job) -> None:
        """Completes a cancelled job that could not say so itself: one silenced, or one
        cancelled before its task ever ran (its _run then never started)."""
        assert job.task is not None
        await asyncio.gather(job.task, return_exceptions=True)
        if self._jobs.pop(key, None) is not None:
            await self._complete(job.context, CompletionCode.CANCELED, "canceled")

    async def _run(self, key: tuple[int, int], job: _Job) -> None:
        code, description, body = CompletionCode.SUCCESS, "", {}
        handler = self.handlers[job.context.name]
        try:
            if job.context.name in self.immediate:
                body = await self._execute(handler, job) or {}
            else:
                async with self._queue_lock:
                    body = await self._execute(handler, job) or {}
        except TimeoutError:
            code, description = CompletionCode.TIME_OUT, "timeout expired"
        except CommandFailed as failed:
            code, description, body = failed.code, failed.description, failed.payload
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # a payload of the wrong shape that a handler did not check for: say so, as a real
            # service would, instead of leaving the command without a completion
            code, description = CompletionCode.INVALID_DATA, f"payload not understood: {exc!r}"
        except asyncio.CancelledError:
            if not job.cancel_requested:
                self._jobs.pop(key, None)
                raise  # the connection is gone: nobody to complete to
            code, description = CompletionCode.CANCELED, "canceled"
        if self._jobs.pop(key, None) is not None:
            await self._complete(job.context, code, description, body)

    @staticmethod
    async def _execute(handler: Handler, job: _Job) -> Payload | None:
        async with asyncio.timeout(job.timeout_s or None):
            return await handler(job.context, job.payload)

    async def _complete(
        self,
        context: CommandContext,
        code: CompletionCode,
        description: str = "",
        payload: Payload | None = None,
    ) -> None:
        message = Message(
            MessageType.COMPLETION,
            context.name,
            context.request_id,
            payload or {},
            completion_code=code,
            error_description=description if code is not CompletionCode.SUCCESS else "",
        )
        await self.send(context.connection, message)
