"""eSSP commands added for cash reconciliation: counters, start-up REJECT, reset, inhibits."""

from __future__ import annotations

from pathlib import Path

from drivers.cash.base import AcceptorAlarm, AlarmKind, NoteCredited, NoteReturned
from drivers.cash.essp_emulator import EsspEmulator, Fault
from drivers.cash.essp_protocol import Command, Counters, encode_counters, parse_counters
from tests.drivers.test_essp_driver import RETRIES, Rig
from tests.drivers.test_essp_driver import make_rig as make_rig  # the fixture


def test_counters_round_trip() -> None:
    counters = Counters(70000, 69990, 0, 0, 12)
    assert parse_counters(encode_counters(counters)) == counters


def test_a_note_left_in_escrow_by_a_dead_host_goes_back_and_counters_are_read(
    tmp_path: Path,
) -> None:
    box = tmp_path / "cashbox.json"
    emulator = EsspEmulator(cashbox_file=box)
    first = Rig(emulator)
    first.enable()
    first.escrow(100)
    first.driver.accept_escrow()
    first.wait(lambda: first.of(NoteCredited))
    first.escrow(50)  # the host dies with this note held in escrow
    first.driver._commands.put("stop")
    first.driver._thread.join()
    assert emulator.note_state == "escrow"

    second = Rig(emulator)  # the restarted kiosk opens the same device
    try:
        assert emulator.note_state is None
        assert emulator.returned_notes == [50], "the undecided note is given back"
        assert second.driver.stacked_at_open == 1
        assert second.of(NoteReturned)
        code, reason = second.driver.last_reject()
        assert reason == "host rejected note"
    finally:
        second.driver.close()
        emulator.stop()


def test_per_denomination_inhibits_keep_a_note_value_out(make_rig) -> None:
    rig = make_rig()
    rig.driver.set_accepted({1000, 2000, 5000})  # no 100-yuan notes (e.g. cashbox near full)
    rig.enable()
    rig.emulator.insert_note(100)
    rig.wait(lambda: rig.of(NoteReturned))
    assert rig.emulator.returned_notes == [100]
    assert rig.driver.last_reject()[1] == "channel inhibited"
    rig.escrow(20)


def test_serial_number_and_reset_then_the_device_works_again(make_rig) -> None:
    rig = make_rig()
    assert rig.driver.serial_number == 12345678
    resets = len([a for a in rig.of(AcceptorAlarm) if a.kind is AlarmKind.DEVICE_RESET])
    rig.driver.reset()
    rig.wait(
        lambda: len([a for a in rig.of(AcceptorAlarm) if a.kind is AlarmKind.DEVICE_RESET]) > resets
    )
    rig.enable()
    rig.escrow(10)


def test_typed_alarms_for_cashbox_removed_and_replaced(make_rig) -> None:
    rig = make_rig()
    rig.emulator.inject(Fault.CASHBOX_REMOVED)
    rig.emulator.inject(Fault.CASHBOX_REPLACED)
    box = {AlarmKind.CASHBOX_REMOVED, AlarmKind.CASHBOX_REPLACED}
    rig.wait(lambda: len([a for a in rig.of(AcceptorAlarm) if a.kind in box]) >= 2)
    kinds = [a.kind for a in rig.of(AcceptorAlarm) if a.kind in box]
    assert kinds == [AlarmKind.CASHBOX_REMOVED, AlarmKind.CASHBOX_REPLACED]


def test_a_credit_whose_reply_is_lost_for_good_is_recovered_from_the_counter(make_rig) -> None:
    rig = make_rig()
    rig.enable()
    rig.escrow(50)
    # Every copy of the POLL reply that carries the CREDIT is corrupted: the driver gives up,
    # resyncs (the device forgets that reply), and must still learn the note was stacked.
    rig.emulator.inject(Fault.BAD_CRC, RETRIES + 1, on=Command.POLL)
    rig.driver.accept_escrow()
    rig.wait(lambda: rig.of(NoteCredited), timeout=5)
    assert [e.value_minor for e in rig.of(NoteCredited)] == [5000]
    assert rig.emulator.cashbox_counts == {50: 1}
    assert rig.emulator.returned_notes == []


def test_a_note_whose_escrow_report_was_lost_is_given_back_not_stacked(make_rig) -> None:
    rig = make_rig()
    rig.enable()
    rig.emulator.inject(Fault.BAD_CRC, 2 * (RETRIES + 1), on=Command.POLL)
    rig.emulator.insert_note(100)
    rig.wait(lambda: rig.emulator.returned_notes == [100], timeout=5)
    assert not rig.of(NoteCredited), "never stacked without the host's decision"
    assert rig.emulator.cashbox_counts == {}
