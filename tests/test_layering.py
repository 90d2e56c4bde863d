"""Qt stays in screens/: the headless core, drivers, queue and reference core never import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLESS = ("kiosk", "drivers", "offline_queue", "core_system")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_headless_module_imports_qt_or_screens() -> None:
    offenders = []
    for package in HEADLESS:
        for path in (ROOT / package).rglob("*.py"):
            bad = _imports(path) & {"PySide6", "shiboken6", "screens"}
            # The CLI may hand a window to screens/ lazily; it never imports Qt itself.
            if path.relative_to(ROOT).as_posix() == "kiosk/cli/main.py":
                bad -= {"screens"}
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_importing_every_headless_module_loads_no_qt() -> None:
    modules = []
    for package in HEADLESS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules.append(".".join(p for p in parts if p != "__init__"))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'screens'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
