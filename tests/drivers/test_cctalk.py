"""ccTalk coin acceptor: framing vectors, and every coin counted exactly once over a real pty."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.coin.base import CoinCredited, CoinEventsLost, CoinRejected
from drivers.coin.cctalk_driver import CcTalkCoinAcceptor
from drivers.coin.cctalk_emulator import CcTalkEmulator, CoinFault
from drivers.coin.cctalk_protocol import (
    CcTalkBadChecksum,
    Header,
    decode,
    encode,
    new_event_count,
    parse_buffered_credit,
)


def test_simple_poll_vector_and_checksum() -> None:
    assert encode(2, 1, Header.SIMPLE_POLL) == bytes.fromhex("020001fe ff")
    assert encode(1, 2, Header.ACK) == bytes.fromhex("01000200fd")
    with pytest.raises(CcTalkBadChecksum):
        decode(bytes.fromhex("020001fe fe"))


@given(st.binary(max_size=40), st.integers(0, 255))
def test_any_frame_round_trips(data: bytes, header: int) -> None:
    message = decode(encode(2, 1, header, data))
    assert (message.dest, message.src, message.header, message.data) == (2, 1, header, data)


def test_counter_arithmetic_wraps_from_255_to_1() -> None:
    assert new_event_count(253, 2) == 4  # 254, 255, 1, 2
    assert new_event_count(10, 10) == 0
    assert new_event_count(0, 3) == 3
    credit = parse_buffered_credit(bytes([7, 1, 1, 0, 2, 3, 1, 0, 0, 0, 0]))
    assert credit.counter == 7 and credit.events[:3] == ((1, 1), (0, 2), (3, 1))


class Rig:
    def __init__(self, emulator: CcTalkEmulator) -> None:
        self.emulator = emulator
        self.events: list[object] = []
        self.driver = CcTalkCoinAcceptor(
            "coin-1", emulator.start(), self.events.append, poll_interval=60, reply_timeout=0.1
        )
        self.driver.open()

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    def credited_minor(self) -> int:
        return sum(e.value_minor for e in self.of(CoinCredited))


@pytest.fixture
def make_rig() -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(**kwargs: object) -> Rig:
        rig = Rig(CcTalkEmulator(**kwargs))  # type: ignore[arg-type]
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.driver.close()
        rig.emulator.stop()


def test_open_reads_the_coin_table_and_keeps_coins_out_until_enabled(make_rig) -> None:
    rig = make_rig()
    assert rig.driver.values_minor == {1: 10, 2: 50, 3: 100}
    assert not rig.emulator.insert_coin(3), "a coin before enable goes back to the customer"
    rig.driver.enable()
    assert rig.emulator.insert_coin(3)
    rig.driver.poll_once()
    assert rig.credited_minor() == 100
    assert [e.reason for e in rig.of(CoinRejected)] == ["inhibited coin"]


def test_no_coin_counted_twice_or_missed_across_polls_and_the_counter_wrap(make_rig) -> None:
    rig = make_rig(counter=250)
    rig.driver.enable()
    inserted = 0
    for round_ in range(12):  # 12 rounds of 1..4 coins: the counter passes 255 -> 1
        for k in range(round_ % 4 + 1):
            rig.emulator.insert_coin(k % 3 + 1)
            inserted += 1
        rig.driver.poll_once()
        rig.driver.poll_once()  # a repeated read adds nothing
    assert len(rig.of(CoinCredited)) == inserted
    assert rig.credited_minor() == rig.emulator.box_total_minor
    assert not rig.of(CoinEventsLost)


def test_a_lost_or_corrupt_reply_is_read_again_without_double_counting(make_rig) -> None:
    rig = make_rig()
    rig.driver.enable()
    rig.emulator.insert_coin(2)
    rig.emulator.inject(CoinFault.NO_REPLY)
    rig.emulator.inject(CoinFault.BAD_CHECKSUM)
    rig.emulator.inject(CoinFault.GARBAGE)
    rig.driver.poll_once()
    assert rig.credited_minor() == 50
    assert rig.driver.health().counters["retries"] >= 2


def test_a_burst_beyond_the_five_slot_buffer_is_reported_not_guessed(make_rig) -> None:
    rig = make_rig()
    rig.driver.enable()
    for _ in range(7):
        rig.emulator.insert_coin(3)
    rig.driver.poll_once()
    assert len(rig.of(CoinCredited)) == 5
    lost = rig.of(CoinEventsLost)
    assert len(lost) == 1 and lost[0].count == 2


def test_coin_on_string_is_a_fraud_attempt(make_rig) -> None:
    rig = make_rig()
    rig.emulator.inject_error(20)
    rig.driver.poll_once()
    assert rig.of(CoinRejected)[0].fraud
    assert rig.driver.health().state.value == "fraud_attempt"


def test_the_io_thread_polls_by_itself(make_rig) -> None:
    emulator = CcTalkEmulator()
    events: list[object] = []
    driver = CcTalkCoinAcceptor("coin-2", emulator.start(), events.append, poll_interval=0.02)
    driver.open()
    try:
        driver.enable()
        emulator.insert_coin(1)
        deadline = time.monotonic() + 3
        while not any(isinstance(e, CoinCredited) for e in events):
            assert time.monotonic() < deadline, events
            time.sleep(0.01)
    finally:
        driver.close()
        emulator.stop()
