"""requestId correlation without a socket: each kind of answer, and answers to nothing."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from drivers.xfs4iot.correlation import Command, Pending, PendingTable
from drivers.xfs4iot.errors import (
    AckStatus,
    CommandRefused,
    CompletionCode,
    InvalidData,
    ProtocolError,
)
from drivers.xfs4iot.messages import Message, MessageType


def table_with(name: str = "Storage.GetStorage") -> tuple[PendingTable, Command, list[Message]]:
    events: list[Message] = []
    table = PendingTable(lambda handler, message: handler(message))
    command = Command(7, name, Future())
    table.add(Pending(command, events.append))
    return table, command, events


def answer(kind: MessageType, name: str = "Storage.GetStorage", **fields: object) -> Message:
    return Message(kind, name, 7, **fields)  # type: ignore[arg-type]


def test_ack_event_completion_in_order() -> None:
    table, command, events = table_with()
    assert table.on_answer(answer(MessageType.ACKNOWLEDGE)) is None
    assert table.on_answer(answer(MessageType.EVENT, "Storage.StorageChangedEvent")) is None
    assert [e.name for e in events] == ["Storage.StorageChangedEvent"]
    done = answer(
        MessageType.COMPLETION, payload={"storage": {}}, completion_code=CompletionCode.SUCCESS
    )
    assert table.on_answer(done) is None
    assert command.future.result(0) == {"storage": {}} and len(table) == 0
    assert "not a pending command" in (table.on_answer(done) or "")


def test_a_refusing_acknowledge_ends_the_command() -> None:
    table, command, _ = table_with()
    table.on_answer(answer(MessageType.ACKNOWLEDGE, status=AckStatus.TOO_MANY_REQUESTS))
    with pytest.raises(CommandRefused) as caught:
        command.future.result(0)
    assert caught.value.status.startswith("tooManyRequests")


def test_a_failed_completion_is_typed_and_keeps_its_payload() -> None:
    table, command, _ = table_with()
    table.on_answer(
        answer(
            MessageType.COMPLETION,
            payload={"errorCode": "x"},
            completion_code=CompletionCode.INVALID_DATA,
        )
    )
    with pytest.raises(InvalidData) as caught:
        command.future.result(0)
    assert caught.value.error_code == "x" and caught.value.payload == {"errorCode": "x"}


def test_an_answer_under_another_name_is_a_protocol_error() -> None:
    table, command, _ = table_with()
    problem = table.on_answer(
        answer(MessageType.COMPLETION, "Common.Status", completion_code=CompletionCode.SUCCESS)
    )
    assert problem is not None and "answers Storage.GetStorage" in problem
    with pytest.raises(ProtocolError):
        command.future.result(0)


def test_the_late_completion_of_an_abandoned_command_is_expected() -> None:
    table, _, _ = table_with()
    assert table.abandon(7) is not None
    late = answer(MessageType.COMPLETION, completion_code=CompletionCode.CANCELED)
    assert table.on_answer(late) is None
    assert table.on_answer(late) is not None  # but only once
