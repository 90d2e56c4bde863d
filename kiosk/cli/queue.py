"""`kiosk queue ...`: the technician's view of the offline queue.

    kiosk queue status  [--json]      counts per state, oldest pending age, last error/success
    kiosk queue sync [--until-drained] [--deadline S]
                                      drain now, retrying with backoff (progress on stderr)
    kiosk queue dead    [--json]      dead letters
    kiosk queue retry   TXN_ID        put one dead letter back in the queue
    kiosk queue export  FILE          every item as JSON Lines
    kiosk queue reconcile [--date D]  journal day totals vs the core's (default: today, UTC)

Every command takes `--config FILE` (as `kiosk run`) or `--db URL`. Commands that only read or
fix the local database (status, dead, retry, export) need no core credential: with --config they
read just `kiosk.data_dir` and `kiosk.id`, so a technician can inspect a kiosk whose token
variable is not set in their shell. `sync` and `reconcile` read `[kiosk]`, `[core]` (its token
variable must be set) and `[queue]` only: no device, journal or PIN pad key is needed.
They are safe next to a running kiosk: every change is one short transaction, and `sync` re-queues
only batches left in flight long enough ago that no live worker can still own them.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from kiosk.clock import Clock
from kiosk.errors import ConfigError

STALE_IN_FLIGHT_S = 120.0  # far beyond connect + read timeouts of any live batch
NO_PROGRESS_S = 30.0
IN_FLIGHT_POLL_S = 0.2
DEFAULT_DEADLINE_S = 120.0  # without --until-drained or --deadline


def _database_errors(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """A database SQLite refuses ends as DATABASE_UNUSABLE (exit 2), not a traceback: these
    tools are run by a person next to a kiosk that may be in trouble (issue 19 #10)."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import DatabaseError

        from offline_queue.db import DatabaseUnusable

        try:
            return handler(args)
        except DatabaseError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise DatabaseUnusable(f"the kiosk database cannot be used: {reason}") from exc

    return run


def register(commands: Any) -> None:
    """Adds `queue` to the top-level subcommands (called once from kiosk.cli.build_parser)."""
    queue = commands.add_parser(
        "queue",
        help="inspect and drive the offline queue",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--config", type=Path, help="the kiosk's TOML config file")
    where.add_argument("--db", help="SQLAlchemy URL of the kiosk database (instead of --config)")
    sub = queue.add_subparsers(dest="queue_command", required=True, metavar="COMMAND")
    status = sub.add_parser("status", parents=[where], help="counts, ages, last error")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=_database_errors(_status))
    sync = sub.add_parser("sync", parents=[where], help="drain the queue to the core now")
    sync.add_argument(
        "--until-drained",
        action="store_true",
        help="keep retrying (with backoff) until the queue is empty, however long it takes",
    )
    sync.add_argument(
        "--deadline",
        type=float,
        metavar="S",
        help=f"give up after S seconds (exit 1); default {DEFAULT_DEADLINE_S:g} unless "
        "--until-drained; 0 = one attempt",
    )
    sync.set_defaults(handler=_database_errors(_sync))
    dead = sub.add_parser("dead", parents=[where], help="list dead letters")
    dead.add_argument("--json", action="store_true", help="machine-readable output")
    dead.set_defaults(handler=_database_errors(_dead))
    retry = sub.add_parser("retry", parents=[where], help="re-queue one dead letter")
    retry.add_argument("txn_id")
    retry.set_defaults(handler=_database_errors(_retry))
    export = sub.add_parser("export", parents=[where], help="write every item as JSON Lines")
    export.add_argument("file", type=Path)
    export.set_defaults(handler=_database_errors(_export))
    reconcile = sub.add_parser("reconcile", parents=[where], help="compare a day with the core")
    reconcile.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD (UTC day)")
    reconcile.add_argument("--json", action="store_true", help="machine-readable output")
    reconcile.set_defaults(handler=_database_errors(_reconcile))


# -- where the database is ----------------------------------------------------------------------


def local_database(args: argparse.Namespace) -> tuple[str, str]:
    """(database URL, kiosk id) without needing the core credential."""
    if args.db:
        return args.db, ""
    if args.config is None:
        raise ConfigError("--config/--db", "one of them, to find the kiosk database")
    try:
        raw = tomllib.loads(args.config.read_text("utf-8"))
        kiosk = raw["kiosk"]
        data_dir = Path(kiosk["data_dir"])
    except RecursionError as exc:  # a 5,000-deep array: the parser's stack, not a traceback
        raise ConfigError(f"(file {args.config})", "TOML nested a sane depth") from exc
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(
            "kiosk.data_dir", f"a readable config {args.config} with it ({exc})"
        ) from exc
    # Same place as KioskConfig.database_url.
    return f"sqlite:///{data_dir / 'kiosk.db'}", str(kiosk.get("id", ""))


def _open(db_url: str, kiosk_id: str) -> tuple[Any, Any]:
    from kiosk.clock import SystemClock
    from offline_queue.db import make_engine
    from offline_queue.models import QueueBase
    from offline_queue.outbox import Outbox

    engine = make_engine(db_url)
    QueueBase.metadata.create_all(engine)  # an empty queue on a fresh kiosk, not an error
    return engine, Outbox(engine, kiosk_id, SystemClock())


# -- commands -----------------------------------------------------------------------------------


def _status(args: argparse.Namespace) -> int:
    engine, outbox = _open(*local_database(args))
    try:
        status = outbox.status()
    finally:
        engine.dispose()
    data = {
        "pending": status.pending,
        "in_flight": status.in_flight,
        "accepted": status.accepted,
        "dead": status.dead,
        "oldest_pending_age_s": status.oldest_pending_age_s,
        "last_error": status.last_error,
        "last_success_at": _time(status.last_success_at),
    }
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    age = status.oldest_pending_age_s
    print(f"pending    {status.pending}")
    print(f"in flight  {status.in_flight}")
    print(f"accepted   {status.accepted}")
    print(f"dead       {status.dead}" + ("   <- run `kiosk queue dead`" if status.dead else ""))
    print(f"oldest unsent  {_age(age) if age is not None else '-'}")
    print(f"last error     {status.last_error or '-'}")
    print(f"last success   {data['last_success_at'] or 'never'}")
    return 0


def _sync(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from kiosk.runtime.config import load_queue_tool_config
    from offline_queue.http import CoreHttp
    from offline_queue.sync import SyncWorker

    if args.config is None:
        raise ConfigError("--config", "the kiosk config (sync needs the core URL and token)")
    if args.deadline is not None and args.deadline < 0:
        raise ConfigError("--deadline", "seconds, 0 or more", args.deadline)
    config = load_queue_tool_config(args.config)
    engine, outbox = _open(args.db or config.database_url, config.kiosk_id)
    core = config.core
    http = CoreHttp(
        core.url,
        config.kiosk_id,
        core.token,
        connect_timeout=core.connect_timeout,
        read_timeout=core.read_timeout,
        verify=core.verify,
        pin_sha256=core.pin_sha256,
    )
    clock = SystemClock()
    worker = SyncWorker(
        outbox,
        http,
        clock,
        lambda event: None,
        batch_size=config.queue.batch_size,
        backoff_base=config.queue.backoff_base,
        backoff_cap=config.queue.backoff_cap,
    )
    deadline = args.deadline
    if deadline is None and not args.until_drained:
        deadline = DEFAULT_DEADLINE_S
    try:
        outbox.recover_in_flight(older_than_s=STALE_IN_FLIGHT_S)
        return drain(outbox, worker, sys.stderr, clock=clock, sleep=time.sleep, deadline_s=deadline)
    finally:
        http.close()
        engine.dispose()


def drain(
    outbox: Any,
    worker: Any,
    out: TextIO,
    *,
    clock: Clock,
    sleep: Callable[[float], None],
    deadline_s: float | None,
) -> int:
    """Sends batch after batch until nothing is left (0) or the deadline passes (1).

    The first batch goes at once (the technician asked for it now); after a transient failure
    it waits the backoff the worker chose - the core's Retry-After, or full-jitter exponential
    - instead of hammering a core that is down or stopping at the first fault (issue 19 #15:
    "sync stopped; 160 still queued"). A failure retrying cannot fix soon (a refused
    credential, a TLS/pin failure, the whole batch refused) stops at once: it needs a person.
    `deadline_s` None: no time limit (--until-drained); 0: one attempt. Time is the injected
    clock's monotonic time, and waiting is the injected `sleep`, so tests run on a FakeClock.
    """
    started = clock.monotonic()
    start = outbox.status()
    total = start.pending + start.in_flight
    sent = accepted = dead = 0
    last_progress = started
    force = True
    while True:
        status = outbox.status()
        if status.pending == 0 and status.in_flight == 0:
            break
        report = worker.sync_once(force=force)
        force = False
        if report.sent and not report.failed:
            last_progress = clock.monotonic()
            sent += report.sent
            accepted += report.accepted + report.duplicates
            dead += report.dead
            total = max(total, sent + status.pending - report.sent)
            _bar(out, sent, total, accepted, dead)
            continue
        queued = status.pending + status.in_flight
        if report.failed:
            _bar(out, sent, total, accepted, dead)
            if report.needs_person:
                out.write(
                    f"\nsync stopped: {report.error_code} needs a technician; "
                    f"{queued} still queued\n"
                )
                return 1
            wait, why = report.retry_in_s or 0.0, f"{report.error_code}"
        elif status.in_flight:
            if clock.monotonic() - last_progress > NO_PROGRESS_S:
                out.write("\nno progress: another process holds a batch in flight\n")
                return 1
            wait, why = IN_FLIGHT_POLL_S, "the running kiosk has a batch in flight"
        else:
            wait, why = outbox.next_due_in() or 0.0, "backing off"
        spent = clock.monotonic() - started
        if deadline_s is not None and spent + wait > deadline_s:
            out.write(
                f"\ndeadline: {queued} still queued after {spent:.0f}s "
                f"(last: {why}); run again or use --until-drained\n"
            )
            return 1
        if report.failed:
            out.write(f"\n{why}: retrying in {wait:.1f}s; {queued} queued\n")
        sleep(wait)
    _bar(out, sent, max(total, sent), accepted, dead)
    out.write(f"\ndrained: {accepted} accepted, {dead} dead\n")
    return 0


def _bar(out: TextIO, done: int, total: int, accepted: int, dead: int) -> None:
    width = 30
    filled = width if total == 0 else min(width, width * done // total)
    out.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  ok {accepted}  dead {dead}"
    )
    out.flush()


def _dead(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from offline_queue.admin import QueueAdmin

    engine, _ = _open(*local_database(args))
    try:
        letters = QueueAdmin(engine, SystemClock()).dead_letters()
    finally:
        engine.dispose()
    if args.json:
        rows = [
            {
                "txn_id": d.txn_id,
                "seq": d.seq,
                "type": d.type,
                "amount": {"amount": d.amount, "currency": d.currency},
                "attempts": d.attempts,
                "error": d.error,
                "created_at": _time(d.created_at),
                "dead_since": _time(d.dead_since),
            }
            for d in letters
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not letters:
        print("no dead letters")
        return 0
    for d in letters:
        print(f"{d.txn_id}  seq {d.seq}  {d.type}  {d.currency} {d.amount}  {d.error}")
    print(
        f"{len(letters)} dead letter(s): resolve with the back office, then "
        "`kiosk queue retry TXN_ID` if it should be sent again"
    )
    return 0


def _retry(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from offline_queue.admin import QueueAdmin

    engine, _ = _open(*local_database(args))
    try:
        seq = QueueAdmin(engine, SystemClock()).retry(args.txn_id)
    finally:
        engine.dispose()
    print(f"re-queued {args.txn_id} (seq {seq}); the sync worker sends it next")
    return 0


def _export(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from offline_queue.admin import QueueAdmin

    engine, _ = _open(*local_database(args))
    try:
        count = QueueAdmin(engine, SystemClock()).export(args.file)
    finally:
        engine.dispose()
    print(f"exported {count} item(s) to {args.file}")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from kiosk.money.reconciliation import reconcile
    from kiosk.runtime.config import load_queue_tool_config
    from offline_queue.http import CoreHttp

    if args.config is None:
        raise ConfigError("--config", "the kiosk config (reconcile asks the core)")
    config = load_queue_tool_config(args.config)
    engine, _ = _open(args.db or config.database_url, config.kiosk_id)
    core = config.core
    http = CoreHttp(core.url, config.kiosk_id, core.token, verify=core.verify)
    day = args.date or datetime.now(UTC).date()
    try:
        report = reconcile(engine, http, config.kiosk_id, day)
    finally:
        http.close()
        engine.dispose()
    if args.json:
        print(json.dumps(report.wire(), ensure_ascii=False, indent=2))
    else:
        wire = report.wire()
        print(f"{day}: {'matches' if report.matches else 'DIFFERENCES'}")
        for line in wire["differences"]:
            print(f"  {line}")
        for label, key in (("not yet sent", "kiosk_unsent"), ("dead letters", "kiosk_dead")):
            for txn_type, entry in wire[key].items():
                print(f"  {label}: {txn_type} x{entry['count']}")
        if report.seq_gaps:
            print(f"  core reports seq gaps: {report.seq_gaps}")
    return 0 if report.matches else 1


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _age(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return (
        f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
        if days
        else (f"{hours:02d}:{minutes:02d}:{secs:02d}")
    )
