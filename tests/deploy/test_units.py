"""deploy/: the unit verifies with systemd-analyze, holds the settings issue 15 asks for, the
session script cannot switch VTs, and install.sh stages everything idempotently."""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.runtime.crash_loop import DEFAULT_LIMIT, DEFAULT_WINDOW_S

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "systemd" / "kiosk.service"
SESSION = REPO / "deploy" / "cage" / "kiosk-session"
INSTALL = REPO / "deploy" / "install.sh"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign] - keys are case-sensitive
    parser.read(UNIT)
    return parser


def test_the_unit_verifies_with_systemd_analyze(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    # ExecStart= must exist to verify: point it at the repo's copy of the session script.
    text = UNIT.read_text("utf-8").replace(
        "ExecStart=/usr/lib/kiosk/", f"ExecStart={SESSION.parent}/"
    )
    (tmp_path / "kiosk.service").write_text(text, "utf-8")
    done = subprocess.run(
        [tool, "verify", str(tmp_path / "kiosk.service")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Unknown keys and bad values are only warnings (exit 0): any output at all is a failure.
    assert done.returncode == 0 and not done.stdout and not done.stderr, done.stderr


def test_the_unit_is_a_watched_hardened_unprivileged_notify_service() -> None:
    service, section = unit()["Service"], unit()["Unit"]
    assert service["Type"] == "notify" and service["NotifyAccess"] == "all"
    assert int(service["WatchdogSec"]) >= 30
    assert service["Restart"] == "always" and service["User"] == "kiosk"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "StateDirectory": "kiosk",
        "ReadWritePaths": "/var/lib/kiosk",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[key] == value, key
    # The kiosk's own crash-loop screen must come before systemd gives up on the unit.
    burst, interval = int(section["StartLimitBurst"]), int(section["StartLimitIntervalSec"])
    assert burst > DEFAULT_LIMIT + 1 and interval >= DEFAULT_WINDOW_S


def test_the_session_allows_no_vt_switching_and_feeds_the_watchdog_from_the_kiosk() -> None:
    exec_line = next(
        line for line in SESSION.read_text("utf-8").splitlines() if line.startswith("exec ")
    )
    assert " -s" not in exec_line  # cage's -s would allow Ctrl+Alt+Fn
    assert "env -u WATCHDOG_PID" in exec_line and '"$KIOSK_BIN" run --config' in exec_line
    assert SESSION.stat().st_mode & stat.S_IXUSR


def run_install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALL), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_install_stages_every_file_once_and_keeps_a_sites_config(tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = run_install("--root", str(root), "--kiosk-bin", "/srv/kiosk/kiosk")
    assert first.returncode == 0, first.stderr
    assert "unit installed" in first.stdout
    installed = root / "etc/systemd/system/kiosk.service"
    assert "KIOSK_BIN=/srv/kiosk/kiosk " in installed.read_text("utf-8")
    assert os.access(root / "usr/lib/kiosk/kiosk-session", os.X_OK)
    assert (root / "etc/pam.d/kiosk-session").is_file()
    assert stat.S_IMODE((root / "etc/kiosk/secrets.env").stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "var/lib/kiosk").stat().st_mode) == 0o700
    config = root / "etc/kiosk/kiosk.toml"
    assert 'data_dir = "/var/lib/kiosk"' in config.read_text("utf-8")
    if shutil.which("systemd-analyze"):
        assert "systemd-analyze verify: kiosk.service ok" in first.stdout

    config.write_text("# the site's own config\n", "utf-8")
    again = run_install("--root", str(root), "--kiosk-bin", "/srv/kiosk/kiosk")
    assert again.returncode == 0, again.stderr
    assert "unit installed" not in again.stdout  # nothing changed, nothing rewritten
    assert config.read_text("utf-8") == "# the site's own config\n"


def test_install_refuses_unknown_options() -> None:
    done = run_install("--frobnicate")
    assert done.returncode == 2 and "unknown option" in done.stderr
