"""Commands awaiting completion, by requestId, and what each answer from the service means.

Kept free of I/O so the rules are plain: an acknowledge with a `status` refuses the command, an
event goes to the command's own handler, a completion ends it exactly once (typed by its
completionCode), and anything for a requestId we have no command for is a protocol error —
except the late completion of a command we already gave up on (timed out here and cancelled).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from drivers.xfs4iot.errors import (
    CommandRefused,
    CompletionCode,
    ProtocolError,
    Xfs4IotError,
    completion_error,
)
from drivers.xfs4iot.messages import Message, MessageType, Payload

MessageHandler = Callable[[Message], None]


@dataclass(frozen=True)
class Command:
    """A submitted command: its requestId (to cancel it) and the Future of its payload."""

    request_id: int
    name: str
    future: Future[Payload]


@dataclass
class Pending:
    command: Command
    on_event: MessageHandler | None
    expiry: asyncio.TimerHandle | None = None
    acknowledged: bool = False

    def finish(self, outcome: Payload | Xfs4IotError) -> None:
        """Ends the Future once (a second outcome is ignored) and stops its deadline."""
        if self.expiry is not None:
            self.expiry.cancel()
        if self.command.future.done():
            return
        if isinstance(outcome, Xfs4IotError):
            self.command.future.set_exception(outcome)
        else:
            self.command.future.set_result(outcome)


class PendingTable:
    def __init__(self, deliver: Callable[[MessageHandler, Message], None]) -> None:
        self._deliver = deliver  # runs an event handler without letting it break the link
        self._pending: dict[int, Pending] = {}
        self._abandoned: set[int] = set()

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, item: Pending) -> None:
        self._pending[item.command.request_id] = item

    def abandon(self, request_id: int) -> Pending | None:
        """Gives up on a command (client deadline); its late completion will be ignored."""
        item = self._pending.pop(request_id, None)
        if item is not None:
            self._abandoned.add(request_id)
        return item

    def discard(self, request_id: int) -> Pending | None:
        return self._pending.pop(request_id, None)

    def fail_all(self, error: Callable[[str], Xfs4IotError]) -> None:
        pending, self._pending = self._pending, {}
        for item in pending.values():
            item.finish(error(item.command.name))

    def on_answer(self, message: Message) -> str | None:
        """Applies an acknowledge, event or completion; returns a protocol error, if any."""
        assert message.request_id is not None
        item = self._pending.get(message.request_id)
        if item is None:
            if message.request_id in self._abandoned:
                if message.type is MessageType.COMPLETION:
                    self._abandoned.discard(message.request_id)
                return None
            what = f"{message.type.value} {message.name} for requestId {message.request_id}"
            return f"{what}, which is not a pending command of ours"
        name = item.command.name
        if message.type is MessageType.EVENT:
            if item.on_event is not None:
                self._deliver(item.on_event, message)
            return None
        if message.name != name:
            self.discard(message.request_id)
            detail = f"{message.type.value} named {message.name} answers {name}"
            item.finish(ProtocolError(detail, command=name))
            return detail
        if message.type is MessageType.ACKNOWLEDGE:
            if message.status is None:
                item.acknowledged = True
                return None
            self.discard(message.request_id)
            reason = f"{message.status.value} {message.error_description}".strip()
            item.finish(CommandRefused(f"{name} not queued: {reason}", command=name, status=reason))
            return None
        self.discard(message.request_id)
        item.finish(_outcome(name, message))
        return None


def _outcome(name: str, message: Message) -> Payload | Xfs4IotError:
    code = message.completion_code
    if code is CompletionCode.SUCCESS:
        return message.payload
    assert code is not None
    error = completion_error(
        code,
        command=name,
        description=message.error_description,
        error_code=str(message.payload.get("errorCode") or ""),
    )
    error.payload = message.payload
    return error
