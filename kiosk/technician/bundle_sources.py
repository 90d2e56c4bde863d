"""What goes into a diagnostic bundle, read from the kiosk's data directory and database.

Read-only and safe next to a running kiosk (short read transactions); the device status comes
from the last health snapshot the running kiosk wrote (`health.json`, kept by the telemetry
worker) unless the caller passes a live one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.clock import Clock, rfc3339
from kiosk.money import journal
from kiosk.technician.bundle import BundleWriter, log_files
from kiosk.technician.bundle_redact import redact_config
from offline_queue.admin import QueueAdmin
from offline_queue.models import QueueBase
from offline_queue.outbox import Outbox

HEALTH_FILE = "health.json"  # the running kiosk's last snapshot, in data_dir


def journal_slice(engine: Engine, first: date, last: date) -> bytes:
    """Records of the UTC days first..last as JSON Lines (same shape as `kiosk journal
    export`), hashes included so the back office can re-check the chain over the slice."""
    start = datetime.combine(first, time()).isoformat()
    end = datetime.combine(last + timedelta(days=1), time()).isoformat()
    lines: list[str] = []
    journal.JournalBase.metadata.create_all(engine)
    with Session(engine) as session:
        query = select(journal.JournalEntry).order_by(journal.JournalEntry.id)
        for entry in session.execute(query).scalars():
            if not start <= entry.at[:19] < end:
                continue
            record = {
                column: getattr(entry, column)
                for column in ("id", "at", "session_id", "txn_id", "kind", "prev_hash", "hash")
            }
            record["data"] = json.loads(entry.data)
            lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return ("\n".join(lines) + "\n" if lines else "").encode()


def journal_check(engine: Engine, key: bytes) -> dict[str, Any]:
    with Session(engine) as session:
        report = journal.check_chain(session, key or None)
    return {
        "records": report.records,
        "intact": report.intact,
        "problem": report.problem,
        "at_id": report.at_id,
        "seal_checked": bool(key),
    }


def queue_state(engine: Engine, kiosk_id: str, clock: Clock) -> dict[str, Any]:
    QueueBase.metadata.create_all(engine)  # a fresh kiosk has an empty queue, not an error
    status = Outbox(engine, kiosk_id, clock).status()
    dead = QueueAdmin(engine, clock).dead_letters()
    return {
        "pending": status.pending,
        "in_flight": status.in_flight,
        "accepted": status.accepted,
        "dead": status.dead,
        "oldest_pending_age_s": status.oldest_pending_age_s,
        "last_error": status.last_error,
        "last_success_at": None
        if status.last_success_at is None
        else rfc3339(status.last_success_at),
        "dead_letters": [
            {
                "txn_id": d.txn_id,
                "seq": d.seq,
                "type": d.type,
                "amount": d.amount,
                "currency": d.currency,
                "attempts": d.attempts,
                "error": d.error,
                "dead_since": rfc3339(d.dead_since),
            }
            for d in dead
        ],
    }


def device_status(data_dir: Path, live: dict[str, Any] | None) -> dict[str, Any]:
    if live is not None:
        return {"source": "live", **live}
    path = data_dir / HEALTH_FILE
    try:
        return {"source": f"last snapshot ({HEALTH_FILE})", **json.loads(path.read_text("utf-8"))}
    except (OSError, ValueError):
        return {"source": "none", "note": "no health snapshot: the kiosk has not run yet"}


def environment(raw_config: Any, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Which variables the config names, and whether each is set: never the values."""
    env = os.environ if env is None else env
    names: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name.endswith("_env") and isinstance(value, str):
                    names[value] = "set" if env.get(value) else "unset"
                walk(value)

    walk(raw_config)
    return names


def collect(
    writer: BundleWriter,
    *,
    raw_config: dict[str, Any],
    engine: Engine,
    data_dir: Path,
    kiosk_id: str,
    clock: Clock,
    first: date,
    last: date,
    key: bytes,
    live_status: dict[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    writer.add("journal.jsonl", journal_slice(engine, first, last))
    writer.add_json("journal_check.json", journal_check(engine, key))
    for name, data in log_files(data_dir / "logs"):
        writer.add(name, data)
    writer.add_json("device_status.json", device_status(data_dir, live_status))
    writer.add_json("config.json", redact_config(raw_config))
    writer.add_json("environment.json", environment(raw_config, env))
    writer.add_json("queue.json", queue_state(engine, kiosk_id, clock))
