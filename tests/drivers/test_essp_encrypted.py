"""Encrypted eSSP between the real driver and the emulator over a real pty.

The attacker is the emulator's tap: it writes a forged plain credit, or an old sealed reply,
just ahead of the genuine reply, as a device spliced into the cable would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import serial

from drivers.base import DeviceState
from drivers.cash.base import (
    AcceptorAlarm,
    AcceptorStateChanged,
    AlarmKind,
    NoteCredited,
    NoteInEscrow,
)
from drivers.cash.essp_crypto import STEX, HostKeys, KeyCommand, Session, aes_key, u64
from drivers.cash.essp_driver import EsspAcceptor
from drivers.cash.essp_emulator import EsspEmulator, Fault
from drivers.cash.essp_link import LINE_FRAUD
from drivers.cash.essp_protocol import Command, EsspNak, FrameDecoder, Reply, encode_frame

FIXED_KEY = 0x5A17C0FFEE5A17C0  # a test site's key; real ones come from the environment


class Rig:
    def __init__(self, emulator: EsspEmulator, fixed_key: int | None = FIXED_KEY) -> None:
        self.emulator = emulator
        self.events: list[object] = []
        self.driver = EsspAcceptor(
            "bna-1",
            emulator.start(),
            self.events.append,
            poll_interval=0.02,
            reply_timeout=0.2,
            retries=2,
            fixed_key=fixed_key,
        )

    def of(self, kind: type) -> list[object]:
        return [e for e in list(self.events) if isinstance(e, kind)]

    def wait(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; events: {self.events}"
            time.sleep(0.01)

    def credit(self, value: int) -> None:
        """A customer's note, all the way to the cashbox."""
        escrowed, credited = len(self.of(NoteInEscrow)), len(self.of(NoteCredited))
        self.emulator.insert_note(value)
        self.wait(lambda: len(self.of(NoteInEscrow)) > escrowed)
        self.driver.accept_escrow()
        self.wait(lambda: len(self.of(NoteCredited)) > credited)

    def online_and_enabled(self) -> None:
        self.driver.enable()
        self.wait(lambda: self.emulator.enabled and self.emulator.keyed)
        self.wait(lambda: self.driver.health().state is DeviceState.ONLINE)


def settled_after_reset(rig: Rig, before: int) -> None:
    """A reset (and power-up) costs two negotiations: one when the driver finds the key gone
    (KEY_NOT_SET, its own RESET, or open), one for the SLAVE_RESET event the rebooted device
    then reports. Waiting for both and a POLL after them keeps a note out of the second."""
    rig.wait(lambda: rig.emulator.key_exchanges == before + 2)

    def polled_since() -> bool:
        seen = rig.emulator.commands_seen
        last_key = len(seen) - 1 - seen[::-1].index(KeyCommand.REQUEST_KEY_EXCHANGE)
        return Command.POLL in seen[last_key:]

    rig.wait(polled_since)
    rig.online_and_enabled()


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig(EsspEmulator(fixed_key=FIXED_KEY, encrypted=True))
    made.driver.open()
    settled_after_reset(made, 0)  # power-up: the device reports SLAVE_RESET at the first POLL
    yield made
    made.driver.close()
    made.emulator.stop()


def test_open_negotiates_a_key_and_seals_everything_after_it(rig: Rig) -> None:
    assert rig.driver.encrypted and rig.emulator.keyed
    seen = rig.emulator.commands_seen
    exchange = [KeyCommand.SET_GENERATOR, KeyCommand.SET_MODULUS, KeyCommand.REQUEST_KEY_EXCHANGE]
    assert seen[1:4] == exchange, "SYNC, then generator, modulus and the key exchange"
    assert Command.SETUP_REQUEST in seen and Command.POLL in seen  # ran sealed: it requires that
    assert rig.driver.capabilities.denominations_minor[-1] == 10000


def test_a_driver_without_the_key_is_told_key_not_set() -> None:
    emulator = EsspEmulator(fixed_key=FIXED_KEY, encrypted=True)
    plain = Rig(emulator, fixed_key=None)
    try:
        with pytest.raises(EsspNak) as caught:
            plain.driver.open()
        assert caught.value.reply_code == Reply.KEY_NOT_SET
    finally:
        emulator.stop()


def test_a_wrong_fixed_key_never_gets_a_reply_it_believes() -> None:
    emulator = EsspEmulator(fixed_key=FIXED_KEY, encrypted=True)
    wrong = Rig(emulator, fixed_key=FIXED_KEY ^ 1)
    try:
        with pytest.raises(Exception, match="ESSP_CRYPTO|ESSP_TIMEOUT"):
            wrong.driver.open()
    finally:
        emulator.stop()


def test_an_encrypted_note_credit_end_to_end(rig: Rig) -> None:
    pty = rig.emulator._pty
    assert pty is not None
    wire: list[bytes] = []
    write = pty.write
    pty.write = lambda data: (wire.append(data), write(data))[1]  # type: ignore[method-assign]
    rig.credit(100)
    frames = FrameDecoder().feed(b"".join(wire))
    assert frames and all(f.data[0] == STEX for f in frames), "nothing left the device in clear"
    credited = rig.of(NoteCredited)
    assert credited == [NoteCredited("bna-1", 6, 10000, "CNY")]
    assert rig.emulator.cashbox_counts == {100: 1}
    counters = rig.driver.health().counters
    assert counters["plain_refused"] == counters["replays_refused"] == 0


def test_a_forged_plain_credit_is_refused_and_reported_as_fraud(rig: Rig) -> None:
    rig.emulator.forge_credit(100)
    rig.wait(lambda: rig.driver.health().state is DeviceState.FRAUD_ATTEMPT)
    assert rig.of(NoteCredited) == [], "never credited"
    assert AcceptorAlarm("bna-1", AlarmKind.FRAUD, 6) in rig.of(AcceptorAlarm)
    assert AcceptorStateChanged("bna-1", DeviceState.FRAUD_ATTEMPT, LINE_FRAUD) in rig.events
    assert rig.driver.health().counters["fraud_refused"] == 1
    assert rig.emulator.cashbox_counts == {}
    # The genuine reply behind the forgery still arrived: the link keeps working, the money
    # path stays exact, but the state holds until a technician resets the validator.
    rig.credit(20)
    assert [e.value_minor for e in rig.of(NoteCredited)] == [2000]  # type: ignore[attr-defined]
    assert rig.driver.health().state is DeviceState.FRAUD_ATTEMPT
    rig.driver.reset()
    rig.wait(lambda: rig.driver.health().state is DeviceState.ONLINE)


def test_a_replayed_sealed_credit_is_refused_by_its_count(rig: Rig) -> None:
    rig.credit(50)
    rig.emulator.inject(Fault.REPLAY, on=Command.POLL)  # the next POLL: old packet first
    rig.wait(lambda: rig.driver.health().counters["replays_refused"] == 1)
    rig.credit(10)
    assert [e.value_minor for e in rig.of(NoteCredited)] == [5000, 1000]  # type: ignore[attr-defined]
    assert rig.driver.health().state is DeviceState.ONLINE, "a replay alone is no fraud"


def test_power_cycle_loses_the_key_and_the_driver_negotiates_again(rig: Rig) -> None:
    before = rig.emulator.key_exchanges
    rig.emulator.power_cycle()
    settled_after_reset(rig, before)
    rig.credit(5)
    assert rig.of(NoteCredited)[-1] == NoteCredited("bna-1", 2, 500, "CNY")


def test_a_technician_reset_renegotiates(rig: Rig) -> None:
    before = rig.emulator.key_exchanges
    rig.driver.reset()
    settled_after_reset(rig, before)
    rig.credit(1)


def _exchange(port: serial.Serial, seq: bool, data: bytes, wait: float = 2.0) -> bytes | None:
    """One raw frame out; the reply's data, or None if the device stayed silent."""
    port.write(encode_frame(seq, 0, data))
    decoder, deadline = FrameDecoder(), time.monotonic() + wait
    while time.monotonic() < deadline:
        for item in decoder.feed(port.read(64)):
            assert not isinstance(item, Exception)
            return item.data
    return None


def test_the_emulator_drops_a_replayed_sealed_command() -> None:
    """A host hand-built from the spec: the same sealed command re-sent with the other sequence
    bit (what a tap would do to make it look new) gets no reply and changes nothing."""
    emulator = EsspEmulator(fixed_key=FIXED_KEY, encrypted=True)
    port = serial.Serial(emulator.start(), 9600, timeout=0.05)
    try:
        assert _exchange(port, True, bytes([Command.SYNC])) == bytes([Reply.OK])
        keys = HostKeys.fresh()
        assert _exchange(port, False, bytes([0x4A]) + u64(keys.generator)) == b"\xf0"
        assert _exchange(port, True, bytes([0x4B]) + u64(keys.modulus)) == b"\xf0"
        reply = _exchange(port, False, bytes([0x4C]) + u64(keys.host_inter))
        assert reply is not None and reply[0] == Reply.OK
        host = Session(aes_key(FIXED_KEY, keys.key(int.from_bytes(reply[1:9], "little"))))
        enable = host.host_seal(bytes([Command.ENABLE]))
        sealed = _exchange(port, True, enable)
        assert sealed is not None and host.host_open(sealed) == bytes([Reply.OK])
        assert emulator.enabled
        assert _exchange(port, False, bytes([Command.DISABLE])) == bytes([Reply.KEY_NOT_SET])
        assert _exchange(port, True, enable, wait=0.5) is None, "replayed: dropped"
        assert emulator.replays_ignored == 1 and emulator.enabled
        sealed = _exchange(port, True, host.host_seal(bytes([Command.DISABLE])))
        assert sealed is not None and host.host_open(sealed) == bytes([Reply.OK])
        assert not emulator.enabled, "the sequence bit was not used up by the replay"
    finally:
        port.close()
        emulator.stop()


def test_a_technician_moves_the_validator_to_a_new_fixed_key(rig: Rig) -> None:
    new_key = 0x0DDBA11CAFEF00D5
    rig.driver.change_fixed_key(new_key)
    assert rig.emulator.fixed_key == new_key
    before = rig.emulator.key_exchanges
    rig.driver.reset()
    settled_after_reset(rig, before)  # negotiated again: both ends now use the new key
    rig.credit(50)
    assert rig.driver.health().counters["crypto_errors"] == 0


def test_no_downgrade_a_device_refusing_the_key_exchange_is_never_used_in_the_clear() -> None:
    emulator = EsspEmulator()  # a plain SSP device (or a tap answering for one): F2 to 0x4A
    keyed = Rig(emulator)
    try:
        with pytest.raises(EsspNak) as caught:
            keyed.driver.open()
        assert caught.value.command == KeyCommand.SET_GENERATOR
        assert caught.value.reply_code == Reply.UNKNOWN
        assert Command.ENABLE not in emulator.commands_seen
    finally:
        emulator.stop()


def test_a_counter_out_of_step_ends_in_a_new_key(rig: Rig) -> None:
    """The device's count jumps (a glitch, or packets an attacker fed it): it drops our sealed
    commands, the driver's retries run out, and the resync negotiates a fresh key."""
    before = rig.emulator.key_exchanges
    with rig.emulator._lock:  # the test reaches into the device: no public knob for this
        assert rig.emulator._session is not None
        rig.emulator._session.count += 3
    rig.wait(lambda: rig.emulator.key_exchanges > before)
    rig.wait(lambda: rig.driver.health().state is DeviceState.ONLINE)
    offline = [e for e in rig.of(AcceptorStateChanged) if e.state is DeviceState.OFFLINE]  # type: ignore[attr-defined]
    assert offline, "the link was lost and resynced, not patched up"
    assert rig.emulator.replays_ignored >= 1
    rig.credit(10)
