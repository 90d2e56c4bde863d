"""`make bench`: one table - figure, value, baseline, ratio, goal, met.

    .venv/bin/python -m bench.table [--quick] [--only queue,cash,printer,speech]

Rows come from the bench modules that expose a function returning their figures: the storage
fast path (bench/queue.py `figures`: idle tick, durable commit, core ingest, drain), and the
functions bench/cash.py, bench/printer.py and bench/speech.py expose (each measured here against
the same baseline its own command uses, in the same run). Each part runs on its own; one whose
tools are missing (espeak-ng, PostgreSQL, persist-queue) is left out with the reason. The other
benches print their own reports (`make bench` runs them after this table): bench.ui (key press
-> painted, widgets and RSS over sessions), bench.technician, bench.card_swipe, bench.card_read
(root), and the kill tests bench.queue_kill and bench.cash_kill. Medians of several runs; the
machine is shared, so read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.queue import Figure, table


def queue_rows(quick: bool) -> list[Figure]:
    from bench import queue

    if quick:
        return queue.figures(
            items=200, runs=3, ingest=3000, backlog=2000, drain_runs=1, idle_rows=20_000
        )
    return queue.figures()


def cash_rows(quick: bool) -> list[Figure]:
    from bench.cash import notes_per_second, poll_round_trip
    from drivers.cash.essp_emulator import EsspEmulator

    rtts, rates = [], []
    for _ in range(2 if quick else 5):
        with tempfile.TemporaryDirectory(prefix="bench-cash-") as tmp:
            emulator = EsspEmulator(cashbox_file=Path(tmp) / "cashbox.json")
            port = emulator.start()
            try:
                rtts.append(poll_round_trip(port, 200))
                rates.append(notes_per_second(Path(tmp), port, 10 if quick else 30, emulator))
            finally:
                emulator.stop()
    rtt, rate = statistics.median(rtts), statistics.median(rates)
    return [
        Figure(
            "cash: notes/s escrow -> journal -> stack",
            rate,
            "notes/s",
            "raw eSSP POLL round trips/s",
            1 / rtt,
            "-",
            None,
        )
    ]


def printer_rows(quick: bool) -> list[Figure]:
    from bench.printer import deliver

    runs, baud = (5 if quick else 20), 115200
    rows = []
    for lang in ("zh_CN", "en"):
        paced, nbytes = deliver(runs, baud, True, lang)
        physical = nbytes * 10 / baud
        rows.append(
            Figure(
                f"printer: receipt delivered, paced pty ({lang})",
                paced * 1000,
                "ms",
                "wire limit bytes x 10 / baud",
                physical * 1000,
                "-",
                None,
            )
        )
    return rows


def speech_rows(quick: bool) -> list[Figure]:
    from bench.speech import espeak_first_sample_ms, kiosk_first_sample_ms

    runs = 5 if quick else 20
    rows = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for lang in ("zh_CN", "en"):
            kiosk, base = [], []
            for _ in range(runs):
                kiosk.append(kiosk_first_sample_ms(lang, tmp))
                base.append(espeak_first_sample_ms(lang, tmp))
            value = statistics.median(kiosk)
            rows.append(
                Figure(
                    f"speech: screen change -> first sample ({lang})",
                    value,
                    "ms",
                    "espeak-ng alone -> first sample",
                    statistics.median(base),
                    "<= 60 ms (w/o UI wake-up)",
                    value <= 60,
                )
            )
    return rows


PARTS: dict[str, Callable[[bool], list[Figure]]] = {
    "queue": queue_rows,
    "cash": cash_rows,
    "printer": printer_rows,
    "speech": speech_rows,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs and rows (a smoke run)")
    parser.add_argument("--only", default=",".join(PARTS), help="parts, comma-separated")
    args = parser.parse_args(argv)
    rows: list[Figure] = []
    skipped: list[str] = []
    for name in args.only.split(","):
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        try:
            rows += PARTS[name](args.quick)
        except Exception as exc:  # noqa: BLE001 - a part that cannot run is named, the rest runs
            skipped.append(f"{name}: {type(exc).__name__}: {exc}")
    print(table(rows))
    for line in skipped:
        print(f"left out - {line}")
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: read the ratios)")
    return 0  # a part left out is said above; the other benches still run


if __name__ == "__main__":
    raise SystemExit(main())
