"""The kiosk's durable outbox: every money movement the core must hear about, in seq order.

`enqueue` runs inside the caller's open transaction (the ledger journals in the same one), so
after a crash either both the journal entry and the outbox item exist or neither does, and a
rolled-back enqueue leaves no gap in `seq`. The sync worker then claims, sends and settles items
through the helpers below, each in its own short write transaction.

Retry schedules run on the monotonic clock (issue 19 #5): a wall clock stepped back two hours
must not hold money back for two hours with the core up. The row keeps wall-clock
`next_attempt_at` and `updated_at` (written together by `mark_retry`) for people and for a
restart; this process keeps the monotonic due time beside it. Read back without one (another
process, a restart), the wait left is the smaller of what the wall clock says and the delay that
was planned, so a clock step can shorten a backoff but never lengthen it.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from kiosk.clock import Clock, rfc3339
from kiosk.money.amount import Money
from offline_queue import counters
from offline_queue.db import CachedReads, sqlite_file
from offline_queue.models import OutboxItem, OutboxState, QueueBase, SeqCounter

# Built once: the hot path of every payment runs plain Core statements on the connection of the
# caller's transaction (no ORM unit of work, no per-call statement construction).
_SEQ = SeqCounter.__table__
_BUMP_SEQ = (
    update(_SEQ)
    .where(_SEQ.c.kiosk_id == bindparam("kiosk"))
    .values(last_seq=_SEQ.c.last_seq + 1)
    .returning(_SEQ.c.last_seq)
)
_FIRST_SEQ = insert(_SEQ)
_INSERT_ITEM = insert(OutboxItem.__table__)
# json.dumps(payload, ensure_ascii=False, sort_keys=True), the encoder built once
_PAYLOAD = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
# The same three statements for a DB-API sqlite3 cursor (Ledger's fast path, enqueue_raw).
_RAW_BUMP_SEQ = (
    "UPDATE outbox_seq SET last_seq = last_seq + 1 WHERE kiosk_id = ? RETURNING last_seq"
)
_RAW_FIRST_SEQ = "INSERT INTO outbox_seq (kiosk_id, last_seq) VALUES (?, 1)"
_RAW_INSERT_ITEM = (
    "INSERT INTO outbox_items (txn_id, seq, type, payload, state, attempts, next_attempt_at,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)"
)

# Settling a batch: one executemany each (an ORM UPDATE per item cost the drain 80 % of its time)
_ITEMS = OutboxItem.__table__
_ACCEPT = (
    update(_ITEMS)
    .where(_ITEMS.c.txn_id == bindparam("b_txn"))
    .values(
        state=OutboxState.ACCEPTED,
        core_ref=bindparam("b_ref"),
        last_error=None,
        accepted_at=bindparam("b_now"),
        updated_at=bindparam("b_now"),
    )
)
_DEAD = (
    update(_ITEMS)
    .where(_ITEMS.c.txn_id == bindparam("b_txn"))
    .values(state=OutboxState.DEAD, last_error=bindparam("b_error"), updated_at=bindparam("b_now"))
)

_IN_FLIGHT_COUNT = (
    select(func.count()).select_from(_ITEMS).where(_ITEMS.c.state == OutboxState.IN_FLIGHT)
)
_DUE = (
    select(
        _ITEMS.c.txn_id,
        _ITEMS.c.seq,
        _ITEMS.c.attempts,
        _ITEMS.c.payload,
        _ITEMS.c.next_attempt_at,
        _ITEMS.c.updated_at,
    )
    .where(_ITEMS.c.state == OutboxState.PENDING)
    .order_by(_ITEMS.c.seq)
    .limit(bindparam("b_limit"))
)

# status() from the counters (offline_queue/counters.py) and three index look-ups: no scan, so
# the UI thread can ask it every tick whatever the backlog. The literal WHERE terms are those of
# the partial index ix_outbox_errors (SQLite uses a partial index only for matching terms).
_STATUS_COUNTS = "SELECT state, n FROM outbox_counts"
_STATUS_REST = (
    "SELECT (SELECT min(created_at) FROM outbox_items WHERE state = 'pending'),"
    " (SELECT min(created_at) FROM outbox_items WHERE state = 'in_flight'),"
    " (SELECT last_error FROM outbox_items"
    "   WHERE state != 'accepted' AND last_error IS NOT NULL"
    "   ORDER BY updated_at DESC, seq DESC LIMIT 1),"
    " (SELECT at FROM outbox_marks WHERE name = 'last_success')"
)


@dataclass(frozen=True)
class QueueStatus:
    pending: int
    in_flight: int
    accepted: int
    dead: int
    oldest_pending_age_s: float | None
    last_error: str | None
    last_success_at: datetime | None


@dataclass(frozen=True)
class OutboxItemView:
    txn_id: str
    seq: int
    state: OutboxState
    attempts: int
    core_ref: str | None
    last_error: str | None


@dataclass(frozen=True)
class OutboxEntry:
    """An item claimed for sending: what the worker needs, detached from any session."""

    txn_id: str
    seq: int
    attempts: int
    payload: dict[str, Any]


class Outbox:
    def __init__(self, engine: Engine, kiosk_id: str, clock: Clock) -> None:
        self._engine = engine
        self._kiosk_id = kiosk_id
        self._clock = clock
        # txn_id -> (the row's next_attempt_at, when it is due on this process's monotonic
        # clock); a row whose next_attempt_at changed (another process wrote it) is re-derived.
        self._schedule: dict[str, tuple[datetime, float]] = {}
        self._schedule_lock = threading.Lock()
        # None: not known yet (found out at the first status()); False: no counters here
        self._counted: bool | None = None if engine.dialect.name == "sqlite" else False
        path = sqlite_file(engine)
        self._reads = None if path is None else CachedReads(path)  # status() between changes

    @property
    def kiosk_id(self) -> str:
        return self._kiosk_id

    def create_schema(self) -> None:
        """Creates the tables and, as this runs at start-up, re-queues items left in flight
        and recounts the per-state counters from the rows (offline_queue/counters.py)."""
        QueueBase.metadata.create_all(self._engine)
        self._counted = counters.install(self._engine)
        self.recover_in_flight()

    def check_counters(self, *, repair: bool = True) -> bool:
        """True when the kept counts equal a fresh count (a full scan: not for the UI)."""
        return counters.check(self._engine, repair=repair)

    def enqueue(
        self,
        session: Session,
        *,
        txn_id: str,
        type: str,
        amount: Money,
        tender: dict[str, Any],
        details: dict[str, Any],
        created_at: datetime,
    ) -> int:
        """Queues one transaction inside the caller's transaction; returns its seq.

        The counter is bumped with UPDATE ... RETURNING before anything is read, so the first
        statement takes SQLite's write lock and two concurrent enqueues never see the same seq.
        """
        payload = self._payload(txn_id, type, amount, tender, details, created_at)
        conn = session.connection()
        seq = conn.execute(_BUMP_SEQ, {"kiosk": self._kiosk_id}).scalar()
        if seq is None:  # the kiosk's first transaction ever
            conn.execute(_FIRST_SEQ, {"kiosk_id": self._kiosk_id, "last_seq": 1})
            seq = 1
        payload["seq"] = seq
        now = self._clock.now()
        conn.execute(
            _INSERT_ITEM,
            {
                "txn_id": txn_id,
                "seq": seq,
                "type": type,
                "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
                "state": OutboxState.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": created_at,
                "updated_at": now,
            },
        )
        return seq

    def enqueue_raw(
        self,
        cursor: Any,
        *,
        txn_id: str,
        type: str,
        amount: Money,
        tender: dict[str, Any],
        details: dict[str, Any],
        created_at: datetime,
    ) -> int:
        """`enqueue` on a DB-API sqlite3 cursor inside the caller's open transaction (the
        ledger's fast path): the same seq bump first, the same row, byte for byte."""
        payload = self._payload(txn_id, type, amount, tender, details, created_at)
        row = cursor.execute(_RAW_BUMP_SEQ, (self._kiosk_id,)).fetchone()
        if row is None:  # the kiosk's first transaction ever
            cursor.execute(_RAW_FIRST_SEQ, (self._kiosk_id,))
            seq = 1
        else:
            seq = int(row[0])
        payload["seq"] = seq
        now = _stored(self._clock.now())
        cursor.execute(
            _RAW_INSERT_ITEM,
            (
                txn_id,
                seq,
                type,
                _PAYLOAD.encode(payload),
                OutboxState.PENDING.value,
                now,
                _stored(created_at),
                now,
            ),
        )
        return seq

    def _payload(
        self,
        txn_id: str,
        type: str,
        amount: Money,
        tender: dict[str, Any],
        details: dict[str, Any],
        created_at: datetime,
    ) -> dict[str, Any]:
        if not isinstance(amount, Money):
            raise TypeError("amount must be Money")
        if created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        if str(uuid.UUID(txn_id)) != txn_id.lower():
            raise ValueError(f"txn_id must be a canonical UUID, got {txn_id!r}")
        return {
            "txn_id": txn_id,
            "kiosk_id": self._kiosk_id,
            "seq": 0,
            "type": type,
            "created_at": rfc3339(created_at),
            "amount": str(amount.amount),
            "currency": amount.currency,
            "tender": tender,
            "details": details,
        }

    # -- read side -------------------------------------------------------------------------

    def status(self) -> QueueStatus:
        """The queue at a glance; O(1) in the backlog where the counters are installed."""
        if self._counted is not False:
            fast = self._fast_status()
            if fast is not None:
                return fast
        return self._scan_status()

    def _fast_status(self) -> QueueStatus | None:
        try:
            if self._reads is not None:
                found = self._reads.read("status", _read_status)
            else:
                # A raw autocommit read: no BEGIN IMMEDIATE, the UI never queues behind a writer.
                raw = self._engine.raw_connection()
                try:
                    cur = raw.cursor()
                    try:
                        found = _read_status(cur)
                    finally:
                        cur.close()
                finally:
                    raw.close()
        except Exception as exc:  # no counters in this database (made before them)
            if "no such table" not in str(exc):
                raise
            self._counted = False
            return None
        self._counted = True
        counts, oldest, last_error, last_success = found
        age = None
        if oldest is not None:
            age = max(0.0, (self._clock.now() - oldest).total_seconds())
        return QueueStatus(
            pending=counts.get(OutboxState.PENDING, 0),
            in_flight=counts.get(OutboxState.IN_FLIGHT, 0),
            accepted=counts.get(OutboxState.ACCEPTED, 0),
            dead=counts.get(OutboxState.DEAD, 0),
            oldest_pending_age_s=age,
            last_error=last_error,
            last_success_at=last_success,
        )

    def _scan_status(self) -> QueueStatus:
        """The same answer counted from the rows (no counters, or not SQLite)."""
        with Session(self._engine) as s:
            counts = dict(
                s.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()
            )
            oldest = s.scalar(
                select(func.min(OutboxItem.created_at)).where(
                    OutboxItem.state.in_([OutboxState.PENDING, OutboxState.IN_FLIGHT])
                )
            )
            last_error = s.scalar(
                select(OutboxItem.last_error)
                .where(OutboxItem.state != OutboxState.ACCEPTED)
                .where(OutboxItem.last_error.is_not(None))
                .order_by(OutboxItem.updated_at.desc(), OutboxItem.seq.desc())
                .limit(1)
            )
            last_success = s.scalar(select(func.max(OutboxItem.accepted_at)))
        age = None
        if oldest is not None:
            age = max(0.0, (self._clock.now() - _aware(oldest)).total_seconds())
        return QueueStatus(
            pending=counts.get(OutboxState.PENDING, 0),
            in_flight=counts.get(OutboxState.IN_FLIGHT, 0),
            accepted=counts.get(OutboxState.ACCEPTED, 0),
            dead=counts.get(OutboxState.DEAD, 0),
            oldest_pending_age_s=age,
            last_error=last_error,
            last_success_at=None if last_success is None else _aware(last_success),
        )

    def item(self, txn_id: str) -> OutboxItemView | None:
        with Session(self._engine) as s:
            row = s.scalar(select(OutboxItem).where(OutboxItem.txn_id == txn_id))
            if row is None:
                return None
            return OutboxItemView(
                row.txn_id, row.seq, row.state, row.attempts, row.core_ref, row.last_error
            )

    def due_batch(self, limit: int, *, force: bool = False) -> list[OutboxEntry]:
        """The next items to send, without claiming them (for inspection and the CLI)."""
        with Session(self._engine) as s:
            return [_entry(r) for r in self._due_rows(s, limit, force)]

    def next_due_in(self) -> float | None:
        """Seconds until the head pending item may be sent (0 if now); None if nothing waits."""
        with Session(self._engine) as s:
            head = s.execute(
                select(OutboxItem.txn_id, OutboxItem.next_attempt_at, OutboxItem.updated_at)
                .where(OutboxItem.state == OutboxState.PENDING)
                .order_by(OutboxItem.seq)
                .limit(1)
            ).first()
        if head is None:
            return None
        return self._due_in(head.txn_id, _aware(head.next_attempt_at), _aware(head.updated_at))

    def _due_in(self, txn_id: str, next_attempt_at: datetime, updated_at: datetime) -> float:
        """Seconds until `txn_id` is due, on the monotonic clock (see the module docstring)."""
        mono = self._clock.monotonic()
        with self._schedule_lock:
            known = self._schedule.get(txn_id)
            if known is not None and known[0] == next_attempt_at:
                return max(0.0, known[1] - mono)
            wall_left = (next_attempt_at - self._clock.now()).total_seconds()
            planned = (next_attempt_at - updated_at).total_seconds()
            left = max(0.0, min(wall_left, planned))
            self._schedule[txn_id] = (next_attempt_at, mono + left)
            return left

    # -- worker helpers ----------------------------------------------------------------------

    def claim_batch(self, limit: int, *, force: bool = False) -> list[OutboxEntry]:
        """Marks the due head of the queue in_flight (committed) and returns it, in seq order."""
        now = self._clock.now()
        with self._write() as s:
            rows = self._due_rows(s, limit, force)
            if not rows:
                return []
            s.connection().execute(
                update(_ITEMS)
                .where(_ITEMS.c.txn_id.in_([r.txn_id for r in rows]))
                .values(state=OutboxState.IN_FLIGHT, attempts=_ITEMS.c.attempts + 1, updated_at=now)
            )
            return [
                OutboxEntry(r.txn_id, r.seq, r.attempts + 1, json.loads(r.payload)) for r in rows
            ]

    def mark_accepted(self, results: Sequence[tuple[str, str]]) -> None:
        """(txn_id, core_ref) pairs the core holds, as accepted or duplicate."""
        self._forget(txn_id for txn_id, _ in results)
        if not results:
            return
        now = self._clock.now()
        with self._write() as s:
            s.connection().execute(
                _ACCEPT, [{"b_txn": txn_id, "b_ref": ref, "b_now": now} for txn_id, ref in results]
            )

    def mark_dead(self, results: Sequence[tuple[str, str, str]]) -> None:
        """(txn_id, code, message) the core rejected for good."""
        self._forget(txn_id for txn_id, _, _ in results)
        if not results:
            return
        now = self._clock.now()
        with self._write() as s:
            s.connection().execute(
                _DEAD,
                [
                    {"b_txn": txn_id, "b_error": f"{code}: {message}"[:500], "b_now": now}
                    for txn_id, code, message in results
                ],
            )

    def mark_retry(self, txn_ids: Sequence[str], *, error: str, delay_s: float) -> None:
        """Puts claimed items back to pending, not to be sent again for `delay_s` seconds
        (measured on the monotonic clock; the wall-clock time is stored for people)."""
        delay = max(0.0, delay_s)
        now = self._clock.now()
        due_mono = self._clock.monotonic() + delay
        next_attempt_at = now + timedelta(seconds=delay)
        with self._write() as s:
            s.execute(
                update(OutboxItem)
                .where(OutboxItem.txn_id.in_(list(txn_ids)))
                .where(OutboxItem.state == OutboxState.IN_FLIGHT)
                .values(
                    state=OutboxState.PENDING,
                    last_error=error[:500],
                    next_attempt_at=next_attempt_at,
                    updated_at=now,
                )
            )
        with self._schedule_lock:
            for txn_id in txn_ids:
                self._schedule[txn_id] = (next_attempt_at, due_mono)

    def recover_in_flight(self, *, older_than_s: float = 0.0) -> int:
        """Items left in_flight by a killed process go back to pending; the core will answer
        `duplicate` for any it already holds. With `older_than_s` only items claimed that long
        ago (a tool running next to a live kiosk leaves a live batch alone).

        Without it (the kiosk's own start-up: no other worker can own a batch) every in-flight
        item is recovered whatever its time stamp: after the wall clock was set back, a batch
        claimed "in the future" would otherwise sit in flight for hours and, as nothing is
        claimed while a batch is in flight, hold up the whole queue (issue 19 #5)."""
        now = self._clock.now()
        query = update(OutboxItem).where(OutboxItem.state == OutboxState.IN_FLIGHT)
        if older_than_s > 0:
            query = query.where(OutboxItem.updated_at <= now - timedelta(seconds=older_than_s))
        with self._write() as s:
            result = s.execute(
                query.values(state=OutboxState.PENDING, next_attempt_at=now, updated_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- internals ---------------------------------------------------------------------------

    def _forget(self, txn_ids: Iterable[str]) -> None:
        """Settled items need no schedule any more (keeps the map as small as the backlog)."""
        with self._schedule_lock:
            for txn_id in txn_ids:
                self._schedule.pop(txn_id, None)

    def _due_rows(self, s: Session, limit: int, force: bool) -> list[Any]:
        """Never overtakes: nothing while a batch is in flight, and only from the lowest pending
        seq (everything below it is accepted or dead), and only when that head is due.
        Plain Core rows (txn_id, seq, attempts, payload, next_attempt_at, updated_at)."""
        conn = s.connection()
        in_flight = conn.execute(_IN_FLIGHT_COUNT).scalar()
        if in_flight:
            return []
        rows = list(conn.execute(_DUE, {"b_limit": max(1, limit)}))
        if not rows:
            return []
        head = rows[0]
        if not force and self._due_in(head.txn_id, head.next_attempt_at, head.updated_at) > 0:
            return []
        return rows

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction; make_engine starts every SQLite transaction IMMEDIATE, so a
        read-then-write never fails with SQLITE_BUSY when the journal commits meanwhile."""
        with Session(self._engine, expire_on_commit=False) as s, s.begin():
            yield s


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(row.txn_id, row.seq, row.attempts, json.loads(row.payload))


def _read_status(
    cur: Any,
) -> tuple[dict[str, int], datetime | None, str | None, datetime | None]:
    """The counters and the three index look-ups behind status(), on a DB-API cursor."""
    counts = {str(state): int(n) for state, n in cur.execute(_STATUS_COUNTS).fetchall()}
    oldest_p, oldest_f, last_error, last_success = cur.execute(_STATUS_REST).fetchone()
    oldest = min((_parse(t) for t in (oldest_p, oldest_f) if t is not None), default=None)
    return counts, oldest, last_error, None if last_success is None else _parse(last_success)


def _stored(moment: datetime) -> str:
    """A datetime as SQLAlchemy's SQLite DateTime (UTCDateTime) stores it: naive UTC text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the outbox stores UTC-aware times only")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _parse(stamp: Any) -> datetime:
    """A DATETIME column read raw: SQLAlchemy's SQLite text form, naive UTC."""
    if isinstance(stamp, datetime):
        return _aware(stamp)
    return datetime.fromisoformat(str(stamp)).replace(tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    """Aggregates (min/max) may come back naive from SQLite; the outbox stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
