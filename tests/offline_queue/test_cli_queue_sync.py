"""`kiosk queue sync` (issue 19 #15): runs until drained or a deadline, honours the backoff the
worker chose, prints progress, and needs only `[kiosk]`, `[core]` and the database from the
config. Waiting is on an injected FakeClock (its `advance` is the sleep): no real sleeps."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.cli.main import main
from kiosk.cli.queue import drain
from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.offline_queue.fault_proxy import Fault, FaultProxy

TOKEN_ENV = "KIOSK_TEST_SYNC_TOKEN"


class MaxJitter:
    def uniform(self, low: float, high: float) -> float:
        return high


@dataclass
class Site:
    tmp: Path
    store: Store
    server: CoreServer
    engine: Engine
    outbox: Outbox
    clock: FakeClock

    def enqueue(self, count: int) -> list[str]:
        ids = []
        for n in range(count):
            txn_id = str(uuid.uuid4())
            with Session(self.engine) as s, s.begin():
                self.outbox.enqueue(
                    s,
                    txn_id=txn_id,
                    type="topup",
                    amount=Money(Decimal(n + 1), "CNY"),
                    tender={"type": "cash", "notes": {str(n + 1): 1}},
                    details={"n": n},
                    created_at=self.clock.now(),
                )
            ids.append(txn_id)
        return ids


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-7": "tok-7"})
    server.start()
    clock = FakeClock()
    (tmp_path / "data").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'kiosk.db'}")
    outbox = Outbox(engine, "kiosk-7", clock)
    outbox.create_schema()
    yield Site(tmp_path, store, server, engine, outbox, clock)
    engine.dispose()
    server.stop()
    store.close()


def first_posts(fault: Fault, count: int) -> object:
    left = [count]

    def plan(_n: int, head: bytes) -> Fault:
        if head.startswith(b"POST ") and left[0] > 0:
            left[0] -= 1
            return fault
        return Fault.PASS

    return plan


def run_drain(site: Site, url: str, deadline_s: float | None) -> tuple[int, str, list[float]]:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        site.clock.advance(seconds)

    http = CoreHttp(url, "kiosk-7", "tok-7", read_timeout=5)
    worker = SyncWorker(
        site.outbox, http, site.clock, lambda e: None, batch_size=4, rng=MaxJitter()
    )
    out = io.StringIO()
    try:
        code = drain(site.outbox, worker, out, clock=site.clock, sleep=sleep, deadline_s=deadline_s)
    finally:
        http.close()
    return code, out.getvalue(), waits


def test_until_drained_rides_out_an_outage_honouring_the_backoff(site: Site) -> None:
    ids = site.enqueue(10)
    proxy = FaultProxy(site.server.port, first_posts(Fault.STATUS_503, 3), retry_after="7")
    proxy.up()
    try:
        code, out, waits = run_drain(site, proxy.url, deadline_s=None)
    finally:
        proxy.down()
    assert code == 0
    assert waits == [7.0, 7.0, 7.0]  # the core's Retry-After, each time
    assert "retrying in 7.0s" in out and "10/10" in out and "drained: 10 accepted, 0 dead" in out
    assert [site.store.transaction_count(t) for t in ids] == [1] * 10


def test_the_exponential_backoff_is_waited_out_not_hammered(site: Site) -> None:
    site.enqueue(2)
    proxy = FaultProxy(site.server.port, first_posts(Fault.STATUS_500, 3))
    proxy.up()
    try:
        code, _, waits = run_drain(site, proxy.url, deadline_s=None)
    finally:
        proxy.down()
    assert code == 0 and waits == [1.0, 2.0, 4.0]


def test_a_deadline_ends_it_with_the_money_still_queued(site: Site) -> None:
    site.enqueue(3)
    port = site.server.port
    site.server.stop()  # the core stays away
    code, out, waits = run_drain(site, f"http://127.0.0.1:{port}", deadline_s=30)
    assert code == 1 and "deadline: 3 still queued" in out and "CORE_UNREACHABLE" in out
    assert sum(waits) <= 30
    assert site.outbox.status().pending == 3


def test_a_refused_credential_stops_at_once(site: Site) -> None:
    site.enqueue(1)
    http_url = f"http://127.0.0.1:{site.server.port}"
    waits: list[float] = []
    http = CoreHttp(http_url, "kiosk-7", "wrong", read_timeout=5)
    worker = SyncWorker(site.outbox, http, site.clock, lambda e: None, rng=MaxJitter())
    out = io.StringIO()
    code = drain(site.outbox, worker, out, clock=site.clock, sleep=waits.append, deadline_s=None)
    http.close()
    assert code == 1 and waits == [] and "CORE_UNAUTHORIZED needs a technician" in out.getvalue()


def test_the_command_needs_only_kiosk_core_and_the_database(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No [devices], no journal key, no PIN pad key: what a technician's shell has."""
    ids = site.enqueue(5)
    config = site.tmp / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nid = "kiosk-7"\ndata_dir = "{site.tmp / "data"}"\n'
        f'[core]\nurl = "http://127.0.0.1:{site.server.port}"\ntoken_env = "{TOKEN_ENV}"\n'
        '[journal]\nkey_env = "KIOSK_JOURNAL_KEY_NOT_SET_HERE"\n',
        "utf-8",
    )
    monkeypatch.setenv(TOKEN_ENV, "tok-7")
    monkeypatch.delenv("KIOSK_JOURNAL_KEY_NOT_SET_HERE", raising=False)
    assert main(["queue", "sync", "--until-drained", "--config", str(config)]) == 0
    assert "drained: 5 accepted" in capsys.readouterr().err
    assert [site.store.transaction_count(t) for t in ids] == [1] * 5
