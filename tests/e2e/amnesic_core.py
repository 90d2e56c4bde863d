"""A faulty reference core for the kill test's own test: it forgets its bookings on every start.

    python -m tests.e2e.amnesic_core DB_URL      (as bench/queue_kill_core.py)

A core restarted on an empty store (a wrong database URL after a failover, a restore from an old
backup) books every re-send as new. The kill test must catch that from the request log - which
this core keeps - as payments booked twice; a test that cannot fail on such a core proves nothing.
"""

from __future__ import annotations

import sys

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bench.queue_kill_core import AnnouncingStore, main
from core_system.store import TransactionRow


class AmnesicStore(AnnouncingStore):
    """Starts with its transactions gone (the request log stays: it is the witness)."""

    def create_schema(self) -> None:
        super().create_schema()
        with Session(self._engine) as s, s.begin():
            s.execute(delete(TransactionRow))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], AmnesicStore))
