"""The hybrid reader's stripe head, driver against the emulator on a real pty: what a customer
who swipes (and the technician who reads the reader's health) notices."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from drivers.base import DeviceState
from drivers.card_reader.base import ReaderStateChanged, StripeRead, StripeReadFailed
from drivers.card_reader.stripe_emulator import StripeEmulator, StripeFault
from drivers.card_reader.stripe_protocol import Status
from drivers.card_reader.stripe_serial import StripeSerialReader

TODAY = date(2026, 11, 23)


class Rig:
    def __init__(self) -> None:
        self.emulator = StripeEmulator()
        self.events: queue.Queue[object] = queue.Queue()
        path = self.emulator.start()
        self.reader = StripeSerialReader(
            "card_reader.stripe",
            path,
            self.events.put,
            today=lambda: TODAY,
            status_every=0.2,
            answer_timeout=0.2,
            retries=2,
            retry_s=0.1,
        )
        self.reader.start()

    def next_event(self, kind: type, timeout: float = 3.0) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if isinstance(event, kind):
                return event
        raise AssertionError(f"no {kind.__name__} within {timeout}s")

    def wait_state(self, state: DeviceState, timeout: float = 5.0) -> None:
        wait_for(lambda: self.reader.health().state is state, timeout)

    def close(self) -> None:
        self.reader.stop()
        self.emulator.stop()


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    made.wait_state(DeviceState.ONLINE)
    yield made
    made.close()


def test_a_stripe_only_card_swiped_gives_typed_track_2_and_the_name(rig: Rig) -> None:
    assert rig.emulator.swipe_card("stripe_only")
    event = rig.next_event(StripeRead)
    assert isinstance(event, StripeRead)
    card = event.card
    assert card.source == "stripe"
    assert card.track2.pan == card.pan == "6210948000000029"
    assert (card.track2.expiry_yymm, card.track2.service_code) == ("3112", "101")
    assert card.cardholder_name == "ZHANG/WEI"
    assert card.masked_pan == "621094******0029"
    assert "6210948000000029" not in repr(event)
    assert rig.reader.health().counters["swipes"] == 1


def test_a_chip_card_swiped_is_refused_with_use_the_chip(rig: Rig) -> None:
    rig.emulator.swipe_card("chip_card")
    event = rig.next_event(StripeReadFailed)
    assert isinstance(event, StripeReadFailed)
    assert event.code == "CARD_USE_CHIP"


def test_an_expired_card_is_refused(rig: Rig) -> None:
    rig.emulator.swipe_card("expired")
    event = rig.next_event(StripeReadFailed)
    assert isinstance(event, StripeReadFailed)
    assert event.code == "CARD_EXPIRED"


@pytest.mark.parametrize("misread", ["bad_lrc", "track_error"])
def test_a_misread_stripe_is_a_typed_error_and_the_next_swipe_still_reads(
    rig: Rig, misread: str
) -> None:
    if misread == "track_error":  # the head itself could not decode either track
        rig.emulator.inject(StripeFault.TRACK_ERROR)
        rig.emulator.swipe_card("stripe_only")
    else:  # the head passed on a track 2 whose LRC does not match
        rig.emulator.swipe_card("bad_lrc")
    failed = rig.next_event(StripeReadFailed)
    assert isinstance(failed, StripeReadFailed)
    assert failed.code == "CARD_STRIPE_UNREADABLE"
    rig.emulator.swipe_card("stripe_only")
    assert isinstance(rig.next_event(StripeRead), StripeRead)


def test_a_damaged_frame_is_nacked_and_resent_and_read_exactly_once(rig: Rig) -> None:
    rig.emulator.inject(StripeFault.BAD_BCC)
    assert rig.emulator.swipe_card("stripe_only")
    assert isinstance(rig.next_event(StripeRead), StripeRead)
    with pytest.raises(AssertionError):
        rig.next_event(StripeRead, timeout=0.5)  # the resend is not a second card
    assert rig.reader.health().counters["frames_rejected"] == 1


def test_line_noise_and_a_cut_frame_are_survived(rig: Rig) -> None:
    rig.emulator.inject(StripeFault.GARBAGE)
    rig.emulator.inject(StripeFault.TRUNCATED)
    assert rig.emulator.swipe_card("stripe_only")
    assert isinstance(rig.next_event(StripeRead), StripeRead)
    assert rig.reader.health().counters["bytes_skipped"] > 0
    assert rig.reader.health().state is DeviceState.ONLINE


def test_a_head_that_stops_answering_goes_offline_and_comes_back(rig: Rig) -> None:
    rig.emulator.inject(StripeFault.NO_REPLY, 1000)
    rig.wait_state(DeviceState.OFFLINE)
    assert rig.reader.health().detail == "stripe head does not answer"
    rig.emulator.clear_faults()
    rig.wait_state(DeviceState.ONLINE)
    changes = []
    while not rig.events.empty():
        event = rig.events.get()
        if isinstance(event, ReaderStateChanged):
            changes.append(event.state)
    assert changes[-2:] == [DeviceState.OFFLINE, DeviceState.ONLINE]


def test_a_head_fault_is_reported_to_the_technician(rig: Rig) -> None:
    rig.emulator.status = Status.HEAD_FAULT
    rig.wait_state(DeviceState.HARDWARE_ERROR)
    assert rig.reader.health().detail == "stripe head reports a fault"


def test_a_missing_port_is_offline_without_stopping_the_kiosk() -> None:
    events: list[object] = []
    reader = StripeSerialReader(
        "card_reader.stripe", "/dev/nonexistent-stripe", events.append, today=lambda: TODAY
    )
    reader.start()
    try:
        wait_for(lambda: bool(events), 2.0)
        assert reader.health().state is DeviceState.OFFLINE
        assert "cannot open" in reader.health().detail
    finally:
        reader.stop()
