"""The locked-down session comes up: cage on the headless wlroots backend, the kiosk window on
it (QT_QPA_PLATFORM=wayland, emulated devices, no core), READY=1 on a NOTIFY_SOCKET of the test's
own, and grim's screenshot of the compositor shows the attract screen, not a blank output.

cage refuses to run as root (it drops privileges and checks they cannot come back), so as root
the compositor runs as `nobody`. When that user can run the checkout's interpreter the test runs
the real recipe (cage -> deploy/cage/kiosk-session's command line -> kiosk run); when it cannot
(a venv whose Python lives under /root, as on a developer's container) the kiosk connects to
cage's socket as a separate client instead — the same window and protocol, started differently.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.runtime.notify_sink import NotifySink

REPO = Path(__file__).resolve().parents[2]
SESSION = REPO / "deploy" / "cage" / "kiosk-session"
KIOSK = Path(sys.executable).with_name("kiosk")
CONFIG = """
[kiosk]
id = "kiosk-cage"
data_dir = "{data_dir}"
default_language = "en"

[core]
url = "http://127.0.0.1:9"
token_env = "KIOSK_CORE_TOKEN"

[devices.cash]
backend = "essp-emulated"

[devices.printer]
backend = "escpos-emulated"

[logging]
target = "stderr"
"""


def _missing() -> str:
    if sys.platform != "linux":
        return "cage is a Linux compositor"
    for tool, package in (("cage", "cage"), ("Xwayland", "xwayland")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian package {package}; scripts/setup.sh)"
    if not KIOSK.exists():
        return f"no kiosk entry point next to {sys.executable}"
    return ""


def _as_user(user: str | None) -> dict[str, Any]:
    return {} if user is None else {"user": user, "group": "nogroup", "extra_groups": []}


def _can_run_checkout(user: str) -> bool:
    """Whether `user` can start the checkout's interpreter and import the kiosk."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import kiosk"],
            cwd=REPO,
            capture_output=True,
            timeout=120,
            check=False,
            **_as_user(user),
        )
    except PermissionError:  # the interpreter itself is out of the user's reach
        return False
    return done.returncode == 0


@pytest.fixture
def sink() -> Iterator[NotifySink]:
    s = NotifySink()
    yield s
    s.close()


def wait_for_path(path: Path, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Until cage has made its socket (or died: then fail at once, with its own words)."""
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert proc.poll() is None, f"cage exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"cage made no socket in {timeout_s} s"
        time.sleep(0.05)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A directory `nobody` can reach (pytest's tmp_path sits under a 0700 directory of root's),
    with paths short enough for a Wayland socket address."""
    path = Path(tempfile.mkdtemp(prefix="cage-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_cage_brings_the_kiosk_up_full_screen(short_tmp: Path, sink: NotifySink) -> None:
    if reason := _missing():
        pytest.skip(reason)
    tmp_path = short_tmp
    user = "nobody" if os.geteuid() == 0 else None
    recipe = user is None or _can_run_checkout(user)
    for name in ("wayland", "client", "state"):
        (tmp_path / name).mkdir(mode=0o700)
    tmp_path.chmod(0o755)
    if user is not None:
        shutil.chown(tmp_path / "wayland", user)
        if recipe:
            shutil.chown(tmp_path / "state", user)
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(data_dir=tmp_path / "state"), "utf-8")
    config.chmod(0o644)
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    kiosk_env = {"NOTIFY_SOCKET": sink.address, "KIOSK_CORE_TOKEN": "cage-test-token-000"}
    compositor = base | {
        "XDG_RUNTIME_DIR": str(tmp_path / "wayland"),
        "WLR_BACKENDS": "headless",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "WLR_RENDERER": "pixman",
    }
    if recipe:  # the session script's own command line, with this checkout's kiosk
        command = ["sh", str(SESSION)]
        compositor |= kiosk_env | {
            "KIOSK_BIN": str(KIOSK),
            "KIOSK_CONFIG": str(config),
            "RUNTIME_DIRECTORY": str(tmp_path / "wayland"),
        }
    else:
        command = ["cage", "-d", "--", "sleep", "600"]
    log = (tmp_path / "cage.log").open("wb")
    cage = subprocess.Popen(
        command, env=compositor, stdout=log, stderr=log, start_new_session=True, **_as_user(user)
    )
    kiosk: subprocess.Popen[bytes] | None = None
    try:
        if not recipe:
            wait_for_path(tmp_path / "wayland" / "wayland-0", cage, 60)
            client = (
                base
                | kiosk_env
                | {
                    "QT_QPA_PLATFORM": "wayland",
                    "QT_WAYLAND_DISABLE_WINDOWDECORATION": "1",
                    "WAYLAND_DISPLAY": str(tmp_path / "wayland" / "wayland-0"),
                    "XDG_RUNTIME_DIR": str(tmp_path / "client"),
                }
            )
            kiosk = subprocess.Popen(
                [str(KIOSK), "run", "--config", str(config)], env=client, stdout=log, stderr=log
            )
        seen = sink.wait_for("READY=1", timeout_s=180)
        assert seen and "READY=1" in seen[-1].splitlines(), (seen, _tail(tmp_path / "cage.log"))
        assert seen[-1] == "READY=1\nSTATUS=in service"
        if shutil.which("grim"):
            _assert_screenshot_shows_the_kiosk(tmp_path, compositor, user)
    finally:
        if kiosk is not None:
            kiosk.terminate()
            kiosk.wait(60)
        os.killpg(cage.pid, signal.SIGTERM)  # cage and its client: one process group
        cage.wait(60)
        log.close()


def _assert_screenshot_shows_the_kiosk(
    tmp_path: Path, env: dict[str, str], user: str | None
) -> None:
    from PySide6.QtGui import QImage

    shot = tmp_path / "wayland" / "screen.png"
    done = subprocess.run(
        ["grim", str(shot)], env=env, capture_output=True, timeout=60, check=False, **_as_user(user)
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 640
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, 200, 3)}
    assert len(colours) > 20, "a blank output: the kiosk window is not on the screen"


def _tail(path: Path) -> str:
    return path.read_text("utf-8", "replace")[-3000:] if path.exists() else ""


def test_the_session_script_starts_the_kiosk_as_cages_only_client(short_tmp: Path) -> None:
    """deploy/cage/kiosk-session's plumbing, whatever interpreter the machine has: cage starts
    KIOSK_BIN (here a shell stand-in that records what it was given, then exits, which ends
    cage) on Wayland, in the unit's RuntimeDirectory, without the WATCHDOG_PID meant for cage."""
    if reason := _missing():
        pytest.skip(reason)
    user = "nobody" if os.geteuid() == 0 else None
    runtime = short_tmp / "run"
    runtime.mkdir(mode=0o700)
    short_tmp.chmod(0o755)
    if user is not None:
        shutil.chown(runtime, user)
    stand_in = short_tmp / "kiosk"
    stand_in.write_text(
        '#!/bin/sh\n{ echo "args=$*"; env | sort; } > "$XDG_RUNTIME_DIR/seen"\n', "utf-8"
    )
    stand_in.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")} | {
        "RUNTIME_DIRECTORY": str(runtime),
        "WLR_BACKENDS": "headless",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "WLR_RENDERER": "pixman",
        "KIOSK_BIN": str(stand_in),
        "KIOSK_CONFIG": "/etc/kiosk/kiosk.toml",
        "WATCHDOG_PID": "4242",
        "WATCHDOG_USEC": "60000000",
    }
    done = subprocess.run(
        ["sh", str(SESSION)],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
        **_as_user(user),
    )
    seen = (runtime / "seen").read_text("utf-8").splitlines()
    assert "args=run --config /etc/kiosk/kiosk.toml" in seen, done.stderr
    assert f"XDG_RUNTIME_DIR={runtime}" in seen and "QT_QPA_PLATFORM=wayland" in seen
    assert any(line.startswith("WAYLAND_DISPLAY=wayland-") for line in seen)
    assert "WATCHDOG_USEC=60000000" in seen
    assert not any(line.startswith("WATCHDOG_PID=") for line in seen)
