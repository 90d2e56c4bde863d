"""XFS4IoT messages: a `header` object and an optional `payload` object, as JSON text frames.

The header (v2 definitions) carries `type` (command | acknowledge | event | completion |
unsolicited), `name` (`Interface.Command`), `requestId` (client-chosen, positive; absent for
unsolicited events), `version`, and per type `timeout` (ms, command; 0 = none), `status`
(acknowledge, only when the command was not queued), `completionCode` and `errorDescription`
(completion). Both ends of the wire (the client and the emulator) parse with `decode`, so a
malformed frame is refused the same way everywhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from drivers.xfs4iot.errors import AckStatus, CompletionCode, ProtocolError

MESSAGE_VERSION = "2.0"
MAX_FRAME = 256 * 1024  # a bigger frame is not an XFS4IoT message we would ever need
_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*\.[A-Z][A-Za-z0-9]*$")
_VERSION = re.compile(r"^[0-9]+\.[0-9]+$")

Payload = dict[str, Any]


class MessageType(str, Enum):
    COMMAND = "command"
    ACKNOWLEDGE = "acknowledge"
    EVENT = "event"
    COMPLETION = "completion"
    UNSOLICITED = "unsolicited"


@dataclass(frozen=True)
class Message:
    type: MessageType
    name: str
    request_id: int | None
    payload: Payload = field(default_factory=dict)
    version: str = MESSAGE_VERSION
    timeout_ms: int | None = None
    status: AckStatus | None = None
    completion_code: CompletionCode | None = None
    error_description: str = ""

    def __repr__(self) -> str:  # payloads may carry PIN blocks or tokens: never print them
        return f"Message({self.type.value} {self.name} #{self.request_id})"


def encode(message: Message) -> str:
    header: dict[str, Any] = {
        "type": message.type.value,
        "name": message.name,
        "version": message.version,
    }
    if message.request_id is not None:
        header["requestId"] = message.request_id
    if message.type is MessageType.COMMAND:
        header["timeout"] = message.timeout_ms or 0
    if message.status is not None:
        header["status"] = message.status.value
    if message.completion_code is not None:
        header["completionCode"] = message.completion_code.value
    if message.error_description:
        header["errorDescription"] = message.error_description
    body: dict[str, Any] = {"header": header}
    if message.payload:
        body["payload"] = message.payload
    return json.dumps(body, separators=(",", ":"))


def _field(header: dict[str, Any], key: str, kind: type, *, required: bool) -> Any:
    value = header.get(key)
    if value is None:
        if required:
            raise ProtocolError(f"header.{key} missing")
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"header.{key} must be {kind.__name__}")
    return value


def _enum(enum: type[Enum], value: str | None, key: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError as exc:
        raise ProtocolError(f"header.{key} {value!r} is not a standard value") from exc


def decode(text: str | bytes) -> Message:
    """Parses and validates one frame; raises ProtocolError naming what is wrong."""
    if isinstance(text, bytes):
        raise ProtocolError("binary frame (XFS4IoT messages are JSON text)")
    if len(text) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(text)} characters exceeds {MAX_FRAME}")
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise ProtocolError("frame is not JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("header"), dict):
        raise ProtocolError("message has no header object")
    header: dict[str, Any] = body["header"]
    kind = _enum(MessageType, _field(header, "type", str, required=True), "type")
    name = _field(header, "name", str, required=True)
    if not _NAME.match(name):
        raise ProtocolError(f"header.name {name!r} is not Interface.Message")
    version = _field(header, "version", str, required=True)
    if not _VERSION.match(version):
        raise ProtocolError(f"header.version {version!r} is not major.minor")
    request_id = _field(header, "requestId", int, required=kind is not MessageType.UNSOLICITED)
    status = _enum(AckStatus, _field(header, "status", str, required=False), "status")
    # a refused frame that could not even be parsed is acknowledged with requestId 0
    lowest = 0 if kind is MessageType.ACKNOWLEDGE and status is not None else 1
    if request_id is not None and request_id < lowest:
        raise ProtocolError(f"header.requestId {request_id} is not positive")
    code = _field(header, "completionCode", str, required=kind is MessageType.COMPLETION)
    timeout = _field(header, "timeout", int, required=False)
    if timeout is not None and timeout < 0:
        raise ProtocolError("header.timeout is negative")
    payload = body.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise ProtocolError("payload is not an object")
    return Message(
        type=kind,
        name=name,
        request_id=request_id,
        payload=payload or {},
        version=version,
        timeout_ms=timeout,
        status=status,
        completion_code=_enum(CompletionCode, code, "completionCode"),
        error_description=str(header.get("errorDescription") or ""),
    )


def peek_request(text: str) -> tuple[str, int]:
    """Best-effort name and requestId of a frame decode() refused, to acknowledge it.

    Every header needs a valid name, so a frame without one is acknowledged under
    `Common.Status` with requestId 0: the client cannot match it to a command and reports it,
    which is the point (it learns that something it sent was unreadable).
    """
    try:
        header = json.loads(text).get("header", {})
        name, request_id = header.get("name"), header.get("requestId")
    except (ValueError, AttributeError):
        return "Common.Status", 0
    ok_name = isinstance(name, str) and bool(_NAME.match(name))
    ok_id = isinstance(request_id, int) and not isinstance(request_id, bool) and request_id > 0
    return (name if ok_name else "Common.Status"), (request_id if ok_id else 0)
