"""The kill test at CI size: the kiosk process SIGKILLed during cash payments, books balanced.

The full run (500 payments, 200 kills) is `.venv/bin/python -m bench.cash_kill`; see
docs/cash.md. Sizes here are small so the suite stays fast; the invariants are the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cash_kill import run_kill_test

pytestmark = pytest.mark.e2e


def test_cashbox_equals_what_the_core_booked_after_kills_at_random_moments(
    tmp_path: Path,
) -> None:
    report = run_kill_test(tmp_path, payments=20, kills=8, seed=3, log=lambda _: None)

    assert report.kills >= 8 and report.payments >= 20
    assert report.cashbox_minor > 0
    assert report.cashbox_minor == report.core_cash_minor, report
    assert report.inserted_minor == report.cashbox_minor + report.returned_minor, report
    assert report.duplicate_txn_ids == 0
    assert report.sessions_with_two_money_txns == 0, "a session was paid or credited twice"
    assert report.flags.get("cashbox_mismatch", 0) == 0, report.flags
