"""Outbox benchmarks: durable enqueue rate and backlog drain rate.

    .venv/bin/python -m bench.queue [--items 500] [--runs 5] [--backlog 10000] [--drain-runs 3]
                                    [--batch 20,100] [--dir DIR]

(a) Durable enqueue, one commit per item, every rate measured in this run, in the same
    directory (the same disk), medians of --runs runs:
      raw fsync            write(~200 B) + os.fsync per item: the physical limit for one
                           durable commit per item
      outbox.enqueue       Outbox.enqueue in its own transaction (WAL, synchronous=FULL)
      ledger.commit_money  the real path: journal entry + outbox item in one transaction
      persist-queue        SQLiteAckQueue.put (WAL; synchronous=FULL set explicitly)
      litequeue            LiteQueue.put (WAL; synchronous=FULL set explicitly; its default,
                           NORMAL, can lose the last commits on power loss)
    The comparison queues are bench-only extras: pip install -e '.[bench]'.
(b) Drain a backlog of --backlog transactions to the reference core over loopback HTTP
    (the core also commits each item with synchronous=FULL), per batch size; the baseline is the
    core's own ingest rate for the same items with no HTTP and no kiosk (Store.record in-process).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from core_system.validation import validate_transaction
from kiosk.clock import SystemClock
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

PAYLOAD = {"biller": "SGCC", "account": "1234567890", "note": "x" * 120}
TENDER = {"type": "cash", "notes": {"100": 1, "20": 1, "5": 1}}


def _rate(items: int, seconds: float) -> float:
    return items / seconds if seconds > 0 else float("inf")


# -- (a) durable enqueue -------------------------------------------------------------------------


def raw_fsync(dir_: Path, items: int) -> float:
    path = dir_ / f"fsync-{uuid.uuid4().hex}.log"
    record = (b"%036d" % 0) + b"x" * 164 + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        start = time.perf_counter()
        for _ in range(items):
            os.write(fd, record)
            os.fsync(fd)
        return _rate(items, time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()


def outbox_enqueue(dir_: Path, items: int) -> float:
    engine = make_engine(f"sqlite:///{dir_ / f'outbox-{uuid.uuid4().hex}.db'}")
    outbox = Outbox(engine, "bench", SystemClock())
    outbox.create_schema()
    now = datetime.now(UTC)
    amount = Money(Decimal("125.50"), "CNY")
    start = time.perf_counter()
    for _ in range(items):
        with Session(engine) as s, s.begin():
            outbox.enqueue(
                s,
                txn_id=str(uuid.uuid4()),
                type="bill_payment",
                amount=amount,
                tender=TENDER,
                details=PAYLOAD,
                created_at=now,
            )
    rate = _rate(items, time.perf_counter() - start)
    engine.dispose()
    return rate


def ledger_commit(dir_: Path, items: int) -> float:
    engine = make_engine(f"sqlite:///{dir_ / f'ledger-{uuid.uuid4().hex}.db'}")
    clock = SystemClock()
    outbox = Outbox(engine, "bench", clock)
    ledger = Ledger(engine, outbox, clock)
    outbox.create_schema()
    ledger.create_schema()
    amount = Money(Decimal("125.50"), "CNY")
    start = time.perf_counter()
    for n in range(items):
        ledger.commit_money(
            f"s-{n}",
            "payment_committed",
            {"bill_id": "B-1"},
            txn_id=str(uuid.uuid4()),
            txn_type="bill_payment",
            amount=amount,
            tender=TENDER,
            details=PAYLOAD,
        )
    rate = _rate(items, time.perf_counter() - start)
    engine.dispose()
    return rate


def _item() -> dict[str, Any]:
    return {"txn_id": str(uuid.uuid4()), "amount": "125.50", "tender": TENDER, **PAYLOAD}


def persist_queue(dir_: Path, items: int) -> float:
    from persistqueue import SQLiteAckQueue

    queue = SQLiteAckQueue(str(dir_ / f"pq-{uuid.uuid4().hex}"), auto_commit=True)
    for conn in {id(c): c for c in (queue._conn, queue._putter)}.values():
        conn.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    for _ in range(items):
        queue.put(_item())
    rate = _rate(items, time.perf_counter() - start)
    queue._conn.close()
    return rate


def litequeue(dir_: Path, items: int) -> float:
    import json

    from litequeue import LiteQueue

    queue = LiteQueue(str(dir_ / f"lq-{uuid.uuid4().hex}.db"))
    queue.conn.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    for _ in range(items):
        queue.put(json.dumps(_item()))
    rate = _rate(items, time.perf_counter() - start)
    queue.conn.close()
    return rate


# -- (b) drain -----------------------------------------------------------------------------------


def _backlog(dir_: Path, items: int) -> tuple[Any, Outbox]:
    engine = make_engine(f"sqlite:///{dir_ / f'backlog-{uuid.uuid4().hex}.db'}")
    outbox = Outbox(engine, "bench", SystemClock())
    outbox.create_schema()
    now = datetime.now(UTC)
    amount = Money(Decimal("125.50"), "CNY")
    with Session(engine) as s, s.begin():  # setup only: one transaction for the whole backlog
        for _ in range(items):
            outbox.enqueue(
                s,
                txn_id=str(uuid.uuid4()),
                type="topup",
                amount=amount,
                tender=TENDER,
                details=PAYLOAD,
                created_at=now,
            )
    return engine, outbox


def drain(dir_: Path, items: int, batch: int) -> float:
    engine, outbox = _backlog(dir_, items)
    store = Store(f"sqlite:///{dir_ / f'core-{uuid.uuid4().hex}.db'}")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"bench": "tok"})
    http = CoreHttp(server.start(), "bench", "tok")
    worker = SyncWorker(outbox, http, SystemClock(), lambda e: None, batch_size=batch)
    try:
        start = time.perf_counter()
        sent = 0
        while sent < items:
            report = worker.sync_once(force=True)
            if report.failed or not report.sent:
                raise RuntimeError(f"drain stalled: {report}")
            sent += report.sent
        seconds = time.perf_counter() - start
        status = outbox.status()
        assert status.accepted == items, status
    finally:
        http.close()
        server.stop()
        store.close()
        engine.dispose()
    return _rate(items, seconds)


def core_ingest(dir_: Path, items: int) -> float:
    store = Store(f"sqlite:///{dir_ / f'core-{uuid.uuid4().hex}.db'}")
    store.create_schema()
    now = datetime.now(UTC)
    txns = [
        validate_transaction(
            {
                "txn_id": str(uuid.uuid4()),
                "kiosk_id": "bench",
                "seq": n + 1,
                "type": "topup",
                "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "amount": "125.50",
                "currency": "CNY",
                "tender": TENDER,
                "details": PAYLOAD,
            },
            "bench",
        )
        for n in range(items)
    ]
    start = time.perf_counter()
    for txn in txns:
        store.record(txn, now)
    rate = _rate(items, time.perf_counter() - start)
    store.close()
    return rate


# -- report --------------------------------------------------------------------------------------


def _median(fn: Callable[[Path, int], float], dir_: Path, items: int, runs: int) -> float:
    return statistics.median(fn(dir_, items) for _ in range(runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__)
    parser.add_argument("--items", type=int, default=500, help="(a) items per run")
    parser.add_argument("--runs", type=int, default=5, help="(a) runs; the median is shown")
    parser.add_argument("--backlog", type=int, default=10_000, help="(b) backlog size")
    parser.add_argument("--drain-runs", type=int, default=3, help="(b) runs per batch size")
    parser.add_argument("--batch", default="20,100", help="(b) batch sizes, comma-separated")
    parser.add_argument("--dir", type=Path, help="where the files go (default: a temp dir)")
    args = parser.parse_args(argv)
    parent = args.dir or Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-queue-", dir=parent) as tmp:
        dir_ = Path(tmp)
        print(f"(a) durable enqueue, one commit per item: {args.items} items x {args.runs} runs")
        print(f"    directory {dir_}")
        baseline = _median(raw_fsync, dir_, args.items, args.runs)
        print(f"    {'raw write+fsync (baseline)':30} {baseline:9.0f} items/s   1.00x")
        contenders: list[tuple[str, Callable[[Path, int], float]]] = [
            ("outbox.enqueue", outbox_enqueue),
            ("ledger.commit_money", ledger_commit),
            ("persist-queue SQLiteAckQueue", persist_queue),
            ("litequeue", litequeue),
        ]
        for name, fn in contenders:
            try:
                rate = _median(fn, dir_, args.items, args.runs)
            except ImportError:
                print(f"    {name:30} not installed (pip install -e '.[bench]')")
                continue
            print(f"    {name:30} {rate:9.0f} items/s   {rate / baseline:.2f}x of fsync")

        print(f"(b) drain a backlog of {args.backlog} to the reference core over loopback HTTP")
        ingest = _median(core_ingest, dir_, args.backlog, args.drain_runs)
        print(f"    {'core ingest, no HTTP (baseline)':30} {ingest:9.0f} items/s   1.00x")
        for batch in (int(b) for b in args.batch.split(",")):
            rate = _median(
                lambda d, n, b=batch: drain(d, n, b), dir_, args.backlog, args.drain_runs
            )
            seconds = args.backlog / rate
            print(
                f"    {f'drain, batch size {batch}':30} {rate:9.0f} items/s   "
                f"{rate / ingest:.2f}x of ingest   ({seconds:.1f} s for {args.backlog})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
