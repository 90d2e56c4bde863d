"""The eSSP driver against the emulator over a real pty: what the cashier and technician see."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.cash.base import (
    AcceptorStateChanged,
    CashCapabilities,
    NoteCredited,
    NoteInEscrow,
    NoteReturned,
)
from drivers.cash.essp_driver import EsspAcceptor
from drivers.cash.essp_emulator import EsspEmulator, Fault
from drivers.cash.essp_emulator_cli import run
from drivers.cash.essp_protocol import Command

RETRIES = 2


class Rig:
    def __init__(self, emulator: EsspEmulator) -> None:
        self.emulator = emulator
        self.events: list[object] = []
        self.driver = EsspAcceptor(
            "bna-1",
            emulator.start(),
            self.events.append,
            poll_interval=0.02,
            reply_timeout=0.1,
            retries=RETRIES,
        )
        self.driver.open()

    def of(self, kind: type) -> list[object]:
        return [e for e in list(self.events) if isinstance(e, kind)]

    def wait(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; events: {self.events}"
            time.sleep(0.01)

    def enable(self) -> None:
        self.driver.enable()
        self.wait(lambda: self.emulator.enabled)

    def escrow(self, value: int) -> None:
        before = len(self.of(NoteInEscrow))
        self.emulator.insert_note(value)
        self.wait(lambda: len(self.of(NoteInEscrow)) > before)


@pytest.fixture
def make_rig() -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(**emulator_args: object) -> Rig:
        rig = Rig(EsspEmulator(**emulator_args))  # type: ignore[arg-type]
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.driver.close()
        rig.emulator.stop()


def test_open_reads_cny_channels_and_leaves_the_device_disabled(make_rig) -> None:
    rig = make_rig()
    assert rig.driver.capabilities == CashCapabilities("CNY", (100, 500, 1000, 2000, 5000, 10000))
    assert rig.driver.health().state is DeviceState.ONLINE
    assert not rig.emulator.enabled


def test_accepted_note_is_credited_once_and_lands_in_the_cashbox(make_rig) -> None:
    rig = make_rig()
    rig.enable()
    rig.escrow(100)
    assert rig.of(NoteInEscrow) == [NoteInEscrow("bna-1", 6, 10000, "CNY")]
    rig.driver.accept_escrow()
    rig.wait(lambda: rig.of(NoteCredited))
    time.sleep(0.1)
    assert rig.of(NoteCredited) == [NoteCredited("bna-1", 6, 10000, "CNY")]
    assert rig.emulator.cashbox_counts == {100: 1}
    assert rig.emulator.cashbox_total_minor == 10000
    assert rig.driver.health().counters["notes_credited"] == 1


def test_rejected_note_goes_back_to_the_customer(make_rig) -> None:
    rig = make_rig()
    rig.enable()
    rig.escrow(50)
    rig.driver.reject_escrow()
    rig.wait(lambda: rig.of(NoteReturned))
    assert rig.emulator.returned_notes == [50]
    assert rig.emulator.cashbox_counts == {}
    assert not rig.of(NoteCredited)
    assert rig.driver.health().counters["notes_rejected"] == 1


def test_note_inserted_while_disabled_is_never_credited(make_rig) -> None:
    rig = make_rig()
    rig.emulator.insert_note(20)
    time.sleep(0.2)
    assert rig.emulator.returned_notes == [20]
    assert not rig.of(NoteInEscrow) and not rig.of(NoteCredited)


def test_garbage_and_corrupt_credit_reply_are_survived_without_double_credit(
    make_rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="drivers.cash.essp")
    rig = make_rig()
    rig.enable()
    rig.escrow(20)
    rig.emulator.inject(Fault.GARBAGE, 3)
    rig.emulator.inject(Fault.BAD_CRC, 1, on=Command.POLL)  # the reply carrying the credit
    rig.driver.accept_escrow()
    rig.wait(lambda: rig.of(NoteCredited))
    time.sleep(0.2)
    assert rig.of(NoteCredited) == [NoteCredited("bna-1", 4, 2000, "CNY")]
    assert rig.emulator.cashbox_counts == {20: 1}
    assert rig.emulator.repeated_replies >= 1  # resent with the same sequence bit
    assert rig.driver.health().counters["comm_errors"] >= 1
    assert rig.driver.health().state is DeviceState.ONLINE
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "drivers.cash.essp")
    assert "garbled" in logged and "ESSP_BAD_CRC" in logged


def test_silent_device_goes_offline_then_recovers_and_still_takes_money(make_rig) -> None:
    rig = make_rig()
    rig.enable()
    rig.emulator.inject(Fault.NO_REPLY, RETRIES + 1)

    def states() -> list[DeviceState]:
        return [e.state for e in rig.of(AcceptorStateChanged)]

    rig.wait(lambda: len(states()) >= 3)
    assert states() == [DeviceState.ONLINE, DeviceState.OFFLINE, DeviceState.ONLINE]
    rig.wait(lambda: rig.emulator.enabled)  # the resync re-applied the wanted state
    rig.escrow(10)
    rig.driver.accept_escrow()
    rig.wait(lambda: rig.emulator.cashbox_counts == {10: 1})


def test_escrow_outlasts_the_device_timeout_because_the_driver_holds(make_rig) -> None:
    rig = make_rig(escrow_timeout=0.3)
    rig.enable()
    rig.escrow(5)
    time.sleep(0.8)
    assert rig.emulator.returned_notes == [] and not rig.of(NoteReturned)
    rig.driver.accept_escrow()
    rig.wait(lambda: rig.emulator.cashbox_counts == {5: 1})


def test_jam_and_cashbox_removal_reach_the_technician(make_rig) -> None:
    rig = make_rig()
    rig.emulator.inject(Fault.SAFE_JAM)
    rig.wait(lambda: rig.driver.health().state is DeviceState.HARDWARE_ERROR)
    assert "jam" in rig.driver.health().detail
    rig.emulator.inject(Fault.CASHBOX_REMOVED)
    rig.wait(lambda: rig.driver.health().state is DeviceState.USER_ERROR)
    rig.emulator.inject(Fault.CASHBOX_REPLACED)
    rig.wait(lambda: rig.driver.health().state is DeviceState.ONLINE)


def test_cashbox_counts_survive_an_emulator_restart(make_rig, tmp_path: Path) -> None:
    cashbox = tmp_path / "cashbox.json"
    rig = make_rig(cashbox_file=cashbox)
    rig.enable()
    rig.escrow(1)
    rig.driver.accept_escrow()
    rig.wait(lambda: rig.emulator.cashbox_counts == {1: 1})
    assert EsspEmulator(cashbox_file=cashbox).cashbox_counts == {1: 1}


def test_cli_prints_the_pty_links_it_and_quits(monkeypatch, capsys, tmp_path: Path) -> None:
    link = tmp_path / "essp"
    monkeypatch.setattr("sys.stdin", io.StringIO("insert 100\nstatus\nbogus\nquit\n"))
    assert run(link=str(link), currency="CNY", denominations=(1, 100), cashbox_file=None) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("/dev/")
    assert "returned=[100]" in out[2]  # disabled: nobody enabled it, the note came back
    assert "insert <value>" in out[3]
    assert not link.exists()  # the link is removed on exit
