"""The core look-up adapter over real HTTP: outages reach the journey as typed, explained events."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.events import EventBus
from kiosk.journeys.ports import BillLookupFailed, BillsFetched
from kiosk.runtime.adapters import CoreBillLookup
from kiosk.runtime.core_client import CoreClient
from kiosk.runtime.worker import Worker
from offline_queue.http import CoreHttp


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'core.db'}")
    store.create_schema()
    store.seed_demo()
    return store


def _event(bus: EventBus) -> object:
    event = bus.get(timeout=10)
    assert event is not None, "the look-up never answered"
    return event


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.02)
    assert predicate()


def test_billers_come_back_by_themselves_after_the_core_was_down_at_start(store: Store) -> None:
    probe = CoreServer(store, kiosk_tokens={"k1": "t"})
    probe.start()
    port = probe.port
    probe.stop()  # the core is down when the kiosk starts

    clock, bus, worker = FakeClock(), EventBus(), Worker("net")
    http = CoreHttp(f"http://127.0.0.1:{port}", "k1", "t", connect_timeout=0.5, read_timeout=2)
    lookup = CoreBillLookup(CoreClient(http), bus, worker, clock, retry_after=10)
    worker.start()
    core = CoreServer(store, port=port, kiosk_tokens={"k1": "t"})
    try:
        assert lookup.refresh_billers() is False
        assert lookup.billers() == ()
        core.start()
        assert lookup.billers() == (), "no retry storm: the next try waits retry_after"
        clock.advance(11)
        lookup.billers()  # schedules the refresh on the network worker
        _wait(lambda: len(lookup.billers()) == 3)
        lookup.request_bills("r1", "SGCC", "1234567890")
        fetched = _event(bus)
        assert (
            isinstance(fetched, BillsFetched) and fetched.bills[0].amount_due.display() == "¥125.50"
        )
        lookup.request_bills("r2", "SGCC", "5555555555")
        unknown = _event(bus)
        assert unknown == BillLookupFailed("r2", "UNKNOWN_ACCOUNT", False)
        core.stop()
        lookup.request_bills("r3", "SGCC", "1234567890")
        down = _event(bus)
        assert down == BillLookupFailed("r3", "CORE_UNREACHABLE", True)
    finally:
        worker.stop()
        core.stop()
        http.close()
