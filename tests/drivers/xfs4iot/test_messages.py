"""The XFS4IoT message layer: headers both ways, every malformed frame refused by name."""

from __future__ import annotations

import json

import pytest

from drivers.xfs4iot.errors import (
    CompletionCode,
    CompletionError,
    InvalidTokenHmac,
    ProtocolError,
    TokenRefused,
    completion_error,
)
from drivers.xfs4iot.messages import Message, MessageType, decode, encode


def test_a_command_round_trips_with_its_v2_header() -> None:
    command = Message(
        MessageType.COMMAND, "CashDispenser.Present", 7, {"position": "outDefault"}, timeout_ms=5000
    )
    wire = json.loads(encode(command))
    assert wire["header"] == {
        "type": "command",
        "name": "CashDispenser.Present",
        "requestId": 7,
        "version": "2.0",
        "timeout": 5000,
    }
    assert decode(encode(command)) == command


def test_a_completion_carries_its_code_and_description_in_the_header() -> None:
    frame = encode(
        Message(
            MessageType.COMPLETION,
            "Common.Status",
            3,
            {},
            completion_code=CompletionCode.HARDWARE_ERROR,
            error_description="jam",
        )
    )
    header = json.loads(frame)["header"]
    assert header["completionCode"] == "hardwareError" and header["errorDescription"] == "jam"
    assert decode(frame).completion_code is CompletionCode.HARDWARE_ERROR


def test_unsolicited_events_have_no_request_id() -> None:
    frame = encode(Message(MessageType.UNSOLICITED, "Common.StatusChangedEvent", None, {"a": 1}))
    assert "requestId" not in json.loads(frame)["header"]
    assert decode(frame).request_id is None


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[]",
        '{"payload": {}}',
        '{"header": {"type": "completion", "name": "Common.Status", "version": "2.0"}}',
        '{"header": {"type": "reply", "name": "Common.Status", "requestId": 1, "version": "2.0"}}',
        '{"header": {"type": "event", "name": "status", "requestId": 1, "version": "2.0"}}',
        '{"header": {"type": "event", "name": "A.B", "requestId": 0, "version": "2.0"}}',
        '{"header": {"type": "event", "name": "A.B", "requestId": true, "version": "2.0"}}',
        '{"header": {"type": "event", "name": "A.B", "requestId": 1, "version": "two"}}',
        '{"header": {"type": "event", "name": "A.B", "requestId": 1, "version": "2.0"}, '
        '"payload": []}',
        '{"header": {"type": "completion", "name": "A.B", "requestId": 1, "version": "2.0", '
        '"completionCode": "fine"}}',
        '{"header": {"type": "acknowledge", "name": "A.B", "requestId": 1, "version": "2.0", '
        '"status": "busy"}}',
        b'{"header": {}}',
        "x" * 300_000,
    ],
)
def test_malformed_frames_are_refused_with_a_typed_error(frame: str | bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode(frame)
    assert caught.value.code == "XFS4IOT_PROTOCOL"


def test_every_failing_completion_code_has_its_own_typed_error_and_stable_code() -> None:
    codes = [c for c in CompletionCode if c is not CompletionCode.SUCCESS]
    errors = [completion_error(c, command="X.Y", description="d") for c in codes]
    assert all(isinstance(e, CompletionError) for e in errors)
    assert len({type(e) for e in errors}) == len(codes)
    assert len({e.code for e in errors}) == len(codes)
    assert all(e.code.startswith("XFS4IOT_") for e in errors)
    hmac = completion_error(CompletionCode.INVALID_TOKEN_HMAC, command="CashDispenser.Dispense")
    assert isinstance(hmac, InvalidTokenHmac) and isinstance(hmac, TokenRefused)
