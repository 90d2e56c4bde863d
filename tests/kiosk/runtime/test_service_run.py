"""`kiosk run`'s service path with the real runtime (emulated devices, no core): READY and the
watchdog from the pumped loop, the threads the watchdog watches, JSON log lines with no secret in
any of them, and the crash-loop guard's out-of-service start."""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.clock import FakeClock, SystemClock
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.runtime.app import KioskRuntime, build_kiosk
from kiosk.runtime.config import KioskConfig, parse_config
from kiosk.runtime.crash_loop import CrashLoopGuard
from kiosk.runtime.registry import default_registry
from kiosk.runtime.service import run_service
from kiosk.runtime.supervisor import PumpedController
from kiosk.technician.entry_config import hash_pin
from tests.kiosk.runtime.notify_sink import NotifySink

TOKEN = "tok-Zq8vLx2Rm4Kd7Pw1"
JOURNAL_KEY = "jkey-Hn3Tb9Wc6Ys5Vf0G"
PIN = "864209"
PIN_HASH = hash_pin(PIN, b"service-run-salt")  # the field strength config loading wants
CATALOG = load_catalog()


def config_for(tmp_path: Path, env: dict[str, str], **logging_table: object) -> KioskConfig:
    raw = {
        "kiosk": {"id": "kiosk-svc", "data_dir": str(tmp_path / "state"), "default_language": "en"},
        "core": {"url": "http://127.0.0.1:9", "token_env": "SVC_TOKEN", "read_timeout": 1.0},
        "devices": {
            "cash": {"backend": "essp-emulated"},
            "printer": {"backend": "escpos-emulated"},
        },
        "journal": {"key_env": "SVC_JOURNAL_KEY"},
        "technician": {"pin_hash_env": "SVC_PIN_HASH"},
        "logging": {"target": "file", "level": "DEBUG", **logging_table},
    }
    return parse_config(raw, env)


@pytest.fixture
def env() -> dict[str, str]:
    return {"SVC_TOKEN": TOKEN, "SVC_JOURNAL_KEY": JOURNAL_KEY, "SVC_PIN_HASH": PIN_HASH}


@pytest.fixture
def sink() -> Iterator[NotifySink]:
    s = NotifySink()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def pump_until(controller: PumpedController, screen_id: str, timeout: float = 30.0) -> None:
    """Pumps as the window's timer would until the journey shows `screen_id` (an event wait:
    the deadline is only there so a broken build fails instead of hanging)."""
    deadline = time.monotonic() + timeout
    while controller.current_screen().screen_id != screen_id:
        assert time.monotonic() < deadline, controller.current_screen().screen_id
        controller.pump()
        time.sleep(0.01)
    controller.pump()


def test_run_service_reports_ready_watches_threads_and_logs_no_secret(
    tmp_path: Path, env: dict[str, str], sink: NotifySink
) -> None:
    config = config_for(tmp_path, env)
    env |= {"NOTIFY_SOCKET": sink.address, "WATCHDOG_USEC": "60000000"}
    env["WATCHDOG_PID"] = str(os.getpid())
    built: list[KioskRuntime] = []
    reached: list[str] = []

    def build() -> KioskRuntime:
        runtime = build_kiosk(
            config,
            clock=SystemClock(),
            registry=default_registry(),
            catalog=CATALOG,
            receipts_dir=tmp_path / "receipts",
        )
        built.append(runtime)
        return runtime

    def show(controller: PumpedController) -> int:
        """A technician at the attract screen: hidden sequence, PIN, into maintenance mode."""
        pump_until(controller, "attract")
        for key in ("cancel", "cancel", "clear", "enter", "0", "0", "0"):
            controller.press(Key(key))
            controller.pump()
        pump_until(controller, "tech_pin")
        for digit in PIN:
            controller.press(Key(digit))
            controller.pump()
        controller.press(Key.ENTER)
        pump_until(controller, "tech_menu")
        reached.append(controller.current_screen().screen_id)
        return 0

    code = run_service(
        config, clock=SystemClock(), catalog=CATALOG, build=build, show=show, env=env
    )

    assert code == 0 and reached == ["tech_menu"]
    messages = sink.messages()
    assert messages[0] == "STATUS=starting: recovery, devices, sync"
    assert "READY=1\nSTATUS=in service" in messages and "WATCHDOG=1" in messages
    assert messages[-1] == "STOPPING=1\nSTATUS=stopping: closing devices"
    lines = (config.data_dir / "logs" / "kiosk.jsonl").read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"ts", "level", "logger", "thread", "msg"} <= set(records[0])
    watched = next(r["msg"] for r in records if r["msg"].startswith("watchdog watches"))
    for name in ("ui", "printer-io", "core-lookups", "outbox-sync", "speech"):
        assert name in watched
    assert any(r["level"] == "DEBUG" for r in records)  # the most talkative level was on
    secrets = [TOKEN, JOURNAL_KEY, PIN, PIN_HASH, *PIN_HASH.split("$")[2:]]
    for line in lines:
        for secret in secrets:
            assert secret not in line, (secret, line)
    assert built[0].started is False  # stopped on the way out


def test_a_crash_loop_starts_out_of_service_without_opening_a_device(
    tmp_path: Path, env: dict[str, str], sink: NotifySink
) -> None:
    config = config_for(tmp_path, env)
    env |= {"NOTIFY_SOCKET": sink.address}
    clock = FakeClock()
    guard = CrashLoopGuard(config.data_dir, clock)
    for _ in range(5):
        guard.record_start()
    shown: list[str] = []

    def build() -> KioskRuntime:
        raise AssertionError("out of service: nothing may be built or opened")

    def show(controller: PumpedController) -> int:
        controller.pump()
        screen = controller.current_screen()
        controller.press(Key.ENTER)  # ignored: there is no journey
        assert controller.pump() is None
        shown.append(f"{screen.screen_id}: {screen.message}")
        return 0

    run_service(config, clock=clock, catalog=CATALOG, build=build, show=show, env=env)

    assert shown == [
        "attract: Temporarily out of service, please try again later / 暂停服务，请稍后再试"
    ]
    status = "out of service: crash loop, 6 starts in 600 s (limit 5)"
    assert sink.messages() == [f"STATUS={status}", f"READY=1\nSTATUS={status}", "STOPPING=1"]
    log_text = (config.data_dir / "logs" / "kiosk.jsonl").read_text("utf-8")
    assert "technician alert: out of service: crash loop" in log_text

    shown.clear()
    run_service(
        config,
        clock=clock,
        catalog=CATALOG,
        build=build_for(config, tmp_path),
        show=lambda controller: _attract(controller, shown),
        env=env,
        reset_crash_loop=True,
    )
    assert shown == ["attract"]  # the technician fixed it: a normal start


def build_for(config: KioskConfig, tmp_path: Path) -> Callable[[], KioskRuntime]:
    return lambda: build_kiosk(
        config,
        clock=SystemClock(),
        registry=default_registry(),
        catalog=CATALOG,
        receipts_dir=tmp_path / "receipts",
    )


def _attract(controller: PumpedController, shown: list[str]) -> int:
    pump_until(controller, "attract")
    shown.append(controller.current_screen().screen_id)
    return 0


def test_sigterm_stops_at_the_next_pump_and_closes_the_devices(
    tmp_path: Path, env: dict[str, str], sink: NotifySink
) -> None:
    """`systemctl stop` sends SIGTERM; the handler only asks, the next pump closes everything."""
    config = config_for(tmp_path, env)
    env |= {"NOTIFY_SOCKET": sink.address}
    built: list[KioskRuntime] = []

    def build() -> KioskRuntime:
        built.append(build_for(config, tmp_path)())
        return built[-1]

    def show(controller: PumpedController) -> int:
        pump_until(controller, "attract")
        signal.raise_signal(signal.SIGTERM)
        assert built[0].started  # nothing stopped inside the handler itself
        controller.pump()
        raise AssertionError("the pump after SIGTERM must stop the kiosk")

    with pytest.raises(SystemExit) as stopped:
        run_service(config, clock=SystemClock(), catalog=CATALOG, build=build, show=show, env=env)
    assert stopped.value.code == 0 and not built[0].started
    assert sink.messages()[-1] == "STOPPING=1\nSTATUS=stopping: closing devices"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler was put back


def test_only_a_run_that_did_not_end_cleanly_counts_towards_a_crash_loop(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config = config_for(tmp_path, env)
    clock = FakeClock()
    build = build_for(config, tmp_path)

    def crash(controller: PumpedController) -> int:
        pump_until(controller, "attract")
        raise RuntimeError("the window died")

    for _ in range(3):  # technicians restarting it: clean stops
        run_service(config, clock=clock, catalog=CATALOG, build=build, show=_ok, env=env)
    with pytest.raises(RuntimeError):
        run_service(config, clock=clock, catalog=CATALOG, build=build, show=crash, env=env)
    assert CrashLoopGuard(config.data_dir, clock).record_start().recent == 2  # the crash + now


def _ok(controller: PumpedController) -> int:
    return _attract(controller, [])
