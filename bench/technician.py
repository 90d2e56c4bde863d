"""Health snapshot and telemetry heartbeat cost, on the emulated devices and the reference core.

    .venv/bin/python -m bench.technician [--runs 30]

(a) HealthMonitor.snapshot() over the demo's devices (eSSP note acceptor, ESC/POS printer on a
    pty, ccTalk coin acceptor, headphone jack) and a SQLite outbox; baseline in the same run:
    the printer's own status() query alone, the one wire round trip a snapshot cannot avoid.
(b) One heartbeat (snapshot.wire() as JSON, POST /v1/telemetry, the core stores it); baseline:
    GET /v1/billers on the same kind of session, the smallest authenticated round trip.
Medians of --runs, runs interleaved with their baselines.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from core_system.server import CoreServer
from core_system.store import Store
from kiosk import __version__
from kiosk.clock import SystemClock
from kiosk.i18n import load_catalog
from kiosk.runtime.registry import default_registry
from kiosk.technician.health import HealthMonitor
from kiosk.technician.selftests_rig import emulated_config, open_devices
from kiosk.technician.telemetry import TelemetryWorker
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _row(name: str, kiosk: list[float], base: list[float], base_name: str) -> None:
    k, b = statistics.median(kiosk), statistics.median(base)
    print(f"{name:<22} {k:8.2f} ms   {base_name:<22} {b:8.2f} ms   ratio {k / b:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-tech-") as tmp:
        root = Path(tmp)
        config = emulated_config(root / "data")
        opened = open_devices(config, default_registry(), load_catalog(), work_dir=root / "w")
        engine = make_engine(f"sqlite:///{root / 'kiosk.db'}")
        outbox = Outbox(engine, config.kiosk_id, SystemClock())
        outbox.create_schema()
        store = Store(f"sqlite:///{root / 'core.db'}")
        store.create_schema()
        store.seed_demo()
        core = CoreServer(store, kiosk_tokens={config.kiosk_id: "bench-token"})
        url = core.start()
        http, base_http = (CoreHttp(url, config.kiosk_id, "bench-token") for _ in range(2))
        try:
            monitor = HealthMonitor(
                opened.devices,
                outbox,
                SystemClock(),
                version=__version__,
                data_dir=root,
                kiosk_id=config.kiosk_id,
            )
            worker = TelemetryWorker(monitor, http)
            printer = opened.devices["printer"]
            snap, status, beat, billers = [], [], [], []
            for _ in range(args.runs):
                snap.append(_ms(monitor.snapshot))
                status.append(_ms(printer.status))
                snapshot = monitor.snapshot()
                beat.append(_ms(lambda s=snapshot: worker.send(s)))
                billers.append(_ms(lambda: base_http.get_json("/v1/billers")))
            assert worker.failed == 0 and store.last_telemetry(config.kiosk_id, "heartbeat")
            print(f"bench.technician: medians of {args.runs} runs")
            _row("snapshot (4 devices)", snap, status, "printer.status()")
            _row("heartbeat POST", beat, billers, "GET /v1/billers")
        finally:
            http.close()
            base_http.close()
            core.stop()
            store.close()
            opened.close()
            engine.dispose()


if __name__ == "__main__":
    main()
