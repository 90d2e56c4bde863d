"""Service state in the running kiosk: the attract banner, menu gating, and the heartbeat that
reaches the reference core (a real HTTP server on loopback, the demo's emulated devices)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceHealth, DeviceState
from drivers.cash.essp_emulator import Fault
from kiosk.clock import SystemClock
from kiosk.demo.env import DEMO_KIOSK_ID, DemoEnvironment, start_demo
from kiosk.errors import CoreError, DeviceError
from kiosk.events import Key, KeyPressed
from kiosk.technician.health import HealthMonitor, HealthSnapshot
from kiosk.technician.selftests_report import EmptyQueue
from kiosk.technician.service_state import ServiceState
from kiosk.technician.telemetry import TelemetryWorker
from offline_queue.http import CoreHttp


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoEnvironment]:
    env = start_demo(tmp_path / "demo", language="en")
    yield env
    env.stop()


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def _refresh(env: DemoEnvironment) -> HealthSnapshot:
    worker = env.runtime.telemetry
    assert worker is not None
    snapshot = worker.refresh()
    assert snapshot is not None
    return snapshot


def test_heartbeat_reaches_the_core_at_start_up(demo: DemoEnvironment) -> None:
    _wait(lambda: demo.core_store.last_telemetry(DEMO_KIOSK_ID, "heartbeat") is not None)
    beat = demo.core_store.last_telemetry(DEMO_KIOSK_ID, "heartbeat")
    assert beat is not None and beat["kiosk_id"] == DEMO_KIOSK_ID
    assert beat["service_state"] == "in_service" and beat["version"]
    devices = {d["device_id"]: d for d in beat["devices"]}
    assert devices["printer"]["supplies"]["paper"] == "ready"
    assert devices["cash"]["supplies"]["cashbox"] == "ok" and "queue" in beat


def test_paper_out_is_announced_on_attract_hides_reprint_and_is_reported(
    demo: DemoEnvironment,
) -> None:
    runtime = demo.runtime
    assert runtime.session.screen().message == ""  # in service: no banner
    demo.printer_emulator.set_paper("out")
    snapshot = _refresh(demo)
    assert snapshot.service_state is ServiceState.DEGRADED
    assert "printer_paper_out" in snapshot.degraded_reasons
    attract = runtime.session.screen()
    assert "out of paper" in attract.message and "缺纸" in attract.message  # en + zh_CN
    assert attract.message in attract.visible_texts()  # so voice mode speaks it too
    # the menu no longer offers the print-only service
    runtime.session.handle(KeyPressed(Key.ENTER))
    runtime.session.handle(KeyPressed(Key.D2))
    menu = runtime.session.screen()
    labels = [c.label for c in menu.choices]
    assert "Reprint a receipt" not in labels and "Pay a utility bill" in labels
    assert runtime.telemetry is not None and runtime.telemetry.send(snapshot)
    beat = demo.core_store.last_telemetry(DEMO_KIOSK_ID, "heartbeat")
    assert beat is not None and beat["degraded_reasons"] == ["printer_paper_out"]
    saved = json.loads((runtime.config.data_dir / "health.json").read_text("utf-8"))
    assert saved["service_state"] == "degraded"


def test_cashbox_removed_hides_cash_and_says_so(demo: DemoEnvironment) -> None:
    demo.cash_emulator.inject(Fault.CASHBOX_REMOVED)
    _wait(lambda: demo.runtime.cash.device.health().state is DeviceState.USER_ERROR)
    snapshot = _refresh(demo)
    assert snapshot.degraded_reasons == ("cashbox_removed",)
    assert "cash" not in snapshot.tenders
    assert "cash is not accepted" in demo.runtime.session.screen().message


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_heartbeat_to_an_unreachable_core_is_dropped_not_queued(demo: DemoEnvironment) -> None:
    runtime = demo.runtime
    assert runtime.health is not None
    http = CoreHttp(f"http://127.0.0.1:{_closed_port()}", DEMO_KIOSK_ID, "tok", connect_timeout=0.5)
    worker = TelemetryWorker(runtime.health, http)
    before = runtime.outbox.status()
    assert worker.send(runtime.health.snapshot()) is False
    assert worker.failed == 1
    after = runtime.outbox.status()
    assert (after.pending, after.in_flight) == (before.pending, before.in_flight)
    worker.stop()


class FlakyCore:
    """The core's telemetry endpoint, down for the first `down` requests."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.bodies: list[dict] = []
        self.closed = False

    def post_json(self, path: str, body: dict) -> dict:
        assert path == "/v1/telemetry"
        if self.down > 0:
            self.down -= 1
            raise CoreError("connection refused", transient=True)
        self.bodies.append(body)
        return {"status": "accepted"}

    def close(self) -> None:
        self.closed = True


class BrokenDevice:
    def health(self) -> DeviceHealth:
        raise DeviceError("serial port vanished")


def test_worker_keeps_beating_through_a_core_outage_and_a_broken_device(tmp_path: Path) -> None:
    monitor = HealthMonitor(
        {"printer": BrokenDevice()},
        EmptyQueue(),
        SystemClock(),
        version="1",
        data_dir=tmp_path,
    )
    core = FlakyCore(down=2)
    worker = TelemetryWorker(
        monitor, core, interval_s=0.01, refresh_s=0.01, health_file=tmp_path / "health.json"
    )
    worker.start()
    try:
        _wait(lambda: len(core.bodies) >= 2)
    finally:
        worker.stop()
    assert worker.failed == 2 and worker.sent >= 2 and core.closed
    device = core.bodies[-1]["devices"][0]
    assert device["state"] == "offline" and "serial port vanished" in device["detail"]
    assert core.bodies[-1]["service_state"] == "out_of_service"
    saved = json.loads((tmp_path / "health.json").read_text("utf-8"))
    assert saved["devices"][0]["last_error"]["detail"].startswith("health not readable")
