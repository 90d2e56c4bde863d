"""One life of the kiosk for the kill-at-step test: real Ledger, Outbox, SyncWorker and CoreHttp.

    KILL_STEP_FD=.. KILL_GO_FD=.. KILLTEST_TOKEN=.. \\
        python -m bench.queue_kill_kiosk DB_URL CORE_URL KIOSK_ID TARGET SEED

It starts as the kiosk does (schema, in-flight recovery, the sync thread), journals payments until
the journal holds TARGET of them (a restarted life carries on where the killed one stopped), and
waits until the outbox is drained. The production classes are used as they are; thin subclasses
only add an announcement (bench/kill_steps.py) after each durable money step, before the next:

  recovered  schema made and items left in flight by the last life put back to pending
  committed  journal entry + outbox item committed (one transaction: the enqueue)
  claimed    a batch marked in_flight (committed), the POST not sent yet
  replied    the core's reply read, not yet settled in the outbox
  settled    the accepted/duplicate results committed in the outbox

The parent SIGKILLs the process at one of them; it never has to guess when.
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.kill_steps import Announcer
from kiosk.clock import SystemClock
from kiosk.money.amount import Money
from kiosk.money.journal import JournalEntry
from kiosk.money.ledger import Ledger
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox, OutboxEntry
from offline_queue.sync import SyncWorker

TOKEN_ENV = "KILLTEST_TOKEN"
PAYMENT_KIND = "payment_committed"


class AnnouncingOutbox(Outbox):
    """The real outbox; claiming and settling are announced once committed."""

    def __init__(self, *args: Any, announcer: Announcer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._announcer = announcer

    def claim_batch(self, limit: int, *, force: bool = False) -> list[OutboxEntry]:
        batch = super().claim_batch(limit, force=force)
        if batch:
            self._announcer.announce("claimed", f"{batch[0].seq}-{batch[-1].seq}")
        return batch

    def mark_accepted(self, results: Sequence[tuple[str, str]]) -> None:
        super().mark_accepted(results)
        if results:
            self._announcer.announce("settled", str(len(results)))


class AnnouncingHttp(CoreHttp):
    """The real HTTP link; a reply to a batch is announced before the worker settles it."""

    def __init__(self, *args: Any, announcer: Announcer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._announcer = announcer

    def post_json(self, path: str, body: Any) -> Any:
        reply = super().post_json(path, body)
        self._announcer.announce("replied", path)
        return reply


def journaled_payments(engine: Any) -> int:
    with Session(engine) as s:
        query = select(func.count()).select_from(JournalEntry)
        return int(s.scalar(query.where(JournalEntry.kind == PAYMENT_KIND)) or 0)


def amount_for(n: int) -> Money:
    """Varied amounts, some with jiao, so a wrong total cannot hide behind equal amounts."""
    return Money(Decimal(n % 17 + 1) + (Decimal("0.50") if n % 3 == 0 else Decimal(0)), "CNY")


def main(db_url: str, core_url: str, kiosk_id: str, target: int, seed: int) -> int:
    announcer = Announcer.from_env()
    rng = random.Random(seed)
    clock = SystemClock()
    engine = make_engine(db_url)
    outbox = AnnouncingOutbox(engine, kiosk_id, clock, announcer=announcer)
    ledger = Ledger(engine, outbox, clock)
    outbox.create_schema()  # re-queues what the killed life left in flight
    ledger.create_schema()
    http = AnnouncingHttp(
        core_url,
        kiosk_id,
        os.environ[TOKEN_ENV],
        connect_timeout=2,
        read_timeout=60,  # the core may stand still at an announced step for a while
        announcer=announcer,
    )
    worker = SyncWorker(
        outbox,
        http,
        clock,
        lambda event: None,
        batch_size=rng.choice([1, 3, 10]),
        backoff_base=0.01,
        backoff_cap=0.2,
        probe_interval_s=0.05,
    )
    announcer.announce("recovered", str(outbox.status().pending))
    worker.start()
    try:
        for n in range(journaled_payments(engine), target):
            txn_id = str(uuid.uuid4())
            amount = amount_for(n)
            ledger.commit_money(
                f"session-{n}",
                PAYMENT_KIND,
                {"n": n},
                txn_id=txn_id,
                txn_type="topup",
                amount=amount,
                tender={"type": "cash", "notes": {str(amount.amount): 1}},
                details={"n": n},
            )
            announcer.announce("committed", txn_id)
            worker.wake()
        while True:  # not a kill trigger: the parent kills at a step; this only ends the life
            status = outbox.status()
            if status.pending == 0 and status.in_flight == 0:
                break
            time.sleep(0.02)
    finally:
        worker.stop(30)
        http.close()
    announcer.say(f"drained {outbox.status().accepted}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
