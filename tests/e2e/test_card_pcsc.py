"""The card path through a real pcscd + vpcd: every profile read via pyscard, and recovery when
pcscd is killed and restarted while idle and while reading."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest

from drivers.base import DeviceState
from drivers.card_reader.base import CardInserted, CardRemoved, ReaderStateChanged
from drivers.card_reader.emv.read import read_card
from drivers.card_reader.errors import (
    ApplicationBlocked,
    CardError,
    CardRejected,
    MalformedTlv,
    ReaderUnavailable,
)
from drivers.card_reader.errors import CardRemoved as CardPulled
from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.pcscd_runner import PrivatePcscd
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile, profile_names
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from tests.e2e.card_env import pcscd, pcscd_restored  # noqa: F401 - fixtures

TODAY = date(2026, 11, 23)
WAIT = 10.0


class Recorder:
    def __init__(self) -> None:
        self.events: list[object] = []
        self._cond = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, predicate: object, timeout: float = WAIT) -> object:
        def found() -> object:
            return next((e for e in self.events if predicate(e)), None)  # type: ignore[operator]

        with self._cond:
            assert self._cond.wait_for(found, timeout), f"no such event in {self.events}"
            return found()

    def clear(self) -> None:
        with self._cond:
            self.events.clear()


@pytest.fixture
def reader(pcscd: PrivatePcscd) -> Iterator[tuple[PcscCardReader, Recorder]]:  # noqa: F811
    recorder = Recorder()
    device = PcscCardReader("card", "Virtual PCD 00 00", recorder, wait_ms=200, retry_s=0.1)
    device.start()
    recorder.wait_for(lambda e: isinstance(e, ReaderStateChanged) and e.state is DeviceState.ONLINE)
    try:
        yield device, recorder
    finally:
        device.stop()


def _insert(pcscd: PrivatePcscd, profile: str) -> VpcdLink:  # noqa: F811
    link = VpcdLink(VirtualCard(load_profile(profile)), pcscd.port)
    link.insert()
    return link


def _remove(device: PcscCardReader, link: VpcdLink) -> None:
    """Pulls the card and waits until the reader saw it go, so the next test starts clean."""
    link.remove()
    deadline = time.monotonic() + WAIT
    while device.card_present:
        assert time.monotonic() < deadline, "reader never saw the card leave"
        time.sleep(0.02)


def _read(device: PcscCardReader) -> object:
    return device.submit(lambda transmit, atr: read_card(transmit, today=TODAY)).result(WAIT)


OUTCOME: dict[str, type[CardError] | str] = {
    "unionpay_debit": "A000000333010101",
    "visa": "A0000000031010",
    "mastercard": "A0000000041010",
    "two_apps": "A000000333010101",  # first_choice picks the highest priority
    "no_pse": "A000000333010101",
    "expired": CardRejected,
    "blocked_app": ApplicationBlocked,
    "t0_get_response": "A000000333010101",
    "malformed_tlv": MalformedTlv,
    "slow": "A000000333010101",
    "removed_mid_read": CardPulled,
    "technician": "F04B494F534B54",
}


def test_outcome_table_covers_every_profile() -> None:
    assert sorted(OUTCOME) == sorted(profile_names())


@pytest.mark.parametrize("profile", sorted(OUTCOME))
def test_every_profile_through_pcscd(
    pcscd: PrivatePcscd,  # noqa: F811
    reader: tuple[PcscCardReader, Recorder],
    profile: str,
) -> None:
    device, events = reader
    link = _insert(pcscd, profile)
    try:
        inserted = events.wait_for(lambda e: isinstance(e, CardInserted))
        assert inserted.atr == load_profile(profile).atr.hex().upper()  # type: ignore[attr-defined]
        expected = OUTCOME[profile]
        if isinstance(expected, str):
            card = _read(device)
            assert card.aid == expected  # type: ignore[attr-defined]
            assert "*" in card.masked_pan  # type: ignore[attr-defined]
        else:
            with pytest.raises(expected):
                _read(device)
    finally:
        link.remove()
    events.wait_for(lambda e: isinstance(e, CardRemoved))
    assert device.health().state is DeviceState.ONLINE


def test_pcscd_killed_while_idle_goes_offline_then_recovers(
    pcscd_restored: PrivatePcscd,  # noqa: F811
    reader: tuple[PcscCardReader, Recorder],
) -> None:
    daemon = pcscd_restored
    device, events = reader
    events.clear()
    daemon.kill()
    events.wait_for(lambda e: isinstance(e, ReaderStateChanged) and e.state is DeviceState.OFFLINE)
    assert device.health().state is DeviceState.OFFLINE
    with pytest.raises(ReaderUnavailable):
        _read(device)
    events.clear()
    daemon.start()
    events.wait_for(lambda e: isinstance(e, ReaderStateChanged) and e.state is DeviceState.ONLINE)
    link = _insert(daemon, "visa")
    try:
        events.wait_for(lambda e: isinstance(e, CardInserted))
        assert _read(device).aid == "A0000000031010"  # type: ignore[attr-defined]
    finally:
        _remove(device, link)


def test_pcscd_killed_during_a_read_fails_that_read_then_recovers(
    pcscd_restored: PrivatePcscd,  # noqa: F811
    reader: tuple[PcscCardReader, Recorder],
) -> None:
    daemon = pcscd_restored
    device, events = reader
    link = _insert(daemon, "slow")  # 40 ms per APDU: the read is still running when we kill
    events.wait_for(lambda e: isinstance(e, CardInserted))
    started = threading.Event()

    def job(transmit: object, atr: str) -> object:
        started.set()
        return read_card(transmit, today=TODAY)  # type: ignore[arg-type]

    future = device.submit(job)
    assert started.wait(WAIT)
    daemon.kill()
    with pytest.raises((ReaderUnavailable, CardPulled)):
        future.result(WAIT)
    events.wait_for(lambda e: isinstance(e, ReaderStateChanged) and e.state is DeviceState.OFFLINE)
    link.remove()
    events.clear()
    daemon.start()
    events.wait_for(lambda e: isinstance(e, ReaderStateChanged) and e.state is DeviceState.ONLINE)
    link = _insert(daemon, "unionpay_debit")
    try:
        events.wait_for(lambda e: isinstance(e, CardInserted))
        assert _read(device).aid == "A000000333010101"  # type: ignore[attr-defined]
    finally:
        _remove(device, link)


def test_reader_not_matching_the_pattern_stays_offline(pcscd: PrivatePcscd) -> None:  # noqa: F811
    recorder = Recorder()
    device = PcscCardReader("card", "ACS ACR*", recorder, wait_ms=100, retry_s=0.1)
    device.start()
    try:
        event = recorder.wait_for(lambda e: isinstance(e, ReaderStateChanged))
        assert event.state is DeviceState.OFFLINE and "ACS ACR" in event.detail  # type: ignore[attr-defined]
    finally:
        device.stop()
