"""kiosk.spec builds a frozen kiosk that runs the demo journey on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(600)
def test_pyinstaller_spec_builds_a_kiosk_that_pays_a_bill(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
            "--distpath", str(tmp_path / "dist"), "--workpath", str(tmp_path / "build"),
            str(ROOT / "kiosk.spec"),
        ],
        capture_output=True, text=True, timeout=540, cwd=tmp_path,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    frozen = tmp_path / "dist" / "kiosk" / "kiosk"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = tmp_path / "demo-out"
    run = subprocess.run(
        [str(frozen), "demo", "--headless", "--out", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads((out / "summary.json").read_text("utf-8"))["synced"] is True
