"""The crash-loop counter: starts within the window counted in the data dir, older ones aged
out, a torn file read as zero, a reset by the technician."""

from __future__ import annotations

from pathlib import Path

from kiosk.clock import FakeClock
from kiosk.runtime.crash_loop import STARTS_FILE, CrashLoopGuard


def test_more_than_the_limit_within_the_window_trips(tmp_path: Path) -> None:
    clock = FakeClock()
    guard = CrashLoopGuard(tmp_path, clock, limit=3, window_s=60)
    counts = []
    for _ in range(4):
        counts.append(guard.record_start())
        clock.advance(10)
    assert [c.recent for c in counts] == [1, 2, 3, 4]
    assert [c.tripped for c in counts] == [False, False, False, True]
    assert counts[-1].describe() == "4 starts in 60 s (limit 3)"


def test_the_count_survives_a_new_process_and_old_starts_age_out(tmp_path: Path) -> None:
    clock = FakeClock()
    for _ in range(3):
        CrashLoopGuard(tmp_path, clock, limit=3, window_s=60).record_start()  # one per process
    clock.advance(61)  # a kiosk that ran a minute: the loop is over
    assert CrashLoopGuard(tmp_path, clock, limit=3, window_s=60).record_start().recent == 1


def test_a_torn_or_foreign_file_counts_from_zero(tmp_path: Path) -> None:
    clock = FakeClock()
    (tmp_path / STARTS_FILE).write_text("[1.0, 2.0", "utf-8")  # a power cut mid-write
    assert CrashLoopGuard(tmp_path, clock).record_start().recent == 1
    (tmp_path / STARTS_FILE).write_text('{"not": "a list"}', "utf-8")
    assert CrashLoopGuard(tmp_path, clock).record_start().recent == 1


def test_reset_forgets_every_start_and_the_file_stays_small(tmp_path: Path) -> None:
    clock = FakeClock()
    guard = CrashLoopGuard(tmp_path, clock, limit=2, window_s=600)
    for _ in range(50):
        guard.record_start()
    assert (tmp_path / STARTS_FILE).read_text("utf-8").count(",") == 2  # limit + 1 kept
    guard.reset()
    assert guard.record_start().recent == 1


def test_a_clean_stop_takes_its_start_back(tmp_path: Path) -> None:
    clock = FakeClock()
    guard = CrashLoopGuard(tmp_path, clock, limit=2, window_s=600)
    crashed = guard.record_start()
    clock.advance(5)
    clean = guard.record_start()
    guard.forget(clean)
    guard.forget(clean)  # twice: nothing more goes
    clock.advance(5)
    assert guard.record_start().recent == 2  # the crash and this start
    assert crashed.at != clean.at
