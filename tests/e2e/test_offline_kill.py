"""kill -9 at announced money steps, kiosk-only and kiosk+core, at CI size (bench/queue_kill.py).

Each round's kiosk life (and the core, in its own process) announces every durable money step on
a pipe and waits; the test SIGKILLs at a step drawn with a fixed seed. No sleep decides when a
kill happens, so every round lands one however loaded the machine is (the old version slept and
missed when the child finished first). Duplicates are counted from the core's request log, which
has no UNIQUE constraint; a faulty core that forgets its bookings must be caught.
The full size (500 payments, 200 kills per mode) is `python -m bench.queue_kill`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from bench.queue_kill import TARGET_STEPS, PhaseReport, render, run_phase
from core_system.store import Store

pytestmark = pytest.mark.e2e
# A bound against a hang, not a pace: a round costs a few process starts, which a machine busy
# with other suites can stretch well past the suite's default 120 s per test.
LONG = pytest.mark.timeout(900)

ROUNDS = 10  # per mode: 20 rounds in all; every step kind is drawn at least once per 6 rounds
PAYMENTS = 20
SEED = 19


def _check_clean(report: PhaseReport) -> None:
    assert report.kills_landed == ROUNDS, report
    assert all(report.kills_by_step[step] >= 1 for step in TARGET_STEPS), report.kills_by_step
    assert report.payments == PAYMENTS and report.booked == PAYMENTS, report
    assert (report.lost, report.duplicated, report.phantom) == (0, 0, 0), report
    assert report.journal_total == report.core_total, report
    assert report.outbox == {"accepted": PAYMENTS}, report
    # Kills between the core's booking and the kiosk's settling make re-sends: the core must
    # have recognised them (otherwise this run never tested idempotency at all).
    assert report.duplicate_answers >= 1, report
    assert report.clean, report.problems


@LONG
def test_kiosk_killed_at_every_kind_of_money_step_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    report = run_phase(
        tmp_path, "kiosk", payments=PAYMENTS, kills=ROUNDS, seed=SEED, log=lambda _: None
    )

    _check_clean(report)
    assert report.core_kills == 0


@LONG
def test_kiosk_and_core_killed_together_the_restarted_core_knows_what_it_booked(
    tmp_path: Path,
) -> None:
    report = run_phase(
        tmp_path, "kiosk+core", payments=PAYMENTS, kills=ROUNDS, seed=SEED, log=lambda _: None
    )

    _check_clean(report)
    assert report.core_kills == ROUNDS


@LONG
def test_a_core_that_forgets_its_bookings_is_caught_as_duplicates(tmp_path: Path) -> None:
    report = run_phase(
        tmp_path,
        "kiosk+core",
        payments=12,
        kills=6,
        seed=SEED,
        core_module="tests.e2e.amnesic_core",
        log=lambda _: None,
    )

    assert report.kills_landed == 6
    assert report.duplicated >= 1, report
    assert not report.clean
    assert any("duplicated" in p for p in report.problems), report.problems


def test_the_report_is_refused_when_fewer_kills_landed_than_asked() -> None:
    landed = PhaseReport("kiosk", SEED, kills_asked=200, kills_landed=200, payments=500)
    short = PhaseReport("kiosk+core", SEED, kills_asked=200, kills_landed=199, payments=500)

    code, text = render([landed, short], None)

    assert code == 2
    assert "refusing to report" in text and "199 of 200" in text
    assert render([landed], None)[0] == 0


def test_the_request_log_is_off_unless_asked_for(tmp_path: Path) -> None:
    plain, logged = (
        Store(f"sqlite:///{tmp_path}/a.db"),
        Store(f"sqlite:///{tmp_path}/b.db", request_log=True),
    )
    try:
        plain.create_schema()
        logged.create_schema()
        assert not inspect(plain._engine).has_table("request_log")
        assert inspect(logged._engine).has_table("request_log")
    finally:
        plain.close()
        logged.close()
