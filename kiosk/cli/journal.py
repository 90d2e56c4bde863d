"""`kiosk journal verify | export`: the technician's tamper check and journal extract.

    kiosk journal verify [--json]                    walk the hash chain and check the seal
    kiosk journal export --from DATE --to DATE FILE  records of those UTC days as JSON Lines

Both take `--config FILE` or `--db URL`. The seal key is read from the environment variable
named by `--key-env` (default KIOSK_JOURNAL_KEY); without it the chain is still checked, but a
journal cut short at its end cannot be told from a short one, and verify says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.cli.queue import local_database
from kiosk.errors import ConfigError
from kiosk.money import journal
from offline_queue.db import make_engine


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "journal",
        help="verify and export the electronic journal",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--config", type=Path, help="the kiosk's TOML config file")
    where.add_argument("--db", help="SQLAlchemy URL of the kiosk database (instead of --config)")
    where.add_argument("--key-env", default="KIOSK_JOURNAL_KEY", help="variable with the seal key")
    sub = parser.add_subparsers(dest="journal_command", required=True, metavar="COMMAND")
    verify = sub.add_parser("verify", parents=[where], help="check the chain and the seal")
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(handler=_verify)
    export = sub.add_parser("export", parents=[where], help="write records as JSON Lines")
    export.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
    export.add_argument("--to", dest="last", type=date.fromisoformat, required=True)
    export.add_argument("file", type=Path)
    export.set_defaults(handler=_export)


def _key(args: argparse.Namespace) -> bytes | None:
    value = os.environ.get(args.key_env, "")
    return value.encode() if value else None


def _verify(args: argparse.Namespace) -> int:
    key = _key(args)
    engine = make_engine(local_database(args)[0])
    try:
        with Session(engine) as session:
            report = journal.check_chain(session, key)
    finally:
        engine.dispose()
    result = {
        "records": report.records,
        "intact": report.intact,
        "problem": report.problem,
        "at_id": report.at_id,
        "seal_checked": key is not None,
    }
    if args.json:
        print(json.dumps(result))
    elif report.intact:
        seal = "seal checked" if key else f"seal NOT checked: set {args.key_env}"
        print(f"journal intact: {report.records} records, chain verified, {seal}")
    else:
        print(f"journal TAMPERED: {report.problem} at record {report.at_id}", file=sys.stderr)
    return 0 if report.intact else 1


def _export(args: argparse.Namespace) -> int:
    if args.last < args.first:
        raise ConfigError("--to", "a date on or after --from")
    start = datetime.combine(args.first, time()).isoformat()
    end = datetime.combine(args.last + timedelta(days=1), time()).isoformat()
    engine = make_engine(local_database(args)[0])
    count = 0
    try:
        with Session(engine) as session, args.file.open("w", encoding="utf-8") as out:
            query = select(journal.JournalEntry).order_by(journal.JournalEntry.id)
            for entry in session.execute(query).scalars():
                if not start <= entry.at[:19] < end:
                    continue
                record = {
                    column: getattr(entry, column)
                    for column in ("id", "at", "session_id", "txn_id", "kind", "prev_hash", "hash")
                }
                record["data"] = json.loads(entry.data)
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
    finally:
        engine.dispose()
    print(f"exported {count} journal records to {args.file}")
    return 0
