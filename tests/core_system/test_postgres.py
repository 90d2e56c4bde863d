"""The reference core on a real PostgreSQL server that the test starts (and stops) itself.

Skipped only when the PostgreSQL server binaries are not installed (scripts/setup.sh installs
the Debian `postgresql` package, so CI runs it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from core_system.validation import validate_transaction
from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.core_system.pg_server import PgServer, start_pg

TOKENS = {"kiosk-1": "s3cret-1"}
AUTH = {"X-Kiosk-Id": "kiosk-1", "Authorization": "Bearer s3cret-1"}


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    try:
        server = start_pg()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg: PgServer) -> Iterator[str]:
    """A fresh database per test, so tests do not see each other's transactions."""
    import psycopg

    name = f"core_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield pg.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def txn(seq: int, amount: str = "10.00", txn_id: str | None = None) -> dict[str, Any]:
    return {
        "txn_id": txn_id or str(uuid.uuid4()),
        "kiosk_id": "kiosk-1",
        "seq": seq,
        "type": "topup",
        "created_at": "2026-11-23T08:15:00Z",
        "amount": amount,
        "currency": "CNY",
        "tender": {"type": "cash", "notes": {"10": 1}},
        "details": {"phone": "138****0000"},
    }


def test_idempotency_conflicts_and_seq_gaps_on_postgresql(pg_url: str) -> None:
    store = Store(pg_url)
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens=TOKENS)
    url = server.start()
    try:
        first, third = txn(1), txn(3, "30.00")
        post = lambda items: requests.post(  # noqa: E731
            url + "/v1/transactions", json={"transactions": items}, headers=AUTH, timeout=10
        ).json()["results"]
        assert [r["status"] for r in post([first, third])] == ["accepted", "accepted"]
        again = post([first])[0]
        assert again["status"] == "duplicate"
        changed = dict(first, amount="99.00")
        assert post([changed])[0]["error"]["code"] == "IDEMPOTENCY_CONFLICT"
        day = requests.get(
            url + "/v1/reconciliation", params={"date": "2026-11-23"}, headers=AUTH, timeout=10
        ).json()
        assert day["count"] == 2
        assert day["types"]["topup"]["totals"] == [{"amount": "40.00", "currency": "CNY"}]
        assert day["seq"]["gaps"] == [{"first": 2, "last": 2}]
        bills = requests.get(
            url + "/v1/bills",
            params={"biller": "SGCC", "account": "1234567890"},
            headers=AUTH,
            timeout=10,
        ).json()["bills"]
        assert bills[0]["amount_due"] == {"amount": "125.50", "currency": "CNY"}
    finally:
        server.stop()
        store.close()


def test_two_core_processes_racing_on_one_txn_id_store_it_once(pg_url: str) -> None:
    """Two stores (two core processes' connection pools) receive the same re-sent item at the
    same moment: the UNIQUE constraint, not a Python lock, makes exactly one of them insert."""
    stores = [Store(pg_url), Store(pg_url)]
    stores[0].create_schema()
    item = validate_transaction(txn(1), "kiosk-1")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def send(store: Store) -> None:
        barrier.wait()
        results.append(store.record(item, now).status)

    threads = [threading.Thread(target=send, args=(stores[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted"] + ["duplicate"] * 7
    assert stores[0].transaction_count(item.txn_id) == 1
    for store in stores:
        store.close()


def test_kiosk_core_serve_with_db_postgresql_takes_a_synced_outbox(
    pg_url: str, tmp_path: Path
) -> None:
    env = dict(os.environ, CORE_KIOSK_TOKENS="kiosk-1:s3cret-1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "core", "serve", "--port", "0", "--db", pg_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on" in line, proc.stderr.read() if proc.stderr else line
        url = line.rsplit(" ", 1)[-1].strip()
        clock = FakeClock()
        engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
        outbox = Outbox(engine, "kiosk-1", clock)
        outbox.create_schema()
        for n in range(5):
            with Session(engine) as s, s.begin():
                outbox.enqueue(
                    s,
                    txn_id=str(uuid.uuid4()),
                    type="topup",
                    amount=Money(Decimal(f"{n + 1}.00"), "CNY"),
                    tender={"type": "cash", "notes": {"1": n + 1}},
                    details={},
                    created_at=clock.now(),
                )
        worker = SyncWorker(outbox, CoreHttp(url, "kiosk-1", "s3cret-1"), clock, lambda e: None)
        assert worker.sync_once().accepted == 5
        assert outbox.status().accepted == 5
        day = requests.get(
            url + "/v1/reconciliation", params={"date": "2026-11-23"}, headers=AUTH, timeout=10
        ).json()
        assert day["types"]["topup"] == {
            "count": 5,
            "totals": [{"amount": "15.00", "currency": "CNY"}],
        }
        assert day["seq"] == {"highest": 5, "received": 5, "gaps": []}
        engine.dispose()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
