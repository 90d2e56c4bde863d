"""The reference core's database: billers, accounts and bills, received transactions, heartbeats.

Idempotency rests on the UNIQUE constraint on `transactions.txn_id` plus a canonical content
hash: the same txn_id with the same content is a duplicate (answered with the original
core_ref), with other content an IDEMPOTENCY_CONFLICT. Writes are serialised by a lock, which is
all a single-process reference core needs and avoids SQLite upgrade deadlocks.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from core_system import request_log as reqlog
from core_system.seed import DEMO_ACCOUNTS, DEMO_BILLERS
from core_system.validation import ValidationError, ValidTxn, check_bill_amount
from kiosk.errors import KioskError
from kiosk.money.amount import Money
from kiosk.money.billing import Bill, Biller

logger = logging.getLogger(__name__)


class CoreBase(DeclarativeBase):
    pass


class BillerRow(CoreBase):
    __tablename__ = "billers"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    account_pattern: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    min_amount: Mapped[str] = mapped_column(String(24))
    max_amount: Mapped[str] = mapped_column(String(24))
    partial_allowed: Mapped[bool]
    offline_allowed: Mapped[bool]
    offline_limit: Mapped[str] = mapped_column(String(24))
    # The order the back office wants billers offered in (most used first), not alphabetical.
    position: Mapped[int] = mapped_column(default=0)


class AccountRow(CoreBase):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("biller", "account"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    biller: Mapped[str] = mapped_column(ForeignKey("billers.code"))
    account: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(String(100))


class BillRow(CoreBase):
    __tablename__ = "bills"
    bill_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    biller: Mapped[str] = mapped_column(ForeignKey("billers.code"))
    account: Mapped[str] = mapped_column(String(32), index=True)
    holder: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(7))
    amount_due: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | paid
    paid_by_txn: Mapped[str | None] = mapped_column(String(36), nullable=True)


class TransactionRow(CoreBase):
    __tablename__ = "transactions"
    __table_args__ = (Index("ix_txn_kiosk_day", "kiosk_id", "business_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    txn_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    amount: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    tender: Mapped[dict[str, Any]] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(40))
    business_date: Mapped[str] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(64))
    core_ref: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class HeartbeatRow(CoreBase):
    __tablename__ = "heartbeats"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class TelemetryRow(CoreBase):
    """The last telemetry message per kiosk and kind ("heartbeat", ...): a reconciliation
    report posted after it does not hide the kiosk's last device heartbeat."""

    __tablename__ = "telemetry_last"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclass(frozen=True)
class TxnResult:
    """One item of the POST /v1/transactions reply."""

    txn_id: str | None
    status: str  # accepted | duplicate | rejected
    core_ref: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    def wire(self) -> dict[str, Any]:
        error = None
        if self.error_code is not None:
            error = {"code": self.error_code, "message": self.error_message or ""}
        return {
            "txn_id": self.txn_id,
            "status": self.status,
            "core_ref": self.core_ref,
            "error": error,
        }


class Store:
    def __init__(self, url: str, *, request_log: bool = False) -> None:
        """`request_log`: also log every booked and duplicate item, unconstrained, in the
        booking's transaction (core_system/request_log.py; the kill tests count from it)."""
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            # `--db postgresql://...` means psycopg 3 (the pinned driver), not psycopg2.
            parsed = parsed.set(drivername="postgresql+psycopg")
        url = parsed.render_as_string(hide_password=False)
        self._sqlite = parsed.get_backend_name() == "sqlite"
        if self._sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_engine(url)
        if self._sqlite:
            event.listen(self._engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._write_lock = threading.Lock()
        self._request_log = request_log

    def close(self) -> None:
        self._engine.dispose()

    def create_schema(self) -> None:
        CoreBase.metadata.create_all(self._engine)
        if self._request_log:
            reqlog.create_schema(self._engine)

    def seed_demo(self) -> None:
        """Inserts the demo billers, accounts and bills that are missing; safe to run again."""
        with self._write_lock, self._sessions.begin() as s:
            for position, b in enumerate(DEMO_BILLERS):
                if s.get(BillerRow, b.code) is None:
                    s.add(_biller_row(b, position))
            s.flush()
            for acc in DEMO_ACCOUNTS:
                found = s.scalar(
                    select(AccountRow).where(
                        AccountRow.biller == acc.biller, AccountRow.account == acc.account
                    )
                )
                if found is None:
                    s.add(AccountRow(biller=acc.biller, account=acc.account, holder=acc.holder))
                for bill, status in [(b, "open") for b in acc.bills] + [
                    (b, "paid") for b in acc.paid
                ]:
                    if s.get(BillRow, bill.bill_id) is None:
                        s.add(_bill_row(bill, status))

    # -- look-ups ------------------------------------------------------------------------------

    def billers(self) -> list[Biller]:
        """The billers to offer, in order; a row that does not parse is left out and logged
        (CORE_API.md: one bad biller never hides the others)."""
        with self._sessions() as s:
            rows = s.scalars(select(BillerRow).order_by(BillerRow.position, BillerRow.code))
            return [b for b in map(_checked_biller, rows) if b is not None]

    def biller(self, code: str) -> Biller | None:
        """None for an unknown biller and for one whose row does not parse (logged)."""
        with self._sessions() as s:
            row = s.get(BillerRow, code)
            return None if row is None else _checked_biller(row)

    def account_exists(self, biller: str, account: str) -> bool:
        with self._sessions() as s:
            query = select(AccountRow.id).where(
                AccountRow.biller == biller, AccountRow.account == account
            )
            return s.scalar(query) is not None

    def open_bills(self, biller: str, account: str) -> list[Bill]:
        with self._sessions() as s:
            rows = s.scalars(
                select(BillRow)
                .where(BillRow.biller == biller, BillRow.account == account)
                .where(BillRow.status == "open")
                .order_by(BillRow.due_date, BillRow.bill_id)
            )
            return [_bill(r) for r in rows]

    def bill_status(self, bill_id: str) -> str | None:
        with self._sessions() as s:
            row = s.get(BillRow, bill_id)
            return None if row is None else row.status

    # -- store-and-forward ---------------------------------------------------------------------

    def record(self, txn: ValidTxn, received_at: datetime) -> TxnResult:
        """Stores one validated transaction, or says why not: a batch of one."""
        return self.record_batch([txn], received_at)[0]

    def record_batch(self, txns: Sequence[ValidTxn], received_at: datetime) -> list[TxnResult]:
        """Stores validated transactions in ONE DB transaction (one commit, one fsync) and
        answers each on its own, in order, exactly as one transaction per item would: a txn_id
        already held (or earlier in the batch) is a duplicate with the original core_ref, or an
        IDEMPOTENCY_CONFLICT with other content; a bill rule that refuses an item rejects that
        item alone (nothing of it is written: the rules check before they change a bill) and
        a bill paid by an earlier item is seen paid by a later one.

        The lock serialises this process; the UNIQUE constraint on txn_id is what decides
        between several core processes on one PostgreSQL: the loser of an insert race gets an
        IntegrityError, the whole batch is rolled back and answered again from the winner's
        rows (duplicate or conflict)."""
        if not txns:
            return []
        try:
            return self._record_batch_once(txns, received_at)
        except IntegrityError:
            return self._record_batch_once(txns, received_at)

    def _record_batch_once(
        self, txns: Sequence[ValidTxn], received_at: datetime
    ) -> list[TxnResult]:
        naive = received_at.astimezone(UTC).replace(tzinfo=None)
        stamp: Any = naive if not self._sqlite else naive.isoformat(" ", "microseconds")
        with self._write_lock, self._sessions.begin() as s:
            conn = s.connection()
            held: dict[str, tuple[str, str | None]] = {}  # txn_id -> (content_hash, core_ref)
            wanted = list(dict.fromkeys(t.txn_id for t in txns))
            for first in range(0, len(wanted), _IN_CHUNK):
                for txn_id, content_hash, core_ref in _held_rows(
                    conn, tuple(wanted[first : first + _IN_CHUNK])
                ):
                    held[txn_id] = (content_hash, core_ref)
            results: list[TxnResult | None] = []
            new_rows: list[tuple[Any, ...]] = []
            new_at: dict[str, tuple[str, int]] = {}  # txn_id -> (content_hash, its row index)
            waiting: list[tuple[int, int]] = []  # (result index, row index): core_ref to come
            for txn in txns:
                if txn.txn_id in held:
                    content_hash, core_ref = held[txn.txn_id]
                    results.append(_answer_held(txn, content_hash, core_ref))
                    continue
                if txn.txn_id in new_at:
                    content_hash, row_index = new_at[txn.txn_id]
                    results.append(_answer_held(txn, content_hash, None))
                    if content_hash == txn.content_hash:
                        waiting.append((len(results) - 1, row_index))
                    continue
                try:
                    self._apply_bill_payment(s, txn)
                except ValidationError as exc:
                    results.append(
                        TxnResult(
                            txn.txn_id, "rejected", error_code=exc.code, error_message=exc.message
                        )
                    )
                    continue
                new_at[txn.txn_id] = (txn.content_hash, len(new_rows))
                waiting.append((len(results), len(new_rows)))
                results.append(None)
                new_rows.append(_txn_row(txn, stamp))
            if new_rows:
                s.flush()  # bills paid by this batch, before the rows that paid them
                refs = _insert_rows(conn, new_rows)
                for result_index, row_index in waiting:
                    status = "accepted" if results[result_index] is None else "duplicate"
                    txn_id = new_rows[row_index][0]
                    results[result_index] = TxnResult(txn_id, status, refs[txn_id])
            if self._request_log:  # in the booking's transaction: no booking without its row
                for txn, result in zip(txns, results, strict=True):
                    if result is not None and result.status in (reqlog.ACCEPTED, reqlog.DUPLICATE):
                        reqlog.append(s, txn, result.status, received_at)
        return [r for r in results if r is not None]

    def _apply_bill_payment(self, s: Session, txn: ValidTxn) -> None:
        """A bill_payment (or card_payment) naming `details.bill_id` pays that bill with an
        amount its biller allows (validation.check_bill_amount); a declared partial payment
        leaves it open. A bill paid by another transaction still accepts a payment that fits it
        (the money moved at the kiosk, maybe offline; the back office credits it), so only
        unknown or mismatching bills and amounts are rejected."""
        if txn.type not in ("bill_payment", "card_payment") or "bill_id" not in txn.details:
            return
        bill_id = txn.details["bill_id"]
        bill = s.get(BillRow, bill_id) if isinstance(bill_id, str) else None
        if bill is None:
            raise ValidationError("UNKNOWN_BILL", f"no bill {bill_id!r}")
        for key in ("biller", "account"):
            if key in txn.details and txn.details[key] != getattr(bill, key):
                raise ValidationError("BILL_MISMATCH", f"details.{key} does not match the bill")
        if txn.amount.currency != bill.currency:
            raise ValidationError("MONEY_INVALID", "currency differs from the bill's")
        row = s.get(BillerRow, bill.biller)
        biller = None if row is None else _checked_biller(row)
        if biller is None:  # missing (the foreign key forbids it) or malformed: logged
            raise ValidationError("UNKNOWN_BILLER", f"the biller of bill {bill_id!r} is unusable")
        due = Money.parse(bill.amount_due, bill.currency)
        settles = check_bill_amount(txn.amount, txn.details, due, biller)
        if settles and bill.status == "open":
            bill.status = "paid"
            bill.paid_by_txn = txn.txn_id

    def invoice(self, kiosk_id: str, seq: int) -> dict[str, Any] | None:
        """The transaction behind receipt reference "<kiosk_id>-<seq>", for reprints (issue 5)."""
        with self._sessions() as s:
            row = s.scalars(
                select(TransactionRow).where(
                    TransactionRow.kiosk_id == kiosk_id, TransactionRow.seq == seq
                )
            ).first()
            if row is None:
                return None
            return {
                "reference": f"{row.kiosk_id}-{row.seq:06d}",
                "txn_id": row.txn_id,
                "kiosk_id": row.kiosk_id,
                "type": row.type,
                "amount": {"amount": row.amount, "currency": row.currency},
                "tender": row.tender,
                "details": row.details,
                "created_at": row.created_at,
                "core_ref": row.core_ref,
            }

    def transaction_kiosk(self, txn_id: str) -> str | None:
        """The kiosk that sent this txn_id (any letter case), or None when the core has none."""
        with self._sessions() as s:
            query = select(TransactionRow.kiosk_id).where(
                func.lower(TransactionRow.txn_id) == txn_id.lower()
            )
            return s.scalars(query).first()

    def transaction_count(self, txn_id: str) -> int:
        with self._sessions() as s:
            rows = s.scalars(select(TransactionRow.id).where(TransactionRow.txn_id == txn_id))
            return len(list(rows))

    def seq_report(self, kiosk_id: str) -> dict[str, Any]:
        """The kiosk's seq numbers held here and the gaps between them (missing transactions:
        still queued, dead-lettered on the kiosk, or lost) for a person to chase."""
        with self._sessions() as s:
            mine = TransactionRow.kiosk_id == kiosk_id
            received, lowest, highest = s.execute(
                select(
                    func.count(), func.min(TransactionRow.seq), func.max(TransactionRow.seq)
                ).where(mine)
            ).one()
            ordered = select(
                TransactionRow.seq.label("seq"),
                func.lag(TransactionRow.seq).over(order_by=TransactionRow.seq).label("prev"),
            ).where(mine)
            sub = ordered.subquery()
            holes = s.execute(
                select(sub.c.prev + 1, sub.c.seq - 1)
                .where(sub.c.seq - sub.c.prev > 1)
                .order_by(sub.c.seq)
                .limit(1000)
            ).all()
        gaps = [{"first": 1, "last": lowest - 1}] if lowest and lowest > 1 else []
        gaps += [{"first": int(a), "last": int(b)} for a, b in holes]
        return {"highest": int(highest or 0), "received": int(received), "gaps": gaps}

    def reconciliation(self, kiosk_id: str, day: date) -> dict[str, Any]:
        """Count and per-currency totals per type, for the kiosk's own business day (UTC)."""
        with self._sessions() as s:
            rows = s.execute(
                select(TransactionRow.type, TransactionRow.amount, TransactionRow.currency)
                .where(TransactionRow.kiosk_id == kiosk_id)
                .where(TransactionRow.business_date == day.isoformat())
            ).all()
        types: dict[str, dict[str, Any]] = {}
        for txn_type, amount, currency in rows:
            entry = types.setdefault(txn_type, {"count": 0, "sums": {}})
            entry["count"] += 1
            entry["sums"][currency] = entry["sums"].get(currency, Decimal(0)) + Decimal(amount)
        return {
            "kiosk_id": kiosk_id,
            "date": day.isoformat(),
            "count": len(rows),
            "seq": self.seq_report(kiosk_id),
            "types": {
                t: {
                    "count": e["count"],
                    "totals": [Money(v, c).wire() for c, v in sorted(e["sums"].items())],
                }
                for t, e in sorted(types.items())
            },
        }

    def save_heartbeat(self, kiosk_id: str, payload: dict[str, Any], at: datetime) -> None:
        with self._write_lock, self._sessions.begin() as s:
            row = s.get(HeartbeatRow, kiosk_id)
            naive = at.astimezone(UTC).replace(tzinfo=None)
            if row is None:
                s.add(HeartbeatRow(kiosk_id=kiosk_id, received_at=naive, payload=payload))
            else:
                row.received_at, row.payload = naive, payload
            kind = str(payload.get("kind") or "other")[:32]
            last = s.get(TelemetryRow, (kiosk_id, kind))
            if last is None:
                row_kind = TelemetryRow(kiosk_id=kiosk_id, kind=kind, received_at=naive)
                row_kind.payload = payload
                s.add(row_kind)
            else:
                last.received_at, last.payload = naive, payload

    def last_telemetry(self, kiosk_id: str, kind: str) -> dict[str, Any] | None:
        """The last message of that kind ("heartbeat": the kiosk's health snapshot)."""
        with self._sessions() as s:
            row = s.get(TelemetryRow, (kiosk_id, kind))
            return None if row is None else dict(row.payload)

    def last_heartbeat(self, kiosk_id: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.get(HeartbeatRow, kiosk_id)
            return None if row is None else dict(row.payload)


_IN_CHUNK = 500  # txn_ids per IN (...) look-up: well under SQLite's bound-parameter limit


_INSERT_COLUMNS = (
    "id",
    "core_ref",
    "txn_id",
    "kiosk_id",
    "seq",
    "type",
    "amount",
    "currency",
    "tender",
    "details",
    "created_at",
    "business_date",
    "content_hash",
    "received_at",
)


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _held_rows(conn: Connection, txn_ids: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """(txn_id, content_hash, core_ref) of the rows already held for these txn_ids. On
    PostgreSQL the look-up is never a server-side prepared statement: psycopg prepares a query
    after five runs, and a generic plan made while the table was small keeps scanning it
    sequentially as it grows (ingest fell to a quarter at 10,000 rows)."""
    sql = (
        "SELECT txn_id, content_hash, core_ref FROM transactions"
        f" WHERE txn_id IN ({', '.join([_mark(conn)] * len(txn_ids))})"
    )
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        with driver.cursor() as cur:  # type: ignore[union-attr]
            cur.execute(sql, txn_ids, prepare=False)
            return list(cur.fetchall())
    return list(conn.exec_driver_sql(sql, txn_ids).all())


def _new_ids(conn: Connection, count: int) -> list[int]:
    """Row ids for `count` new rows, taken before the insert so each row is inserted with its
    core_ref ("CR" + the id in ten digits): on SQLite max(rowid) + 1 (one core process per
    SQLite file, whose lock serialises the writers; an id taken meanwhile would fail the insert
    on the primary key), on PostgreSQL the id column's own sequence (safe across processes)."""
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('transactions', 'id'))"
            " FROM generate_series(1, %s)",
            (count,),
        )
        return [int(r[0]) for r in rows]
    last = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM transactions").scalar()
    return list(range(int(last or 0) + 1, int(last or 0) + 1 + count))


def _insert_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> dict[str, str]:
    """Inserts the batch's new rows (`_txn_row` tuples) with their ids and core_refs in one
    executemany of a prepared statement; returns txn_id -> core_ref."""
    mark = _mark(conn)
    ids = _new_ids(conn, len(rows))
    refs = [f"CR{row_id:010d}" for row_id in ids]
    conn.exec_driver_sql(
        f"INSERT INTO transactions ({', '.join(_INSERT_COLUMNS)})"
        f" VALUES ({', '.join([mark] * len(_INSERT_COLUMNS))})",
        [(row_id, ref, *row) for row_id, ref, row in zip(ids, refs, rows, strict=True)],
    )
    return {row[0]: ref for ref, row in zip(refs, rows, strict=True)}


def _answer_held(txn: ValidTxn, content_hash: str, core_ref: str | None) -> TxnResult:
    """The answer for a txn_id already held: duplicate of the same content, else a conflict."""
    if content_hash == txn.content_hash:
        return TxnResult(txn.txn_id, "duplicate", core_ref)
    return TxnResult(
        txn.txn_id,
        "rejected",
        error_code="IDEMPOTENCY_CONFLICT",
        error_message="txn_id already held with different content",
    )


def _txn_row(txn: ValidTxn, received_at: Any) -> tuple[Any, ...]:
    """The row in _INSERT_COLUMNS order after id and core_ref, stored as the ORM stores it:
    JSON text by json.dumps (SQLAlchemy's JSON default), received_at naive UTC (as SQLite
    DATETIME text there)."""
    return (
        txn.txn_id,
        txn.kiosk_id,
        txn.seq,
        txn.type,
        str(txn.amount.amount),
        txn.amount.currency,
        json.dumps(txn.tender),
        json.dumps(txn.details),
        txn.created_at,
        txn.business_date,
        txn.content_hash,
        received_at,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def _biller_row(b: Biller, position: int) -> BillerRow:
    return BillerRow(
        position=position,
        code=b.code,
        name_zh=b.name_zh,
        name_en=b.name_en,
        account_pattern=b.account_pattern,
        currency=b.min_amount.currency,
        min_amount=str(b.min_amount.amount),
        max_amount=str(b.max_amount.amount),
        partial_allowed=b.partial_allowed,
        offline_allowed=b.offline_allowed,
        offline_limit=str(b.offline_limit.amount),
    )


def _checked_biller(r: BillerRow) -> Biller | None:
    """The row as a Biller a kiosk can use, or None (logged for the back office) when its money
    fields, currency or account pattern are malformed: served, it would break every kiosk's
    biller list, and /v1/bills would answer a 500 for its accounts."""
    try:
        biller = _biller(r)
        re.compile(biller.account_pattern)
    except (KioskError, re.error) as exc:
        logger.warning("biller %s left out: malformed row in the billers table (%s)", r.code, exc)
        return None
    return biller


def _biller(r: BillerRow) -> Biller:
    return Biller(
        code=r.code,
        name_zh=r.name_zh,
        name_en=r.name_en,
        account_pattern=r.account_pattern,
        min_amount=Money.parse(r.min_amount, r.currency),
        max_amount=Money.parse(r.max_amount, r.currency),
        partial_allowed=r.partial_allowed,
        offline_allowed=r.offline_allowed,
        offline_limit=Money.parse(r.offline_limit, r.currency),
    )


def _bill_row(b: Bill, status: str) -> BillRow:
    return BillRow(
        bill_id=b.bill_id,
        biller=b.biller,
        account=b.account,
        holder=b.holder,
        period=b.period,
        amount_due=str(b.amount_due.amount),
        currency=b.amount_due.currency,
        due_date=b.due_date.isoformat(),
        status=status,
    )


def _bill(r: BillRow) -> Bill:
    return Bill(
        bill_id=r.bill_id,
        biller=r.biller,
        account=r.account,
        holder=r.holder,
        period=r.period,
        amount_due=Money.parse(r.amount_due, r.currency),
        due_date=date.fromisoformat(r.due_date),
    )
