"""A minimal kiosk process for the kill -9 tests: pays through the Ledger and syncs.

    python -m tests.offline_queue.kiosk_child DB_URL CORE_URL TOTAL SEED

It starts like the real kiosk (schema, in-flight recovery, sync thread), then journals payments
until the journal holds TOTAL of them (a restarted child carries on where the killed one
stopped), waking the worker after each, and waits until the outbox is drained. The parent kills
it with SIGKILL at random moments and starts it again.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.clock import SystemClock
from kiosk.money.amount import Money
from kiosk.money.journal import JournalEntry
from kiosk.money.ledger import Ledger
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker


def main(db_url: str, core_url: str, total: int, seed: int) -> int:
    rng = random.Random(seed)
    clock = SystemClock()
    engine = make_engine(db_url)
    outbox = Outbox(engine, "kiosk-1", clock)
    ledger = Ledger(engine, outbox, clock)
    outbox.create_schema()
    ledger.create_schema()
    worker = SyncWorker(
        outbox,
        CoreHttp(core_url, "kiosk-1", "s3cret-1", connect_timeout=1, read_timeout=5),
        clock,
        lambda event: None,
        batch_size=rng.choice([1, 3, 10]),
        backoff_base=0.01,
        backoff_cap=0.1,
        probe_interval_s=0.05,
    )
    worker.start()
    try:
        with Session(engine) as s:
            done = s.scalar(
                select(func.count())
                .select_from(JournalEntry)
                .where(JournalEntry.kind == "payment_committed")
            )
        for n in range(int(done or 0), total):
            amount = Money(Decimal(n % 20 + 1), "CNY")
            ledger.commit_money(
                f"session-{n}",
                "payment_committed",
                {"n": n},
                txn_id=str(uuid.uuid4()),
                txn_type="topup",
                amount=amount,
                tender={"type": "cash", "notes": {str(n % 20 + 1): 1}},
                details={"n": n},
            )
            worker.wake()
            if rng.random() < 0.3:
                time.sleep(rng.uniform(0, 0.02))
        while True:
            status = outbox.status()
            if status.pending == 0 and status.in_flight == 0:
                break
            time.sleep(0.02)
    finally:
        worker.stop(10)
    print(f"drained {outbox.status().accepted}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
