"""The card station's rules without pcscd: start-up card recovery, availability, device filtering.

The reader is a stand-in with the PC/SC driver's surface (health, card_present, submit); the
journal is a real SQLite ledger and the core a real reference server on loopback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from core_system.server import CoreServer
from core_system.store import Store
from drivers.base import DeviceHealth, DeviceState
from drivers.card_reader.base import CardInserted, CardRemoved, ReaderStateChanged
from drivers.card_reader.errors import NoCard, ReaderUnavailable
from drivers.pinpad.base import PinFormat, PinKeyEvent, PinKeyKind
from drivers.pinpad.emulated import EmulatedPinPad, PinKey
from kiosk.card.startup import StartupCardChecked
from kiosk.card.station import CardStation
from kiosk.clock import SystemClock
from kiosk.journeys.card_services_menu import card_http, scaled
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import CoreConfig, TimeoutConfig
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox


class StandInReader:
    """Answers the start-up question with `answer` (None: a card is there)."""

    device_id = "card_reader"

    def __init__(self) -> None:
        self.state = DeviceState.ONLINE
        self.card_present = False
        self.answer: BaseException | None = NoCard("no card")

    def health(self) -> DeviceHealth:
        return DeviceHealth(self.device_id, self.state)

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def submit(self, job: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if self.answer is None:
            future.set_result(True)
        else:
            future.set_exception(self.answer)
        return future


class Rig:
    def __init__(self, tmp_path: Path, url: str, policy: str) -> None:
        clock = SystemClock()
        engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
        outbox = Outbox(engine, "kiosk-1", clock)
        outbox.create_schema()
        self.ledger = Ledger(engine, outbox, clock)
        self.ledger.create_schema()
        self.events: list[object] = []
        self.reader = StandInReader()
        key = PinKey(bytes(16), PinFormat.ISO0)
        self.station = CardStation(
            reader=self.reader,  # type: ignore[arg-type]
            pinpad=EmulatedPinPad("pinpad", key, self.events.append),
            ledger=self.ledger,
            clock=clock,
            http=card_http(CoreConfig(url=url, token="t0k3n"), "kiosk-1"),
            publish=self.events.append,
            take_timeout=30.0,
            startup_policy=policy,
        )

    def deliver(self) -> None:
        """What the menu's services do with each event from the bus."""
        events, self.events[:] = list(self.events), []
        for event in events:
            self.station.on_event(event)
            self.station.on_event(event)  # both card services forward the same event

    def wait_core(self) -> None:
        deadline = time.monotonic() + 10
        while not self.station.core_checked:
            assert time.monotonic() < deadline
            time.sleep(0.01)

    def kinds(self) -> list[str]:
        return [r.kind for r in self.ledger.records()]


@pytest.fixture
def core_url(tmp_path: Path) -> Iterator[str]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "t0k3n"})
    try:
        yield server.start()
    finally:
        server.stop()
        store.close()


@pytest.fixture
def rigs(tmp_path: Path, core_url: str) -> Iterator[list[Rig]]:
    made: list[Rig] = []
    yield made
    for rig in made:
        rig.station.stop()


def _rig(rigs: list[Rig], tmp_path: Path, url: str, policy: str = "retain") -> Rig:
    rig = Rig(tmp_path, url, policy)
    rigs.append(rig)
    return rig


def test_a_card_found_at_start_is_retained_once_and_blocks_until_taken(
    rigs: list[Rig], tmp_path: Path, core_url: str
) -> None:
    rig = _rig(rigs, tmp_path, core_url)
    rig.reader.answer, rig.reader.card_present = None, True
    rig.station.start()
    rig.wait_core()
    assert not rig.station.available(), "nothing offered before the answer is applied"
    rig.deliver()
    assert rig.station.startup.outcome == "retain"
    assert rig.kinds() == ["card_found_at_startup", "card_retain_ordered", "card_retained"]
    assert not rig.station.available()  # a dip reader cannot capture: the card is still there
    rig.reader.card_present = False
    rig.events.append(CardRemoved("card_reader"))
    rig.deliver()
    assert rig.station.available()


def test_an_unanswered_check_is_asked_again_when_the_reader_is_back(
    rigs: list[Rig], tmp_path: Path, core_url: str
) -> None:
    rig = _rig(rigs, tmp_path, core_url, policy="eject")
    rig.reader.answer, rig.reader.state = ReaderUnavailable("pcscd away"), DeviceState.OFFLINE
    rig.station.start()
    rig.wait_core()
    rig.deliver()
    assert rig.station.startup.outcome == "unknown" and not rig.station.available()
    rig.reader.answer, rig.reader.card_present, rig.reader.state = None, True, DeviceState.ONLINE
    rig.events.append(ReaderStateChanged("ic_card_reader", DeviceState.ONLINE))  # not ours
    rig.deliver()
    assert rig.station.startup.outcome == "unknown"
    rig.events.append(ReaderStateChanged("card_reader", DeviceState.ONLINE))
    rig.deliver()  # asked again: answered at once by the stand-in, then applied
    rig.deliver()
    assert rig.station.startup.outcome == "eject"
    assert rig.kinds() == ["card_found_at_startup", "card_ejected"]


def test_only_this_reader_and_this_pad_reach_the_card_journeys(
    rigs: list[Rig], tmp_path: Path, core_url: str
) -> None:
    station = _rig(rigs, tmp_path, core_url).station
    assert station.mine(CardInserted("card_reader", "3B"))
    assert not station.mine(CardInserted("ic_card_reader", "3B"))
    assert not station.mine(PinKeyEvent("other_pad", PinKeyKind.DIGIT, 1))
    assert station.mine(PinKeyEvent("pinpad", PinKeyKind.DIGIT, 1))
    assert not station.mine(StartupCardChecked("ic_card_reader", True))


def test_the_core_away_hides_the_card_services(rigs: list[Rig], tmp_path: Path) -> None:
    rig = _rig(rigs, tmp_path, "http://127.0.0.1:9")  # nothing listens there
    rig.station.start()
    rig.wait_core()
    rig.deliver()
    assert rig.station.startup.outcome == "none"
    assert not rig.station.available()


def test_voice_mode_lengthens_customer_timeouts_but_not_the_warning() -> None:
    base = TimeoutConfig()
    longer = scaled(base, 3.0)
    assert longer.input == base.input * 3 and longer.menu == base.menu * 3
    assert longer.warning == base.warning
    assert scaled(base, 1.0) is base
