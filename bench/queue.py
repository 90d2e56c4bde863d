"""Storage fast path (issue 18): durable commit, core ingest, backlog drain, idle tick.

    .venv/bin/python -m bench.queue [--items 500] [--runs 5] [--ingest 10000] [--batch 100]
                                    [--backlog 10000] [--drain-runs 3] [--idle-rows 100000]
                                    [--no-pg] [--dir DIR]

Every baseline is raw SQL doing the same work, measured in the same run, interleaved with the
contender (run 1 of each, then run 2 of each, ...), medians of the runs:

(a) Durable commit, one transaction per payment, same directory (same disk), --items commits:
      raw sqlite3      baseline: sqlite3 module, WAL + synchronous=FULL, per payment BEGIN
                       IMMEDIATE, INSERT of the journal row and of the outbox row (both
                       prepared beforehand: no hashing, no JSON), COMMIT
      commit_money     Ledger.commit_money: journal entry (hash chain, keyed seal) + outbox item
                       (seq, payload) in one transaction, WAL + synchronous=FULL
      persist-queue    SQLiteAckQueue.put, auto_commit, WAL, synchronous=FULL set explicitly on
                       its connections, as the kiosk's engine sets them
      outbox.enqueue   Outbox.enqueue in its own Session transaction (shown, no goal)
(b) Core ingest of --ingest pre-validated transactions in batches of --batch (one DB
    transaction per batch): Store.record_batch (duplicate look-up by txn_id, bill rules, insert,
    core_ref) against raw executemany of the same rows into a table of the same shape (UNIQUE
    txn_id, the same index), same batch size, same durability: SQLite WAL + synchronous=FULL;
    PostgreSQL 15 with its defaults (fsync=on, synchronous_commit=on), a private server
    started for the run (skipped when not installed, or with --no-pg).
(c) Drain of a --backlog backlog, end to end: SyncWorker.sync_once batches over loopback HTTP to
    the reference core (the core commits with synchronous=FULL), batch size --batch; baseline:
    raw executemany of the same rows (b). Also shown: the same drain with the server handing a
    request's items to Store.record_batch (a bench-only CoreServer subclass: the route change
    core_system/server.py needs; see docs/benchmarks.md).
(d) Idle tick with --idle-rows outbox rows (90 % accepted, the rest pending) and a full cashbox
    (1000 notes journaled): what the services menu reads on the UI thread per tick in the demo
    kiosk - four `core_reachable(outbox)` (Outbox.status) and two cashbox levels
    (`cashbox_counts_sql`); baseline: the same reads counted from the rows (the scans they
    replaced), same database, same run. Median of 2000 ticks.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from core_system.validation import ValidTxn, validate_transaction
from kiosk.clock import SystemClock
from kiosk.money.amount import Money
from kiosk.money.cash import counters as cash_counters
from kiosk.money.ledger import Ledger
from offline_queue.db import connect_raw, make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

PAYLOAD = {"biller": "SGCC", "account": "1234567890", "note": "x" * 120}
TENDER = {"type": "cash", "notes": {"100": 1, "20": 1, "5": 1}}
AMOUNT = Money(Decimal("125.50"), "CNY")


@dataclass(frozen=True)
class Figure:
    """One line of the `make bench` table."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float | None
    goal: str  # human-readable
    met: bool | None  # None: no goal (shown for context)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def _rate(items: int, seconds: float) -> float:
    return items / seconds if seconds > 0 else float("inf")


def _db(dir_: Path, stem: str) -> Path:
    return dir_ / f"{stem}-{uuid.uuid4().hex}.db"


# -- (a) durable commit ----------------------------------------------------------------------


def raw_sqlite_commit(dir_: Path, items: int) -> float:
    conn = sqlite3.connect(_db(dir_, "raw"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE journal (id INTEGER PRIMARY KEY, at TEXT, session_id TEXT, txn_id TEXT,"
        " kind TEXT, data TEXT, prev_hash TEXT, hash TEXT)"
    )
    conn.execute(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY, txn_id TEXT UNIQUE, seq INTEGER UNIQUE,"
        " type TEXT, payload TEXT, state TEXT, created_at TEXT)"
    )
    payload = json.dumps({"txn_id": "0" * 36, "tender": TENDER, "details": PAYLOAD})
    data = json.dumps({"bill_id": "B-1", "seq": 1, "amount": AMOUNT.wire()})
    rows = [
        (
            (
                datetime.now(UTC).isoformat(),
                f"s-{n}",
                txn,
                "payment_committed",
                data,
                "0" * 64,
                "f" * 64,
            ),
            (txn, n + 1, "bill_payment", payload, "pending", "2026-11-20 08:30:00.000000"),
        )
        for n, txn in enumerate(str(uuid.uuid4()) for _ in range(items))
    ]
    journal = (
        "INSERT INTO journal (at, session_id, txn_id, kind, data, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    outbox = (
        "INSERT INTO outbox (txn_id, seq, type, payload, state, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
    )
    start = time.perf_counter()
    for entry, item in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(outbox, item)
        conn.execute(journal, entry)
        conn.execute("COMMIT")
    rate = _rate(items, time.perf_counter() - start)
    conn.close()
    return rate


def _books(dir_: Path) -> tuple[Any, Outbox, Ledger]:
    engine = make_engine(f"sqlite:///{_db(dir_, 'ledger')}")
    clock = SystemClock()
    outbox = Outbox(engine, "bench", clock)
    ledger = Ledger(engine, outbox, clock, seal_key=b"bench-seal-key")
    outbox.create_schema()
    ledger.create_schema()
    return engine, outbox, ledger


def ledger_commit(dir_: Path, items: int) -> float:
    engine, _, ledger = _books(dir_)
    txn_ids = [str(uuid.uuid4()) for _ in range(items)]
    start = time.perf_counter()
    for n, txn_id in enumerate(txn_ids):
        ledger.commit_money(
            f"s-{n}",
            "payment_committed",
            {"bill_id": "B-1"},
            txn_id=txn_id,
            txn_type="bill_payment",
            amount=AMOUNT,
            tender=TENDER,
            details=PAYLOAD,
        )
    rate = _rate(items, time.perf_counter() - start)
    report = ledger.check()
    if not report.intact or report.records != items:
        raise RuntimeError(f"journal chain after the run: {report}")
    ledger.close()
    engine.dispose()
    return rate


def outbox_enqueue(dir_: Path, items: int) -> float:
    engine, outbox, ledger = _books(dir_)
    now = datetime.now(UTC)
    start = time.perf_counter()
    for _ in range(items):
        with Session(engine) as s, s.begin():
            outbox.enqueue(
                s,
                txn_id=str(uuid.uuid4()),
                type="bill_payment",
                amount=AMOUNT,
                tender=TENDER,
                details=PAYLOAD,
                created_at=now,
            )
    rate = _rate(items, time.perf_counter() - start)
    ledger.close()
    engine.dispose()
    return rate


def persist_queue(dir_: Path, items: int) -> float:
    from persistqueue import SQLiteAckQueue

    queue = SQLiteAckQueue(str(dir_ / f"pq-{uuid.uuid4().hex}"), auto_commit=True)
    for conn in {id(c): c for c in (queue._conn, queue._putter)}.values():
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    item = {"txn_id": "", "amount": "125.50", "tender": TENDER, **PAYLOAD}
    start = time.perf_counter()
    for _ in range(items):
        queue.put({**item, "txn_id": str(uuid.uuid4())})
    rate = _rate(items, time.perf_counter() - start)
    queue._conn.close()
    return rate


# -- (b) core ingest ---------------------------------------------------------------------------


def _txns(items: int) -> list[ValidTxn]:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        validate_transaction(
            {
                "txn_id": str(uuid.uuid4()),
                "kiosk_id": "bench",
                "seq": n + 1,
                "type": "topup",
                "created_at": stamp,
                "amount": "125.50",
                "currency": "CNY",
                "tender": TENDER,
                "details": PAYLOAD,
            },
            "bench",
        )
        for n in range(items)
    ]


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def core_batched(url: str, items: int, batch: int) -> float:
    store = Store(url)
    store.create_schema()
    txns = _txns(items)
    now = datetime.now(UTC)
    start = time.perf_counter()
    for chunk in _chunks(txns, batch):
        results = store.record_batch(chunk, now)
        if results[-1].status != "accepted":
            raise RuntimeError(f"ingest refused: {results[-1]}")
    rate = _rate(items, time.perf_counter() - start)
    store.close()
    return rate


_RAW_COLUMNS = (
    "txn_id, kiosk_id, seq, type, amount, currency, tender, details, created_at, business_date,"
    " content_hash, received_at"
)


def _raw_rows(txns: list[ValidTxn]) -> list[tuple[Any, ...]]:
    """The rows the raw baselines insert, built from the same validated transactions inside
    the timed loop (storing a transaction means serialising its tender and details)."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    return [
        (
            t.txn_id,
            t.kiosk_id,
            t.seq,
            t.type,
            str(t.amount.amount),
            t.amount.currency,
            json.dumps(t.tender),
            json.dumps(t.details),
            t.created_at,
            t.business_date,
            t.content_hash,
            now,
        )
        for t in txns
    ]


def raw_executemany_sqlite(dir_: Path, items: int, batch: int) -> float:
    conn = sqlite3.connect(_db(dir_, "raw-core"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE transactions (id INTEGER PRIMARY KEY, txn_id TEXT UNIQUE, kiosk_id TEXT,"
        " seq INTEGER, type TEXT, amount TEXT, currency TEXT, tender TEXT, details TEXT,"
        " created_at TEXT, business_date TEXT, content_hash TEXT, core_ref TEXT UNIQUE,"
        " received_at TEXT)"
    )
    conn.execute("CREATE INDEX ix_day ON transactions (kiosk_id, business_date)")
    txns = _txns(items)
    sql = f"INSERT INTO transactions ({_RAW_COLUMNS}) VALUES ({', '.join('?' * 12)})"
    start = time.perf_counter()
    for chunk in _chunks(txns, batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, _raw_rows(chunk))
        conn.execute("COMMIT")
    rate = _rate(items, time.perf_counter() - start)
    conn.close()
    return rate


def raw_executemany_pg(url: str, items: int, batch: int) -> float:
    import psycopg

    table = f"raw_{uuid.uuid4().hex[:8]}"
    txns = _txns(items)
    with psycopg.connect(url) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id SERIAL PRIMARY KEY, txn_id VARCHAR(36) UNIQUE,"
            " kiosk_id VARCHAR(64), seq INTEGER, type VARCHAR(32), amount VARCHAR(24),"
            " currency VARCHAR(3), tender JSON, details JSON, created_at VARCHAR(40),"
            " business_date VARCHAR(10), content_hash VARCHAR(64), core_ref VARCHAR(16) UNIQUE,"
            " received_at TIMESTAMP)"
        )
        conn.execute(f"CREATE INDEX ix_{table} ON {table} (kiosk_id, business_date)")
        conn.commit()
        sql = f"INSERT INTO {table} ({_RAW_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"
        start = time.perf_counter()
        for chunk in _chunks(txns, batch):
            with conn.cursor() as cur:
                cur.executemany(sql, _raw_rows(chunk))
            conn.commit()
        rate = _rate(items, time.perf_counter() - start)
    return rate


# -- (c) drain ---------------------------------------------------------------------------------


def _backlog(dir_: Path, items: int) -> tuple[Any, Outbox]:
    engine = make_engine(f"sqlite:///{_db(dir_, 'backlog')}")
    outbox = Outbox(engine, "bench", SystemClock())
    outbox.create_schema()
    now = datetime.now(UTC)
    with Session(engine) as s, s.begin():  # setup only: one transaction for the whole backlog
        for _ in range(items):
            outbox.enqueue(
                s,
                txn_id=str(uuid.uuid4()),
                type="topup",
                amount=AMOUNT,
                tender=TENDER,
                details=PAYLOAD,
                created_at=now,
            )
    return engine, outbox


def drain(dir_: Path, items: int, batch: int, server_cls: type[CoreServer] = CoreServer) -> float:
    engine, outbox = _backlog(dir_, items)
    store = Store(f"sqlite:///{_db(dir_, 'core')}")
    store.create_schema()
    server = server_cls(store, kiosk_tokens={"bench": "tok"})
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
        if status.accepted != items:
            raise RuntimeError(f"drain ended with {status}")
    finally:
        http.close()
        server.stop()
        store.close()
        engine.dispose()
    return _rate(items, seconds)


# -- (d) idle tick -----------------------------------------------------------------------------


@contextmanager
def idle_kiosk(dir_: Path, rows: int, notes: int = 1000) -> Iterator[tuple[Any, Outbox]]:
    engine, outbox, ledger = _books(dir_)
    path = Path(str(engine.url.database))
    conn = connect_raw(path)
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    now = datetime.now(UTC)
    for _ in range(rows):
        outbox.enqueue_raw(
            cur,
            txn_id=str(uuid.uuid4()),
            type="topup",
            amount=AMOUNT,
            tender=TENDER,
            details=PAYLOAD,
            created_at=now,
        )
    cur.execute(
        "UPDATE outbox_items SET state = 'accepted', accepted_at = updated_at,"
        " core_ref = 'CR' || seq WHERE seq <= ?",
        (rows * 9 // 10,),
    )
    cur.execute("COMMIT")
    conn.close()
    for n in range(notes):
        ledger.record(
            f"s-{n // 5}", "note_stacked", {"value": {"amount": "100.00", "currency": "CNY"}}
        )
    ledger.close()
    try:
        yield engine, outbox
    finally:
        engine.dispose()


def _tick_ms(fn: Callable[[], object], ticks: int) -> float:
    samples = []
    for _ in range(ticks):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def idle_tick(dir_: Path, rows: int, ticks: int = 2000) -> tuple[float, float]:
    """(the tick from the counters, the same reads counted from the rows), in ms."""
    from kiosk.runtime.wire_money import core_reachable

    with idle_kiosk(dir_, rows) as (engine, outbox):
        level = cash_counters.cashbox_counts_sql(engine, "CNY").level
        if level is not cash_counters.CashboxLevel.FULL:
            raise RuntimeError(f"cashbox is {level}, not full")

        def tick() -> None:
            for _ in range(4):
                core_reachable(outbox)
            for _ in range(2):
                _ = cash_counters.cashbox_counts_sql(engine, "CNY").level

        def scanned() -> None:
            for _ in range(4):
                age = outbox._scan_status().oldest_pending_age_s
                _ = age is None or age < 60.0
            for _ in range(2):
                cash_counters._scanned(engine, "CNY")

        kept = _tick_ms(tick, ticks)
        base = _tick_ms(scanned, max(5, ticks // 200))
    return kept, base


# -- report ------------------------------------------------------------------------------------


def _interleaved(fns: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """Run 1 of every contender, then run 2 ..., the order rotated each run; medians."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for run in range(runs):
        for name in names[run % len(names) :] + names[: run % len(names)]:
            samples[name].append(fns[name]())
    return {name: statistics.median(values) for name, values in samples.items()}


def figures(
    *,
    items: int = 500,
    runs: int = 5,
    ingest: int = 10_000,
    batch: int = 100,
    backlog: int = 10_000,
    drain_runs: int = 3,
    idle_rows: int = 100_000,
    pg: bool = True,
    dir_: Path | None = None,
    say: Callable[[str], None] = print,
) -> list[Figure]:
    parent = dir_ or Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    out: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-queue-", dir=parent) as tmp:
        d = Path(tmp)
        say(f"(d) idle tick: {idle_rows} outbox rows, full cashbox ...")
        kept, scanned = idle_tick(d, idle_rows)
        out.append(
            Figure(
                f"idle menu tick, {idle_rows // 1000}k outbox rows + full cashbox",
                kept,
                "ms",
                "the same reads counted from the rows",
                scanned,
                "<= 0.2 ms",
                kept <= 0.2,
            )
        )

        say(f"(a) durable commit: {items} commits x {runs} runs, interleaved ...")
        fns: dict[str, Callable[[], float]] = {
            "raw": lambda: raw_sqlite_commit(d, items),
            "ledger": lambda: ledger_commit(d, items),
            "enqueue": lambda: outbox_enqueue(d, items),
        }
        try:
            import persistqueue  # noqa: F401

            fns["pq"] = lambda: persist_queue(d, items)
        except ImportError:
            say("    persist-queue not installed (pip install -e '.[bench]'): skipped")
        rates = _interleaved(fns, runs)
        raw = rates["raw"]
        out.append(
            Figure(
                "Ledger.commit_money (journal+outbox, WAL+FULL)",
                rates["ledger"],
                "commits/s",
                "raw sqlite3 WAL+FULL, same commits",
                raw,
                ">= 0.5x",
                rates["ledger"] >= 0.5 * raw,
            )
        )
        if "pq" in rates:
            out.append(
                Figure(
                    "Ledger.commit_money vs persist-queue",
                    rates["ledger"],
                    "commits/s",
                    "persist-queue put, WAL+FULL",
                    rates["pq"],
                    ">= 1.0x",
                    rates["ledger"] >= rates["pq"],
                )
            )
        out.append(
            Figure(
                "Outbox.enqueue, Session transaction",
                rates["enqueue"],
                "commits/s",
                "raw sqlite3 WAL+FULL, same commits",
                raw,
                "-",
                None,
            )
        )

        say(f"(b) core ingest: {ingest} transactions in batches of {batch} ...")
        sqlite_rates = _interleaved(
            {
                "core": lambda: core_batched(f"sqlite:///{_db(d, 'core')}", ingest, batch),
                "raw": lambda: raw_executemany_sqlite(d, ingest, batch),
            },
            drain_runs,
        )
        out.append(
            Figure(
                f"core ingest SQLite, batches of {batch}",
                sqlite_rates["core"],
                "txn/s",
                "raw executemany, same rows",
                sqlite_rates["raw"],
                ">= 10000/s, >= 0.5x",
                sqlite_rates["core"] >= 10_000
                and sqlite_rates["core"] >= 0.5 * sqlite_rates["raw"],
            )
        )
        if pg:
            try:
                from bench import pg as pg_server

                server = pg_server.start()
            except (ImportError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
                say(f"    PostgreSQL skipped: {exc}")
            else:
                try:
                    pg_rates = _interleaved(
                        {
                            "core": lambda: core_batched(_fresh_pg_db(server.url), ingest, batch),
                            "raw": lambda: raw_executemany_pg(server.url, ingest, batch),
                        },
                        drain_runs,
                    )
                finally:
                    server.stop()
                out.append(
                    Figure(
                        f"core ingest PostgreSQL, batches of {batch}",
                        pg_rates["core"],
                        "txn/s",
                        "raw executemany, same rows",
                        pg_rates["raw"],
                        ">= 5000/s, >= 0.5x",
                        pg_rates["core"] >= 5_000 and pg_rates["core"] >= 0.5 * pg_rates["raw"],
                    )
                )

        say(f"(c) drain {backlog} over loopback HTTP, batch {batch}, {drain_runs} runs ...")
        drains = _interleaved({"stock": lambda: drain(d, backlog, batch)}, drain_runs)
        out.append(
            Figure(
                f"drain {backlog // 1000}k backlog end to end, batch {batch}",
                drains["stock"],
                "txn/s",
                "raw executemany, same rows",
                sqlite_rates["raw"],
                ">= 3000/s",
                drains["stock"] >= 3000,
            )
        )
    return out


def _fresh_pg_db(url: str) -> str:
    """Each run its own database, so earlier runs' rows do not count."""
    import psycopg

    name = f"core_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def table(rows: list[Figure]) -> str:
    head = ("figure", "value", "baseline", "ratio", "goal", "met")
    lines = []
    for f in rows:
        base = "-" if f.baseline is None else f"{_num(f.baseline, f.unit)} ({f.baseline_name})"
        ratio = "-" if f.ratio is None else f"{f.ratio:.2f}x"
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        lines.append((f.name, _num(f.value, f.unit), base, ratio, f.goal, met))
    widths = [max(len(str(r[i])) for r in [head, *lines]) for i in range(len(head))]
    fmt = " | ".join(f"{{:{w}}}" for w in widths)
    out = [fmt.format(*head), "-+-".join("-" * w for w in widths)]
    out += [fmt.format(*r) for r in lines]
    return "\n".join(out)


def _num(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.3f} ms"
    return f"{value:,.0f} {unit}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__)
    parser.add_argument("--items", type=int, default=500, help="(a) commits per run")
    parser.add_argument("--runs", type=int, default=5, help="(a) runs; medians")
    parser.add_argument("--ingest", type=int, default=10_000, help="(b) transactions per run")
    parser.add_argument("--batch", type=int, default=100, help="(b, c) batch size")
    parser.add_argument("--backlog", type=int, default=10_000, help="(c) backlog size")
    parser.add_argument("--drain-runs", type=int, default=3, help="(b, c) runs; medians")
    parser.add_argument("--idle-rows", type=int, default=100_000, help="(d) outbox rows")
    parser.add_argument("--no-pg", action="store_true", help="(b) skip PostgreSQL")
    parser.add_argument("--dir", type=Path, help="where the files go (default: a temp dir)")
    args = parser.parse_args(argv)
    rows = figures(
        items=args.items,
        runs=args.runs,
        ingest=args.ingest,
        batch=args.batch,
        backlog=args.backlog,
        drain_runs=args.drain_runs,
        idle_rows=args.idle_rows,
        pg=not args.no_pg,
        dir_=args.dir,
    )
    print(table(rows))
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores: other work shares them)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
