"""kill -9 of a kiosk process at random moments while it journals payments and syncs them.

After every kill the kiosk is started again (recovery re-sends what was in flight); at the end
nothing is lost (every journaled payment is at the core), nothing is duplicated (each txn_id
once, totals equal), and the core holds seq 1..N without a gap. Size: KILL_ROUNDS and
KILL_ITEMS (CI: small; the big run is `python -m bench.queue --kill`-sized by these knobs).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store, TransactionRow
from kiosk.money.journal import JournalEntry
from offline_queue.db import make_engine
from offline_queue.models import OutboxItem, OutboxState

ROUNDS = int(os.environ.get("KILL_ROUNDS", "6"))
ITEMS = int(os.environ.get("KILL_ITEMS", "200"))  # enough work to outlive 0.4-1.2 s
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    url = server.start()
    yield store, url
    server.stop()
    store.close()


def start_child(db_url: str, core_url: str, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.offline_queue.kiosk_child", db_url, core_url]
        + [str(ITEMS), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_while_paying_and_syncing_loses_and_duplicates_nothing(
    core: tuple[Store, str], tmp_path: Path
) -> None:
    store, core_url = core
    db_url = f"sqlite:///{tmp_path}/kiosk.db"
    rng = random.Random(int(os.environ.get("KILL_SEED", "1")))
    killed = 0
    for round_no in range(ROUNDS):
        child = start_child(db_url, core_url, round_no)
        time.sleep(rng.uniform(0.4, 1.2))  # imports take ~0.3 s; then it pays and syncs
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait(10)
    final = start_child(db_url, core_url, 999)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err[-2000:]
    assert killed >= ROUNDS // 2, "the child finished before it could be killed: raise KILL_ITEMS"

    engine = make_engine(db_url)
    with Session(engine) as s:
        journal = {
            e.txn_id: json.loads(e.data)
            for e in s.scalars(select(JournalEntry).where(JournalEntry.kind == "payment_committed"))
        }
        items = list(s.scalars(select(OutboxItem).order_by(OutboxItem.seq)))
    engine.dispose()
    with Session(store._engine) as s:  # test-only peek at the core's table
        rows = list(s.scalars(select(TransactionRow).order_by(TransactionRow.seq)))

    assert len(journal) == ITEMS
    assert {i.txn_id for i in items} == set(journal)  # journal and outbox committed together
    assert all(i.state is OutboxState.ACCEPTED for i in items)
    assert [i.seq for i in items] == list(range(1, ITEMS + 1))
    assert sorted(r.txn_id for r in rows) == sorted(journal)  # at the core exactly once
    assert [r.seq for r in rows] == list(range(1, ITEMS + 1))  # gap-free
    kiosk_total = sum(Decimal(d["amount"]["amount"]) for d in journal.values())
    assert sum(Decimal(r.amount) for r in rows) == kiosk_total
    assert store.seq_report("kiosk-1")["gaps"] == []
