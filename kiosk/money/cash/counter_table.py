"""The cashbox counter table and its triggers, kept beside the journal by SQLite itself.

Its own module because the ledger creates it with the journal at start-up while the cash
accounting (counters.py) reads it and builds on the ledger: neither imports the other for it.
A SQLite trigger on journal INSERT adds each note or coin to `cashbox_counts` (and empties it on
a `cashbox_exchange`) inside the transaction that journals the entry, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event

from kiosk.money.journal import JournalEntry

STACKED_KINDS = ("note_stacked", "note_stacked_unassigned")
COIN_KINDS = ("coin_credited", "coin_credited_unassigned")  # kiosk/money/cash/coin_service.py
EXCHANGE_KIND = "cashbox_exchange"

_KINDS_SQL = ", ".join(f"'{k}'" for k in STACKED_KINDS + COIN_KINDS)
_BOX_SQL = "CASE WHEN {k} IN ({coins}) THEN 'coins' ELSE 'notes' END".format(
    k="{kind}", coins=", ".join(f"'{k}'" for k in COIN_KINDS)
)
_KEY_SQL = "coalesce({d} -> '$.value', 'null'), coalesce({d} -> '$.amount', 'null')"
_DDL = (
    "CREATE TABLE IF NOT EXISTS cashbox_counts (box VARCHAR(8) NOT NULL, value TEXT NOT NULL,"
    " amount TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (box, value, amount))",
    f"""CREATE TRIGGER IF NOT EXISTS cashbox_counts_ins AFTER INSERT ON journal
       WHEN NEW.kind IN ({_KINDS_SQL}) AND json_valid(NEW.data) BEGIN
         INSERT OR IGNORE INTO cashbox_counts (box, value, amount, n) VALUES
           ({_BOX_SQL.format(kind="NEW.kind")}, {_KEY_SQL.format(d="NEW.data")}, 0);
         UPDATE cashbox_counts SET n = n + 1
           WHERE box = {_BOX_SQL.format(kind="NEW.kind")}
             AND value = coalesce(NEW.data -> '$.value', 'null')
             AND amount = coalesce(NEW.data -> '$.amount', 'null');
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS cashbox_counts_exchange AFTER INSERT ON journal
       WHEN NEW.kind = '{EXCHANGE_KIND}' BEGIN
         DELETE FROM cashbox_counts;
       END""",
)
_RECOUNT = (
    "DELETE FROM cashbox_counts",
    f"""INSERT INTO cashbox_counts (box, value, amount, n)
        SELECT {_BOX_SQL.format(kind="kind")}, {_KEY_SQL.format(d="data")}, count(*)
        FROM journal
        WHERE kind IN ({_KINDS_SQL}) AND json_valid(data)
          AND id > (SELECT coalesce(max(id), 0) FROM journal WHERE kind = '{EXCHANGE_KIND}')
        GROUP BY 1, 2, 3""",
)
_READ = "SELECT box, value, amount, n FROM cashbox_counts"


@event.listens_for(JournalEntry.__table__, "after_create")
def _after_create(_table: Any, conn: Connection, **_kw: Any) -> None:
    """A fresh journal holds no notes: an empty counter table is exact from its first entry."""
    if conn.dialect.name == "sqlite":
        for statement in _DDL:
            conn.exec_driver_sql(statement)


def install(engine: Engine) -> bool:
    """Creates the counter table and triggers if missing and recounts them from the journal
    (start-up: one indexed query since the last exchange); False when not SQLite."""
    with engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            return False
        for statement in _DDL + _RECOUNT:
            conn.exec_driver_sql(statement)
    return True
