"""The `kiosk` command answers --help on every level and explains a bad config in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [
    [],
    ["demo"],
    ["run"],
    ["check-config"],
    ["core"],
    ["core", "serve"],
    ["emulate"],
    ["emulate", "essp"],
    ["emulate", "printer"],
    ["emulate", "cctalk"],
    ["emulate", "stripe"],
    ["card", "swipe"],
]


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kiosk")
def test_help_on_every_level(command: list[str]) -> None:
    result = kiosk(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: kiosk")


def test_bad_config_stops_with_the_key_named(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\nid = "k1"\ndata_dir = "/tmp/x"\n')
    result = kiosk("check-config", str(config))
    assert result.returncode == 2
    assert "config key 'core'" in result.stderr
    assert "Traceback" not in result.stderr


def test_core_serve_refuses_to_start_without_tokens() -> None:
    result = kiosk("core", "serve", "--port", "0", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "CORE_KIOSK_TOKENS" in result.stderr
