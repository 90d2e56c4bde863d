"""UI fast path: key press -> screen painted, and widgets/RSS over many sessions (issue 18).

    .venv/bin/python -m bench.ui [--runs 3] [--keys 120] [--sessions 100] [--every 10]
                                 [--part all|latency|leak] [--no-xvfb]

(a) Key press -> painted (bench/ui_latency.py): the demo kiosk's real window under a private
    Xvfb (Debian `xvfb`, installed by scripts/setup.sh; `--no-xvfb` or no Xvfb: Qt's offscreen
    platform), keys interleaved with a bare QLabel window's in the same process. Each run is a
    fresh process; p50/p95 per run, medians over the runs.
(b) Sessions (bench/ui_leak.py): the screens of one demo session, replayed --sessions times
    through render_png (headless, offscreen as the demo does) and through the window (under
    Xvfb when there is one), each in a fresh process, against bare-QLabel baselines doing the
    same number of renders/paints. RSS and live widgets after the first (warm-up) session and
    at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.ui_probe import Xvfb, percentile

ROOT = Path(__file__).resolve().parents[1]


def _child(module: str, args: list[str], display: str | None) -> dict:
    env = dict(os.environ)
    env.pop("WAYLAND_DISPLAY", None)
    if display:
        env["DISPLAY"], env["QT_QPA_PLATFORM"] = display, "xcb"
    else:
        env.pop("DISPLAY", None)
        env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ratio(value: float, base: float) -> str:
    return f"{value / base:8.1f}x" if base > 0 else "       -"


def latency(runs: int, keys: int, display: str | None) -> None:
    per_run: dict[str, list[tuple[float, float]]] = {}
    phases: dict[str, dict[str, list[float]]] = {}
    platform, failures, count = "", 0, {}
    for _ in range(runs):
        result = _child("bench.ui_latency", ["--keys", str(keys)], display)
        platform, failures = result["platform"], failures + result["failures"]
        groups: dict[str, list[float]] = {}
        for s in result["samples"]:
            names = ["bare"] if s["side"] == "bare" else ["kiosk, any key", f"kiosk, {s['kind']}"]
            for name in names:
                groups.setdefault(name, []).append(s["total"])
                for phase, ms in s["phases"].items():
                    phases.setdefault(name, {}).setdefault(phase, []).append(ms)
        for name, values in groups.items():
            per_run.setdefault(name, []).append((percentile(values, 50), percentile(values, 95)))
            count[name] = count.get(name, 0) + len(values)
    base50 = statistics.median(p50 for p50, _ in per_run["bare"])
    base95 = statistics.median(p95 for _, p95 in per_run["bare"])
    print(f"(a) key press -> painted, {platform}, {runs} runs, medians of per-run p50/p95")
    print(f"    (failures: {failures}; same = same screen id, e.g. a digit typed; new = another)")
    print(f"{'':26}{'keys':>6}{'p50 ms':>9}{'p95 ms':>9}{'p50 vs bare':>13}{'p95 vs bare':>13}")
    for name in ("bare", "kiosk, any key", "kiosk, same", "kiosk, new"):
        if name not in per_run:
            continue
        p50 = statistics.median(v for v, _ in per_run[name])
        p95 = statistics.median(v for _, v in per_run[name])
        print(
            f"{name:<26}{count[name]:>6}{p50:9.2f}{p95:9.2f}"
            f"{_ratio(p50, base50):>13}{_ratio(p95, base95):>13}"
        )
    print("    kiosk phases, median ms: wake (key -> pump starts), journey, render, paint+flush")
    for name in ("kiosk, same", "kiosk, new"):
        if name in phases:
            cells = "  ".join(
                f"{phase} {statistics.median(v):6.2f}" for phase, v in phases[name].items()
            )
            print(f"    {name:<22}{cells}")


def leak(sessions: int, every: int, display: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        models = Path(tmp) / "models.pkl"
        screens = _child("bench.ui_leak", ["--capture", str(models)], None)["models"]
        args = ["--models", str(models), "--sessions", str(sessions), "--every", str(every)]
        rows = {}
        for path in ("bare-headless", "headless", "bare-windowed", "windowed"):
            shown = display if path.endswith("windowed") else None
            rows[path] = _child("bench.ui_leak", [*args, "--path", path], shown)
    print(
        f"(b) {sessions} sessions of {screens} screens each (after 1 warm-up session); "
        f"windowed on {rows['windowed']['platform']}"
    )
    print(f"    growth: RSS end - after session 0; per 1k sess.: slope from session {every} on")
    print(
        f"{'':16}{'ms/screen':>10}{'vs bare':>9}{'RSS MiB':>9}{'growth':>9}"
        f"{'per 1k sess.':>13}{'widgets':>9}{'->':>7}{'None/screen':>12}{'True/screen':>12}"
    )
    for path in ("bare-headless", "headless", "bare-windowed", "windowed"):
        row = rows[path]
        ms = statistics.median(row["ms_per_screen"])
        base = statistics.median(rows[f"bare-{path.split('-')[-1]}"]["ms_per_screen"])
        (s0, rss0, w0, none0, true0), (s1, rss1, w1, none1, true1) = (
            row["samples"][0],
            row["samples"][-1],
        )
        # the slope after the first sample: pages kept and caches filled by then
        s_late, rss_late = row["samples"][min(1, len(row["samples"]) - 1)][:2]
        per_k = (rss1 - rss_late) / max(1, s1 - s_late) * 1000
        shown = max(1, (s1 - s0) * screens)
        print(
            f"{path:<16}{ms:10.2f}{_ratio(ms, base):>9}{rss1:9.1f}{rss1 - rss0:+9.1f}"
            f"{per_k:+13.1f}{w0:9d}{w1:7d}"
            f"{(none1 - none0) / shown:+12.2f}{(true1 - true0) / shown:+12.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", type=int, default=120)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--part", choices=("all", "latency", "leak"), default="all")
    parser.add_argument("--no-xvfb", action="store_true")
    args = parser.parse_args()
    xvfb = None
    if not args.no_xvfb:
        try:
            xvfb = Xvfb(2600, 1100)
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"bench.ui: no Xvfb ({exc}); Qt's offscreen platform instead", file=sys.stderr)
    display = xvfb.display if xvfb else None
    try:
        if args.part in ("all", "latency"):
            latency(args.runs, args.keys, display)
        if args.part in ("all", "leak"):
            leak(args.sessions, args.every, display)
    finally:
        if xvfb is not None:
            xvfb.stop()


if __name__ == "__main__":
    main()
