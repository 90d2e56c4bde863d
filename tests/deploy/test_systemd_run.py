"""The real `kiosk run` under systemd as a transient unit: Type=notify start completes on READY=1,
the STATUS= line shows, a killed kiosk and a hung (SIGSTOPped, so its watchdog starves) kiosk are
both restarted. Needs a running service manager: containers usually have none, and then the test
says so and skips."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

KIOSK = Path(sys.executable).with_name("kiosk")
REPO = Path(__file__).resolve().parents[2]
CONFIG = """
[kiosk]
id = "kiosk-unit"
data_dir = "{data_dir}"
default_language = "en"

[core]
url = "http://127.0.0.1:9"
token_env = "KIOSK_CORE_TOKEN"

[devices.cash]
backend = "essp-emulated"

[devices.printer]
backend = "escpos-emulated"
"""


def _manager() -> list[str]:
    """`[]` for the system manager (root) or `["--user"]`; skips with the reason otherwise."""
    if shutil.which("systemd-run") is None or shutil.which("systemctl") is None:
        pytest.skip("systemd-run/systemctl are not installed (Debian package systemd)")
    if not Path("/run/systemd/system").is_dir():
        pytest.skip("systemd is not the init here (a container?): no manager for a transient unit")
    scope = [] if os.geteuid() == 0 else ["--user"]
    state = subprocess.run(
        ["systemctl", *scope, "is-system-running"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout.strip()
    if state not in ("running", "degraded"):
        pytest.skip(f"the {'user' if scope else 'system'} manager is not usable: {state!r}")
    return scope


def show(scope: list[str], unit: str) -> dict[str, str]:
    out = subprocess.run(
        [
            "systemctl",
            *scope,
            "show",
            unit,
            "-p",
            "ActiveState,SubState,MainPID,NRestarts,StatusText",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def wait_until(
    scope: list[str], unit: str, ok: Callable[[dict[str, str]], bool], timeout_s: float = 120
) -> dict[str, str]:
    """Until the unit's properties satisfy `ok` (systemd's own state changes, not a sleep)."""
    deadline = time.monotonic() + timeout_s
    while True:
        props = show(scope, unit)
        if ok(props):
            return props
        assert time.monotonic() < deadline, props
        time.sleep(0.2)


def test_kiosk_run_as_a_transient_notify_unit_is_restarted_when_killed_or_hung(
    tmp_path: Path,
) -> None:
    scope = _manager()
    tmp_path.chmod(0o755)
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(data_dir=tmp_path / "state"), "utf-8")
    unit = f"kiosk-test-{uuid.uuid4().hex[:8]}"
    start = [
        "systemd-run",
        *scope,
        f"--unit={unit}",
        "--collect",
        "-p",
        "Type=notify",
        "-p",
        "NotifyAccess=main",
        "-p",
        "WatchdogSec=5",
        "-p",
        "TimeoutAbortSec=2",
        "-p",
        "Restart=always",
        "-p",
        "RestartSec=1",
        "-p",
        f"WorkingDirectory={REPO}",
        "--setenv=QT_QPA_PLATFORM=offscreen",
        "--setenv=KIOSK_CORE_TOKEN=unit-test-token-0001",
        str(KIOSK),
        "run",
        "--config",
        str(config),
    ]
    try:
        started = subprocess.run(start, capture_output=True, text=True, timeout=300, check=False)
        assert started.returncode == 0, started.stderr  # returns once READY=1 arrived
        props = show(scope, unit)
        assert props["ActiveState"] == "active"
        assert props["StatusText"] in ("in service", "degraded: core_unreachable")  # no core

        os.kill(int(props["MainPID"]), signal.SIGKILL)  # a crashed kiosk
        props = wait_until(
            scope, unit, lambda p: int(p["NRestarts"]) >= 1 and p["SubState"] == "running"
        )
        os.kill(int(props["MainPID"]), signal.SIGSTOP)  # a hung kiosk: no more pings
        wait_until(scope, unit, lambda p: int(p["NRestarts"]) >= 2 and p["SubState"] == "running")
    finally:
        subprocess.run(
            ["systemctl", *scope, "stop", unit], capture_output=True, timeout=120, check=False
        )
