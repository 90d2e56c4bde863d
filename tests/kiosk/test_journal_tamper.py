"""The electronic journal shows any edited, deleted, reordered or truncated record."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.money.ledger import Ledger
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox

KEY = b"journal-seal-key-from-the-environment"


def _ledger(db: Path, key: bytes | None = KEY) -> Ledger:
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{db}")
    outbox = Outbox(engine, "k1", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock, seal_key=key)
    ledger.create_schema()
    return ledger


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    db = tmp_path / "kiosk.db"
    ledger = _ledger(db)
    for n in range(10):
        ledger.record(f"s{n // 3}", "note_stacked", {"value": {"amount": "100.00", "n": n}})
    assert ledger.check().intact and ledger.check().records == 10
    return db


def _sql(db: Path, *statements: str) -> None:
    with sqlite3.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)


def _swap(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT id, at, session_id, txn_id, kind, data, prev_hash, hash FROM journal "
                "WHERE id IN (4, 5)"
            )
        }
        for target, source in ((4, 5), (5, 4)):
            conn.execute(
                "UPDATE journal SET at=?, session_id=?, txn_id=?, kind=?, data=?, prev_hash=?, "
                "hash=? WHERE id=?",
                (*rows[source], target),
            )


TAMPERING: dict[str, tuple[Callable[[Path], None], str]] = {
    "edit an amount": (
        lambda db: _sql(
            db, "UPDATE journal SET data = replace(data, '100.00', '10.00') WHERE id=3"
        ),
        "edited",
    ),
    "delete a record": (lambda db: _sql(db, "DELETE FROM journal WHERE id=6"), "deleted"),
    "swap two records": (_swap, "reordered"),
    "cut the last records": (lambda db: _sql(db, "DELETE FROM journal WHERE id>=9"), "truncated"),
    "rewrite the seal without the key": (
        lambda db: _sql(db, "DELETE FROM journal WHERE id>=9", "UPDATE journal_seal SET count=8"),
        "seal_forged",
    ),
    "delete the seal": (lambda db: _sql(db, "DELETE FROM journal_seal"), "seal_missing"),
}


@pytest.mark.parametrize("how", TAMPERING, ids=list(TAMPERING))
def test_tampering_is_found_and_named(journal: Path, how: str) -> None:
    tamper, expected = TAMPERING[how]
    tamper(journal)
    report = _ledger(journal).check()
    assert report.problem == expected, report


def test_without_the_key_the_chain_is_still_checked(journal: Path) -> None:
    _sql(journal, "DELETE FROM journal WHERE id=6")
    assert _ledger(journal, key=None).check().problem == "deleted"


def _kiosk(*args: str, key: str = KEY.decode()) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_JOURNAL_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "journal", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_cli_verify_and_export(journal: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{journal}"
    ok = _kiosk("verify", "--db", db)
    assert ok.returncode == 0 and "10 records" in ok.stdout and "seal checked" in ok.stdout
    out = tmp_path / "journal.jsonl"
    exported = _kiosk("export", "--db", db, "--from", "2026-11-23", "--to", "2026-11-23", str(out))
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == 10 and lines[1]["prev_hash"] == lines[0]["hash"]
    _sql(journal, "DELETE FROM journal WHERE id>=9")
    bad = _kiosk("verify", "--db", db, "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["problem"] == "truncated"
