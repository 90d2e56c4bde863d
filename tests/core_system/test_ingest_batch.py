"""Store.record_batch (issue 18): one DB transaction for a request's items, answered per item
exactly as one transaction per item answers them: duplicates by txn_id (held before, or earlier
in the same batch), conflicts, bill rules that reject one item and not its neighbours, a bill
paid by an earlier item. A hypothesis model compares a batch with the same items recorded one
at a time on a second store: same verdicts, same core_refs, same rows, same bills."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_system.store import Store, TxnResult
from core_system.validation import ValidTxn, validate_transaction
from tests.core_system.pg_server import PgServer, start_pg

NOW = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
BILL = "B-SGCC-2026-10-0001"  # 125.50 due, SGCC 1234567890 (core_system/seed.py)


def _txn(txn_id: str, seq: int, kind: str) -> ValidTxn:
    raw: dict[str, Any] = {
        "txn_id": txn_id,
        "kiosk_id": "k1",
        "seq": seq,
        "type": "topup",
        "created_at": "2026-11-20T08:30:00Z",
        "amount": "50.00",
        "currency": "CNY",
        "tender": {"type": "cash"},
        "details": {"phone": "13800000000"},
    }
    if kind == "other_amount":
        raw["amount"] = "60.00"
    elif kind in ("pay_bill", "bad_bill", "wrong_amount"):
        raw["type"] = "bill_payment"
        raw["amount"] = "125.50" if kind != "wrong_amount" else "999.00"
        raw["details"] = {"bill_id": BILL if kind != "bad_bill" else "B-NOPE", "biller": "SGCC"}
    return validate_transaction(raw, "k1")


def _store(path: Path) -> Store:
    store = Store(f"sqlite:///{path}")
    store.create_schema()
    store.seed_demo()
    return store


def _rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        txns = conn.execute(
            "SELECT id, txn_id, seq, type, amount, tender, details, content_hash, core_ref"
            " FROM transactions ORDER BY id"
        ).fetchall()
        bills = conn.execute("SELECT bill_id, status, paid_by_txn FROM bills ORDER BY 1").fetchall()
    return txns + bills


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    try:
        server = start_pg()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        made = _store(tmp_path / "core.db")
    else:
        import psycopg

        server: PgServer = request.getfixturevalue("pg")
        name = f"core_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        made = Store(server.url.rsplit("/", 1)[0] + "/" + name)
        made.create_schema()
        made.seed_demo()
    yield made
    made.close()


def test_a_batch_answers_each_item(store: Store) -> None:
    held = str(uuid.uuid4())
    assert store.record(_txn(held, 1, "topup"), NOW).status == "accepted"
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    results = store.record_batch(
        [
            _txn(held, 1, "topup"),  # held before: duplicate
            _txn(held, 1, "other_amount"),  # held before, other content: conflict
            _txn(first, 2, "bad_bill"),  # unknown bill: this item alone
            _txn(second, 3, "pay_bill"),
            _txn(second, 3, "pay_bill"),  # earlier in this batch: duplicate, same core_ref
            _txn(second, 3, "other_amount"),  # earlier in this batch, other content
            _txn(str(uuid.uuid4()), 4, "wrong_amount"),
            _txn(str(uuid.uuid4()), 5, "pay_bill"),  # the bill is paid: a fitting one still books
        ],
        NOW,
    )
    assert [r.status for r in results] == [
        "duplicate",
        "rejected",
        "rejected",
        "accepted",
        "duplicate",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert results[0].core_ref == "CR0000000001"
    assert results[1].error_code == results[5].error_code == "IDEMPOTENCY_CONFLICT"
    assert results[2].error_code == "UNKNOWN_BILL"
    assert results[6].error_code == "PREPAYMENT_MISMATCH"
    assert results[3].core_ref == results[4].core_ref == "CR0000000002"
    assert results[7].core_ref == "CR0000000003"
    assert store.bill_status(BILL) == "paid"
    assert store.transaction_count(second) == 1
    assert store.record_batch([], NOW) == []


def test_duplicates_are_found_batch_after_batch(store: Store) -> None:
    """Past psycopg's prepare threshold (5 runs) too: every batch resends the previous one."""
    previous: list[ValidTxn] = []
    seq = 0
    for _ in range(9):
        fresh = []
        for _ in range(20):
            seq += 1
            fresh.append(_txn(str(uuid.uuid4()), seq, "topup"))
        results = store.record_batch(previous + fresh, NOW)
        assert [r.status for r in results] == ["duplicate"] * len(previous) + ["accepted"] * 20
        refs = [r.core_ref for r in results]
        assert len(set(refs)) == len(refs)
        previous = fresh


KINDS = st.sampled_from(["topup", "other_amount", "pay_bill", "bad_bill", "wrong_amount"])
ITEMS = st.lists(st.tuples(st.integers(min_value=0, max_value=6), KINDS), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=ITEMS, batch=ITEMS)
def test_a_batch_equals_one_transaction_per_item(
    before: list[tuple[int, str]], batch: list[tuple[int, str]]
) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="core-batch-"))
    try:
        ids = [str(uuid.uuid4()) for _ in range(7)]
        first = [_txn(ids[n], n + 1, kind) for n, kind in before]
        items = [_txn(ids[n], n + 1, kind) for n, kind in batch]
        batched, single = _store(tmp / "a.db"), _store(tmp / "b.db")
        one_by_one: list[TxnResult] = []
        for store, answers in ((batched, None), (single, one_by_one)):
            for txn in first:
                store.record(txn, NOW)
            if answers is None:
                got = store.record_batch(items, NOW)
            else:
                answers.extend(store.record_batch([t], NOW)[0] for t in items)
        assert got == one_by_one
        assert _rows(tmp / "a.db") == _rows(tmp / "b.db")
        batched.close()
        single.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
