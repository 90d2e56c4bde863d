"""The ledger's fast path (issue 18): its own connection, plain statements, the chain head in
memory. The chain and seal it writes verify exactly as the Session path's do, also with another
writer appending in between; a failed step leaves nothing; the cashbox counters kept by the
journal's triggers equal a fresh count from the journal after any sequence and a restart."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from kiosk.clock import FakeClock
from kiosk.money import journal
from kiosk.money.amount import Money
from kiosk.money.cash import counters
from kiosk.money.ledger import Ledger
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox

KEY = b"journal-seal-key-from-the-environment"
CNY = "CNY"


def _books(db: Path, clock: FakeClock, key: bytes | None = KEY) -> tuple[Ledger, Outbox]:
    engine = make_engine(f"sqlite:///{db}")
    outbox = Outbox(engine, "k1", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock, seal_key=key)
    ledger.create_schema()
    return ledger, outbox


def _pay(ledger: Ledger, n: int) -> int:
    return ledger.commit_money(
        f"s{n}",
        "payment_committed",
        {"bill_id": "B-1"},
        txn_id=str(uuid.uuid4()),
        txn_type="bill_payment",
        amount=Money(Decimal("25.00"), CNY),
        tender={"type": "cash"},
        details={"bill_id": "B-1"},
    )


def test_fast_path_rows_are_the_session_path_rows(tmp_path: Path) -> None:
    clock = FakeClock()
    fast, fast_outbox = _books(tmp_path / "fast.db", clock)
    assert fast._writer is not None
    slow, _ = _books(tmp_path / "slow.db", clock)
    slow._writer = None  # the Session path
    txn_id = str(uuid.uuid4())
    for ledger in (fast, slow):
        ledger.record("s0", "note_stacked", {"value": {"amount": "100.00", "currency": CNY}})
        ledger.commit_money(
            "s0",
            "payment_committed",
            {"bill_id": "B-1"},
            txn_id=txn_id,
            txn_type="bill_payment",
            amount=Money(Decimal("25.00"), CNY),
            tender={"type": "cash"},
            details={"bill_id": "B-1"},
        )
    tables = {
        "journal": "SELECT * FROM journal ORDER BY id",
        "journal_seal": "SELECT * FROM journal_seal",
        "outbox_items": "SELECT * FROM outbox_items ORDER BY id",
        "outbox_seq": "SELECT * FROM outbox_seq",
    }
    for name, query in tables.items():
        with sqlite3.connect(tmp_path / "fast.db") as a, sqlite3.connect(tmp_path / "slow.db") as b:
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), name
    item = fast_outbox.due_batch(1, force=True)[0]
    assert item.seq == 1 and item.payload["txn_id"] == txn_id
    assert fast.check().intact and fast.check().records == 2


def test_chain_verifies_with_another_writer_in_between(tmp_path: Path) -> None:
    clock = FakeClock()
    db = tmp_path / "kiosk.db"
    ledger, _ = _books(db, clock)
    other, _ = _books(db, clock)  # a second process: its own connection and head
    for n in range(6):
        _pay(ledger, n)
        other.record("tech", "technician_action", {"n": n})
        with Session(ledger._engine) as s, s.begin():  # and an old-style Session append
            journal.append(s, at=clock.now(), session_id="x", kind="k", data={}, seal_key=KEY)
    report = ledger.check()
    assert report.intact, report
    assert report.records == 18
    seqs = [
        json.loads(p)["seq"]
        for (p,) in sqlite3.connect(db).execute("SELECT payload FROM outbox_items ORDER BY seq")
    ]
    assert seqs == list(range(1, 7))


def test_journal_verify_command_passes_after_the_fast_path(tmp_path: Path) -> None:
    clock = FakeClock()
    ledger, _ = _books(tmp_path / "kiosk.db", clock)
    for n in range(20):
        _pay(ledger, n)
    ledger.close()
    reopened, _ = _books(tmp_path / "kiosk.db", clock)  # restart: head read from the file
    _pay(reopened, 99)
    assert reopened.check().intact and reopened.check().records == 21
    assert reopened.verify() is None


def test_a_failed_money_step_leaves_nothing_and_the_next_one_chains(tmp_path: Path) -> None:
    clock = FakeClock()
    ledger, outbox = _books(tmp_path / "kiosk.db", clock)
    _pay(ledger, 0)
    with pytest.raises(ValueError):
        ledger.commit_money(
            "s1",
            "payment_committed",
            {},
            txn_id="not-a-uuid",
            txn_type="bill_payment",
            amount=Money(Decimal("1.00"), CNY),
            tender={},
            details={},
        )
    duplicate = outbox.due_batch(1, force=True)[0].txn_id
    with pytest.raises(sqlite3.IntegrityError):  # the outbox row fails: the journal row too
        ledger.commit_money(
            "s1",
            "payment_committed",
            {},
            txn_id=duplicate,
            txn_type="bill_payment",
            amount=Money(Decimal("1.00"), CNY),
            tender={},
            details={},
        )
    assert _pay(ledger, 2) == 2  # gap-free
    assert ledger.check().intact and ledger.check().records == 2


def test_a_tampered_head_is_refused_not_chained_onto(tmp_path: Path) -> None:
    clock = FakeClock()
    ledger, _ = _books(tmp_path / "kiosk.db", clock)
    _pay(ledger, 0)
    ledger.close()
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        conn.execute("UPDATE journal SET data = '{}' WHERE id = 1")
    reopened, _ = _books(tmp_path / "kiosk.db", clock)
    with pytest.raises(journal.HeadMismatch):
        _pay(reopened, 1)


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("note"), st.sampled_from(["10.00", "50.00", "100", "100.00"])),
        st.tuples(st.just("unassigned"), st.sampled_from(["20.00", "100.00"])),
        st.tuples(st.just("coin"), st.sampled_from(["1.00", "0.50"])),
        st.tuples(st.just("exchange"), st.just("")),
        st.tuples(st.just("pay"), st.just("")),
    ),
    max_size=30,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_cashbox_counters_equal_a_fresh_count(steps: list[tuple[str, str]]) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cashbox-counters-"))
    try:
        clock = FakeClock()
        ledger, _ = _books(tmp / "k.db", clock)
        engine = ledger._engine
        for n, (step, value) in enumerate(steps):
            money = {"amount": value, "currency": CNY}
            if step == "note":
                ledger.record(f"s{n}", "note_stacked", {"value": money})
            elif step == "unassigned":
                ledger.record(f"s{n}", "note_stacked_unassigned", {"amount": money})
            elif step == "coin":
                ledger.record(f"s{n}", "coin_credited", {"value": money, "channel": 3})
            elif step == "exchange":
                counters.record_exchange(ledger, CNY, "tech-1")
            else:
                _pay(ledger, n)
            kept = counters.cashbox_counts_sql(engine, CNY)
            walked = counters.cashbox_counts(ledger, CNY)
            assert (kept.notes, kept.coins) == (walked.notes, walked.coins)
            assert counters.check_counters(engine, CNY)
        ledger.close()
        engine.dispose()
        restarted, _ = _books(tmp / "k.db", clock)
        kept = counters.cashbox_counts_sql(restarted._engine, CNY)
        walked = counters.cashbox_counts(restarted, CNY)
        assert (kept.notes, kept.coins) == (walked.notes, walked.coins)
        restarted.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_cashbox_counters_are_recounted_at_start_up(tmp_path: Path) -> None:
    clock = FakeClock()
    ledger, _ = _books(tmp_path / "k.db", clock)
    for _ in range(3):
        ledger.record("s", "note_stacked", {"value": {"amount": "100.00", "currency": CNY}})
    ledger.close()
    with sqlite3.connect(tmp_path / "k.db") as conn:
        conn.execute("UPDATE cashbox_counts SET n = 42")
    assert not counters.check_counters(ledger._engine, CNY)
    restarted, _ = _books(tmp_path / "k.db", clock)
    assert counters.cashbox_counts_sql(restarted._engine, CNY).notes == {"100.00": 3}
    assert counters.check_counters(restarted._engine, CNY)


def test_remembered_reads_see_a_commit_by_any_other_connection(tmp_path: Path) -> None:
    """status() and the cashbox level are answered from memory only while PRAGMA data_version
    says the file is unchanged: a commit by another connection (here a bare sqlite3 one, as a
    tool or another process would make) is seen at the next read."""
    clock = FakeClock()
    ledger, outbox = _books(tmp_path / "k.db", clock)
    engine = ledger._engine
    ledger.record("s", "note_stacked", {"value": {"amount": "100.00", "currency": CNY}})
    _pay(ledger, 1)
    assert counters.cashbox_counts_sql(engine, CNY).notes == {"100.00": 1}
    assert outbox.status().pending == 1
    assert outbox.status().pending == 1  # remembered
    with sqlite3.connect(tmp_path / "k.db") as conn:
        conn.execute("UPDATE outbox_items SET state = 'dead', last_error = 'X: y'")
        conn.execute(
            "INSERT INTO cashbox_counts (box, value, amount, n) VALUES"
            ' (\'notes\', \'{"amount":"50.00","currency":"CNY"}\', \'null\', 2)'
        )
    status = outbox.status()
    assert (status.pending, status.dead, status.last_error) == (0, 1, "X: y")
    assert counters.cashbox_counts_sql(engine, CNY).notes == {"100.00": 1, "50.00": 2}
    ledger.record("s", "note_stacked", {"value": {"amount": "100.00", "currency": CNY}})
    assert counters.cashbox_counts_sql(engine, CNY).notes == {"100.00": 2, "50.00": 2}
