"""The telemetry heartbeat: the health snapshot to the core's `/v1/telemetry` every N seconds.

Fire-and-forget on its own thread and its own HTTP session: a heartbeat is never queued, never
retried and never waits behind a money batch (the sync worker has its own session), and a core
that is away costs one failed request per interval. The same thread refreshes the service board
(attract banner, menu gating) every `refresh_s` and keeps `health.json` in the data directory,
the last snapshot a diagnostic bundle carries.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from kiosk.errors import KioskError
from kiosk.technician.health import HealthSnapshot

log = logging.getLogger(__name__)


class Poster(Protocol):
    def post_json(self, path: str, body: Any) -> Any: ...


class SnapshotSource(Protocol):
    def snapshot(self) -> HealthSnapshot: ...


class TelemetryWorker:
    def __init__(
        self,
        monitor: SnapshotSource,
        http: Poster,
        *,
        interval_s: float = 60.0,
        refresh_s: float = 5.0,
        health_file: Path | None = None,
        on_snapshot: Callable[[HealthSnapshot], None] | None = None,
    ) -> None:
        self._monitor = monitor
        self._http = http
        self._interval_s = interval_s
        self._refresh_s = min(refresh_s, interval_s)
        self._health_file = health_file
        self._on_snapshot = on_snapshot
        self._stop = threading.Event()
        self._refreshing = threading.Lock()  # one snapshot at a time: the newest always wins
        self._thread: threading.Thread | None = None
        self.sent = 0  # heartbeats the core accepted
        self.failed = 0

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="telemetry", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ends the thread and closes the worker's own HTTP session (it owns it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)  # at most one request's timeout
            self._thread = None
        close = getattr(self._http, "close", None)
        if close is not None:
            close()

    def _run(self) -> None:
        since_beat = self._interval_s  # the first heartbeat goes out at start-up
        while not self._stop.is_set():
            snapshot = self.refresh()
            if snapshot is not None and since_beat >= self._interval_s:
                self.send(snapshot)
                since_beat = 0.0
            if self._stop.wait(self._refresh_s):
                return
            since_beat += self._refresh_s

    def refresh(self) -> HealthSnapshot | None:
        """One snapshot: board updated, health.json rewritten. Never raises (a broken disk or
        device must not kill the worker that reports it). Also called directly (maintenance
        mode after a repair, tests): serialised, so an older snapshot never lands last."""
        with self._refreshing:
            try:
                snapshot = self._monitor.snapshot()
            except (KioskError, OSError) as exc:
                log.warning("health snapshot failed: %s", exc)
                return None
            if self._on_snapshot is not None:
                self._on_snapshot(snapshot)
            if self._health_file is not None:
                self._write(snapshot)
            return snapshot

    def _write(self, snapshot: HealthSnapshot) -> None:
        assert self._health_file is not None
        tmp = self._health_file.with_name(self._health_file.name + ".tmp")
        try:
            tmp.write_text(json.dumps(snapshot.wire(), ensure_ascii=False), "utf-8")
            os.replace(tmp, self._health_file)
        except OSError as exc:
            log.warning("health.json not written: %s", exc)

    def send(self, snapshot: HealthSnapshot) -> bool:
        try:
            self._http.post_json("/v1/telemetry", snapshot.wire())
        except KioskError as exc:
            self.failed += 1
            log.info("telemetry not sent (%s); the next heartbeat will carry the state", exc)
            return False
        self.sent += 1
        return True


def wire_health(
    *,
    board: Any,
    devices: dict[str, Any],
    outbox: Any,
    engine: Any,
    clock: Any,
    config: Any,
    http: Poster,
    core_reachable: Callable[[], bool],
) -> tuple[Any, TelemetryWorker]:
    """The composition root's one call: the monitor over the kiosk's devices (cashbox counts
    from the journal added to the note acceptor) and the worker that feeds the board, writes
    health.json and sends the heartbeat."""
    from kiosk import __version__
    from kiosk.money.cash.counters import cashbox_counts_sql
    from kiosk.technician.health import HealthMonitor

    options = config.devices["cash"].options

    def counts() -> Any:
        return cashbox_counts_sql(
            engine,
            config.currency,
            capacity=int(options.get("cashbox_capacity", 1000)),
            near_full=int(options.get("cashbox_near_full", 900)),
        )

    monitor = HealthMonitor(
        {k: v for k, v in devices.items() if v is not None},
        outbox,
        clock,
        version=__version__,
        data_dir=config.data_dir,
        kiosk_id=config.kiosk_id,
        supplies={"cash": lambda: counts().supplies()},
        counters={
            "cash": lambda: {f"notes_{v}": n for v, n in counts().notes.items()},
            "card_reader": lambda: {"cards_retained": cards_retained(engine)},
        },
        core_reachable=core_reachable,
    )
    worker = TelemetryWorker(
        monitor,
        http,
        interval_s=config.telemetry.interval_s,
        refresh_s=config.telemetry.refresh_s,
        health_file=config.data_dir / "health.json",
        on_snapshot=board.update,
    )
    return monitor, worker


def cards_retained(engine: Any) -> int:
    """Cards in the retain bin by the journal: captured retains since the bin was last emptied
    (the same rule as kiosk.card.handling, read with one indexed query per snapshot)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from kiosk.money.journal import JournalBase, JournalEntry

    JournalBase.metadata.create_all(engine)
    count = 0
    query = (
        select(JournalEntry.kind, JournalEntry.data)
        .where(JournalEntry.kind.in_(("card_retained", "card_bin_emptied")))
        .order_by(JournalEntry.id)
    )
    with Session(engine) as session:
        for kind, data in session.execute(query):
            if kind == "card_bin_emptied":
                count = 0
            elif json.loads(data).get("captured"):
                count += 1
    return count
