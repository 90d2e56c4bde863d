"""The client against the emulator over a real loopback WebSocket: discovery, correlation,
timeouts and cancel, bad frames from the service, refusals, and reconnecting."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from drivers.xfs4iot.connection import ServiceConnection
from drivers.xfs4iot.discovery import find_service, list_services
from drivers.xfs4iot.emulator import DISPENSER, PINPAD, Xfs4IotEmulator
from drivers.xfs4iot.errors import (
    Canceled,
    CommandTimeout,
    DiscoveryError,
    ProtocolError,
    ServiceLost,
    ServiceOffline,
    TimedOut,
    UnsupportedCommand,
)
from drivers.xfs4iot.messages import MessageType
from tests.drivers.xfs4iot.conftest import WAIT


class Link:
    """A started connection whose link changes and protocol errors land in queues."""

    def __init__(self, uri: str) -> None:
        self.changes: queue.Queue[bool] = queue.Queue()
        self.errors: queue.Queue[ProtocolError] = queue.Queue()
        self.connection = ServiceConnection(
            uri,
            on_link=lambda up, reason: self.changes.put(up),
            on_protocol_error=self.errors.put,
            grace_s=0.5,
        )
        self.connection.start()
        assert self.changes.get(timeout=WAIT) is True


@pytest.fixture
def link(emulator: Xfs4IotEmulator) -> Iterator[Link]:
    made = Link(emulator.service_uri(DISPENSER))
    try:
        yield made
    finally:
        made.connection.stop()


def test_the_publisher_lists_both_services_and_discovery_finds_each_by_interface(
    emulator: Xfs4IotEmulator,
) -> None:
    services = list_services(emulator.publisher_uri)
    assert services == [emulator.service_uri(DISPENSER), emulator.service_uri(PINPAD)]
    assert find_service(emulator.publisher_uri, "CashDispenser") == services[0]
    assert find_service(emulator.publisher_uri, "Keyboard") == services[1]
    with pytest.raises(DiscoveryError):
        find_service(emulator.publisher_uri, "Printer")


def test_status_and_capabilities(link: Link) -> None:
    status = link.connection.call("Common.Status")
    assert status["common"]["device"] == "online"
    capabilities = link.connection.call("Common.Capabilities")
    names = {i["name"] for i in capabilities["interfaces"]}
    assert {"Common", "Storage", "CashDispenser", "CashManagement"} <= names


def test_concurrent_commands_are_matched_to_their_own_completions(link: Link) -> None:
    commands = [
        link.connection.submit(name)
        for name in ("Storage.GetStorage", "Common.Status", "Common.GetTransactionState") * 5
    ]
    for command in commands:
        payload = command.future.result(WAIT)
        expected = {
            "Storage.GetStorage": "storage",
            "Common.Status": "common",
            "Common.GetTransactionState": "state",
        }[command.name]
        assert expected in payload
    assert len({c.request_id for c in commands}) == len(commands)


def test_an_unknown_command_completes_unsupported(link: Link) -> None:
    with pytest.raises(UnsupportedCommand):
        link.connection.call("Printer.PrintForm")


def test_garbage_and_stray_messages_from_the_service_are_reported_and_do_not_break_the_link(
    emulator: Xfs4IotEmulator, link: Link
) -> None:
    emulator.send_raw(DISPENSER, "{not json")
    emulator.send_raw(DISPENSER, '{"header": {"type": "completion"}}')
    emulator.send_stray(DISPENSER, MessageType.EVENT, "CashDispenser.IncompleteDispenseEvent", 4242)
    emulator.send_stray(DISPENSER, MessageType.COMPLETION, "CashDispenser.Dispense", 999_999)
    details = [link.errors.get(timeout=WAIT) for _ in range(4)]
    assert all(e.code == "XFS4IOT_PROTOCOL" for e in details)
    assert "4242" in str(details[2]) and "999999" in str(details[3])
    assert link.connection.call("Common.Status")["common"]["device"] == "online"
    assert link.connection.protocol_errors == 4


def test_the_service_times_a_command_out_with_its_own_timer(
    emulator: Xfs4IotEmulator,
) -> None:
    epp = Link(emulator.service_uri(PINPAD))
    try:
        entry = {"minLen": 4, "maxLen": 6, "activeKeys": {"enter": {"terminate": True}}}
        with pytest.raises(TimedOut):
            epp.connection.call("Keyboard.PinEntry", entry, timeout_s=0.05)
    finally:
        epp.connection.stop()


def test_cancel_ends_a_pending_command_canceled(emulator: Xfs4IotEmulator) -> None:
    epp = Link(emulator.service_uri(PINPAD))
    try:
        entry = {"minLen": 4, "maxLen": 6, "activeKeys": {"enter": {"terminate": True}}}
        command = epp.connection.submit("Keyboard.PinEntry", entry, timeout_s=0)
        epp.connection.cancel(command.request_id).future.result(WAIT)
        with pytest.raises(Canceled):
            command.future.result(WAIT)
    finally:
        epp.connection.stop()


def test_a_command_the_service_never_completes_times_out_here_and_is_cancelled_there(
    emulator: Xfs4IotEmulator, link: Link
) -> None:
    emulator.services[DISPENSER].silent_next = 1
    with pytest.raises(CommandTimeout):
        link.connection.call("Storage.GetStorage", timeout_s=0.05)
    # the late canceled completion of the abandoned command is expected, not a protocol error
    assert link.connection.call("Common.Status")["common"]["device"] == "online"
    assert link.errors.empty()


def test_the_service_refuses_malformed_and_duplicate_commands_in_its_acknowledge(
    emulator: Xfs4IotEmulator,
) -> None:
    with connect(emulator.service_uri(DISPENSER)) as raw:
        raw.send("{oops")
        ack = json.loads(raw.recv(WAIT))["header"]
        assert ack["type"] == "acknowledge" and ack["status"] == "invalidMessage"
        silent = emulator.services[DISPENSER]
        silent.silent_next = 1
        command = {
            "header": {
                "type": "command",
                "name": "Common.Status",
                "requestId": 5,
                "version": "2.0",
                "timeout": 0,
            }
        }
        raw.send(json.dumps(command))
        assert "status" not in json.loads(raw.recv(WAIT))["header"]
        raw.send(json.dumps(command))
        again = json.loads(raw.recv(WAIT))["header"]
        assert again["status"] == "invalidRequestID" and again["requestId"] == 5


def test_offline_while_the_service_is_gone_then_back_online(emulator: Xfs4IotEmulator) -> None:
    watch = Link(emulator.service_uri(DISPENSER))
    try:
        emulator.stop()
        assert watch.changes.get(timeout=WAIT) is False
        with pytest.raises(ServiceOffline):
            watch.connection.call("Common.Status")
        emulator.start()  # the same port again
        assert watch.changes.get(timeout=WAIT) is True
        assert watch.connection.call("Common.Status")["common"]["device"] == "online"
    finally:
        watch.connection.stop()


def test_a_link_that_drops_fails_the_pending_command_with_service_lost(
    emulator: Xfs4IotEmulator,
) -> None:
    epp = Link(emulator.service_uri(PINPAD))
    try:
        entry = {"minLen": 4, "maxLen": 6, "activeKeys": {"enter": {"terminate": True}}}
        command = epp.connection.submit("Keyboard.PinEntry", entry, timeout_s=0)
        assert emulator.epp.started.acquire(timeout=WAIT)
        emulator.vanish(PINPAD)
        with pytest.raises(ServiceLost):
            command.future.result(WAIT)
        assert epp.changes.get(timeout=WAIT) is False
        emulator.revive(PINPAD)
        assert epp.changes.get(timeout=WAIT) is True
    finally:
        epp.connection.stop()


def test_a_restarted_emulator_still_queues_commands(emulator: Xfs4IotEmulator) -> None:
    entry = {"minLen": 4, "maxLen": 6, "activeKeys": {"enter": {"terminate": True}}}
    for _ in range(2):  # a queue that waits, on the first loop and on the restarted one
        epp = Link(emulator.service_uri(PINPAD))
        try:
            first = epp.connection.submit("Keyboard.PinEntry", entry, timeout_s=0)
            second = epp.connection.submit("Keyboard.PinEntry", entry, timeout_s=0)
            assert emulator.epp.started.acquire(timeout=WAIT)
            epp.connection.cancel(first.request_id)
            assert emulator.epp.started.acquire(timeout=WAIT)  # the second one runs now
            epp.connection.cancel(second.request_id)
            for command in (first, second):
                with pytest.raises(Canceled):
                    command.future.result(WAIT)
        finally:
            epp.connection.stop()
        emulator.stop()
        emulator.start()


@pytest.mark.parametrize(
    ("service", "name", "payload"),
    [
        (DISPENSER, "Common.Cancel", {"requestIds": "all"}),
        (DISPENSER, "CashDispenser.Denominate", {"denomination": {"denomination": 5}}),
        (
            DISPENSER,
            "CashDispenser.Dispense",
            {"denomination": {"denomination": {"values": {"unit1": "two"}}}, "token": "x"},
        ),
        (DISPENSER, "Common.SetTransactionState", {"state": 1}),
        (PINPAD, "Keyboard.PinEntry", {"minLen": 4, "maxLen": 6, "activeKeys": ["enter"]}),
        (PINPAD, "PinPad.GetPinBlock", {"customerData": ["1"], "format": "iso4"}),
    ],
)
def test_payloads_of_the_wrong_shape_complete_with_an_error_not_silence(
    emulator: Xfs4IotEmulator, service: str, name: str, payload: dict[str, object]
) -> None:
    with connect(emulator.service_uri(service)) as raw:
        command = {
            "header": {
                "type": "command",
                "name": name,
                "requestId": 1,
                "version": "2.0",
                "timeout": 0,
            },
            "payload": payload,
        }
        raw.send(json.dumps(command))
        assert "status" not in json.loads(raw.recv(WAIT))["header"]  # queued
        completion = json.loads(raw.recv(WAIT))["header"]
        assert completion["type"] == "completion" and completion["requestId"] == 1
        assert completion["completionCode"] in ("invalidData", "commandErrorCode")
