"""The XFS4IoT cash dispenser driver against the emulated dispenser over loopback WebSocket."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from drivers.base import DeviceState
from drivers.dispenser.base import (
    Denomination,
    DeviceErrorReported,
    DispenserDone,
    DispenserFailed,
    DispenserStateChanged,
    IncompleteDispense,
    ItemsPresented,
    ItemsTaken,
    PresentState,
    ShutterChanged,
    UnitKind,
)
from drivers.xfs4iot.dispenser import Xfs4IotDispenser
from drivers.xfs4iot.emulator import Xfs4IotEmulator
from drivers.xfs4iot.errors import (
    CommandErrorCode,
    DiscoveryError,
    HardwareError,
    ServiceLost,
    ServiceOffline,
)
from drivers.xfs4iot.token import dispense_token
from kiosk.events import EventBus
from tests.drivers.xfs4iot.conftest import TOKEN_KEY, WAIT, Recorder


@pytest.fixture
def dispenser(emulator: Xfs4IotEmulator, recorder: Recorder) -> Iterator[Xfs4IotDispenser]:
    device = Xfs4IotDispenser("dispenser", emulator.publisher_uri, recorder)
    device.open()
    try:
        yield device
    finally:
        device.close()


def authorised(dispenser: Xfs4IotDispenser, amount_minor: int) -> tuple[Denomination, str]:
    """What the journey will do: a mix, the device's nonce, the host's token over it."""
    mix = dispenser.denominate(amount_minor, "CNY").result(WAIT)
    nonce = dispenser.command_nonce().result(WAIT)
    return mix, dispense_token(TOKEN_KEY, nonce, amount_minor, "CNY")


def counts(dispenser: Xfs4IotDispenser) -> dict[str, int]:
    return {u.name: u.count for u in dispenser.storage()}


def test_open_reads_capabilities_storage_and_state(
    dispenser: Xfs4IotDispenser, recorder: Recorder
) -> None:
    caps = dispenser.capabilities
    assert caps.currency == "CNY" and caps.denominations_minor == (10000, 5000, 2000, 1000)
    assert caps.token_required and caps.max_dispense_items == 40 and caps.items_taken_sensor
    kinds = [u.kind for u in dispenser.storage()]
    assert kinds.count(UnitKind.CASH_OUT) == 4 and UnitKind.REJECT in kinds
    assert dispenser.health().state is DeviceState.ONLINE
    assert dispenser.health().supplies["CST1"] == "ok"
    recorder.wait_for(DispenserStateChanged, lambda e: e.state is DeviceState.ONLINE)


def test_status_reads_the_device_now(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator
) -> None:
    status = dispenser.status().result(WAIT)
    assert (status.state, status.shutter, status.position) == (
        DeviceState.ONLINE,
        "closed",
        "empty",
    )
    assert status.dispenser == "ok" and status.stacker == "empty"
    mix, token = authorised(dispenser, 1000)
    dispenser.dispense(mix, token).result(WAIT)
    dispenser.present().result(WAIT)
    status = dispenser.status().result(WAIT)
    assert (status.shutter, status.position) == ("open", "notEmpty")


def test_denominate_makes_the_fewest_notes_or_refuses(dispenser: Xfs4IotDispenser) -> None:
    mix = dispenser.denominate(38000, "CNY").result(WAIT)
    assert mix.amount_minor == 38000
    assert dict(mix.counts) == {"unit1": 3, "unit2": 1, "unit3": 1, "unit4": 1}
    with pytest.raises(CommandErrorCode) as caught:
        dispenser.denominate(1500, "CNY").result(WAIT)
    assert caught.value.error_code == "notDispensable"


def test_a_withdrawal_dispense_present_taken(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    before = counts(dispenser)
    mix, token = authorised(dispenser, 30000)
    moved = dispenser.dispense(mix, token).result(WAIT)
    assert moved == mix and moved.items == 3
    recorder.wait_for(DispenserDone, lambda e: e.operation == "dispense")
    dispenser.present().result(WAIT)
    recorder.wait_for(ItemsPresented)
    recorder.wait_for(ShutterChanged, lambda e: e.shutter == "open")
    emulator.take_items()
    assert recorder.wait_for(ItemsTaken).position == "outDefault"
    recorder.wait_for(ShutterChanged, lambda e: e.shutter == "closed")
    state = dispenser.transaction_state().result(WAIT)
    assert state.present_state is PresentState.PRESENTED and state.dispensed == mix
    assert not state.items_at_position and not state.items_on_stacker
    after = counts(dispenser)
    assert before["unit1"] - after["unit1"] == 3
    assert dispenser.health().counters["notes_dispensed"] == 3


def test_notes_not_taken_are_retracted_and_the_device_says_so(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator
) -> None:
    mix, token = authorised(dispenser, 5000)
    dispenser.dispense(mix, token).result(WAIT)
    dispenser.present().result(WAIT)
    assert dispenser.transaction_state().result(WAIT).items_at_position
    assert dispenser.retract().result(WAIT) == 1
    state = dispenser.transaction_state(host_nonce="1414").result(WAIT)
    assert state.retracted is True and "RETRACTED1=YES" in state.token
    assert not state.items_at_position
    assert next(u for u in dispenser.storage() if u.kind is UnitKind.RETRACT).count == 1


def test_reject_sends_stacked_notes_to_the_reject_bin(dispenser: Xfs4IotDispenser) -> None:
    mix, token = authorised(dispenser, 2000)
    dispenser.dispense(mix, token).result(WAIT)
    assert dispenser.transaction_state().result(WAIT).items_on_stacker
    dispenser.reject().result(WAIT)
    dispenser.transaction_state().result(WAIT)  # storage refresh has been answered by now
    assert next(u for u in dispenser.storage() if u.kind is UnitKind.REJECT).count == 1
    with pytest.raises(CommandErrorCode) as caught:
        dispenser.present().result(WAIT)
    assert caught.value.error_code == "noItems"


def test_a_jam_reports_what_did_come_out_and_reset_clears_it(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    emulator.dispenser.faults.jam_unit = "unit1"
    mix, token = authorised(dispenser, 40000)  # 4 x 100: two come out, then the jam
    with pytest.raises(HardwareError):
        dispenser.dispense(mix, token).result(WAIT)
    incomplete = recorder.wait_for(IncompleteDispense)
    assert dict(incomplete.dispensed.counts) == {"unit1": 2}
    assert incomplete.dispensed.amount_minor == 20000
    recorder.wait_for(DispenserFailed, lambda e: e.code == "XFS4IOT_HARDWARE_ERROR")
    recorder.wait_for(DispenserStateChanged, lambda e: e.state is DeviceState.HARDWARE_ERROR)
    report = recorder.wait_for(DeviceErrorReported)
    assert (report.kind, report.action) == ("hardware", "reset")
    mark = recorder.mark()
    dispenser.reset().result(WAIT)
    recorder.wait_for(DispenserStateChanged, lambda e: e.state is DeviceState.ONLINE, since=mark)
    assert dispenser.health().state is DeviceState.ONLINE


def test_a_partial_dispense(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    emulator.dispenser.faults.partial_next = 1
    mix, token = authorised(dispenser, 15000)
    with pytest.raises(HardwareError) as caught:
        dispenser.dispense(mix, token).result(WAIT)
    assert recorder.wait_for(IncompleteDispense).dispensed.items == 1
    assert caught.value.payload["denomination"] == {
        "currencies": {"CNY": 100.0},
        "values": {"unit1": 1},
    }


def test_a_shutter_that_will_not_open(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    emulator.dispenser.faults.shutter_jammed = True
    mix, token = authorised(dispenser, 1000)
    dispenser.dispense(mix, token).result(WAIT)
    with pytest.raises(HardwareError) as caught:
        dispenser.present().result(WAIT)
    assert caught.value.error_code == "shutterNotOpen"
    recorder.wait_for(ShutterChanged, lambda e: e.shutter == "jammedClosed")
    with pytest.raises(HardwareError):
        dispenser.open_shutter().result(WAIT)
    state = dispenser.transaction_state().result(WAIT)
    assert state.present_state is PresentState.NOT_PRESENTED and state.items_on_stacker


def test_explicit_shutter_commands(dispenser: Xfs4IotDispenser, recorder: Recorder) -> None:
    dispenser.open_shutter().result(WAIT)
    recorder.wait_for(ShutterChanged, lambda e: e.shutter == "open")
    dispenser.close_shutter().result(WAIT)
    recorder.wait_for(ShutterChanged, lambda e: e.shutter == "closed")


def test_the_service_disappears_mid_dispense_and_recovery_finds_the_notes(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    dispenser.set_transaction(True, "txn-42").result(WAIT)
    emulator.dispenser.faults.vanish_on_dispense = True
    mix, token = authorised(dispenser, 20000)
    with pytest.raises(ServiceLost):
        dispenser.dispense(mix, token).result(WAIT)
    recorder.wait_for(DispenserStateChanged, lambda e: e.state is DeviceState.OFFLINE)
    with pytest.raises(ServiceOffline):
        dispenser.present().result(WAIT)
    mark = recorder.mark()
    emulator.revive()
    recorder.wait_for(DispenserStateChanged, lambda e: e.state is DeviceState.ONLINE, since=mark)
    state = dispenser.transaction_state().result(WAIT)
    assert state.transaction_active and state.transaction_id == "txn-42"
    assert state.present_state is PresentState.NOT_PRESENTED
    assert state.dispensed == mix and state.items_on_stacker


def test_unsolicited_status_changes_reach_the_bus(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    emulator.run(lambda: emulator.dispenser._set_device("userError"))
    recorder.wait_for(DispenserStateChanged, lambda e: e.state is DeviceState.USER_ERROR)
    assert dispenser.health().state is DeviceState.USER_ERROR


def test_a_failed_open_leaves_no_io_thread(emulator: Xfs4IotEmulator, recorder: Recorder) -> None:
    before = {t.ident for t in threading.enumerate()}
    missing = Xfs4IotDispenser(
        "dispenser", "ws://127.0.0.1:9/xfs4iot/v1.0/cashdispenser", recorder, open_timeout_s=0.2
    )
    with pytest.raises(ServiceOffline):
        missing.open()
    del emulator.services["cashdispenser"]  # the publisher now lists only the EPP
    with pytest.raises(DiscoveryError):
        Xfs4IotDispenser("dispenser", emulator.publisher_uri, recorder).open()
    assert {t.ident for t in threading.enumerate()} <= before


def test_events_travel_on_the_kiosk_event_bus(emulator: Xfs4IotEmulator) -> None:
    bus = EventBus()
    device = Xfs4IotDispenser("dispenser", emulator.publisher_uri, bus.publish)
    device.open()
    try:
        mix, token = authorised(device, 10000)
        device.dispense(mix, token).result(WAIT)
        device.present().result(WAIT)
        emulator.take_items()
        seen: list[object] = []
        while not any(isinstance(e, ItemsTaken) for e in seen):
            event = bus.get(timeout=WAIT)
            assert event is not None, seen
            seen.append(event)
        kinds = [type(e).__name__ for e in seen]
        assert kinds.index("ItemsPresented") < kinds.index("ItemsTaken")
    finally:
        device.close()
