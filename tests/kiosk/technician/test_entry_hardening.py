"""Technician PIN hardening (issue 19 #11): PBKDF2-SHA256 hashes below 600,000 iterations are
refused at config load, `kiosk technician pin-hash` and the demo make strong ones, and the
lockout runs on the monotonic clock and survives a restart."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.cli.main import main
from kiosk.clock import FakeClock
from kiosk.errors import ConfigError
from kiosk.money.ledger import Ledger
from kiosk.technician.audit import TechnicianAudit
from kiosk.technician.entry_config import MIN_ITERATIONS, PinHash, hash_pin, parse_technician
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox

TWO_HOURS = 2 * 3600.0
LOCKOUT_S = 900.0


def test_the_floor_is_600000_iterations() -> None:
    assert MIN_ITERATIONS >= 600_000


@pytest.mark.parametrize("iterations", [1000, 20_000, 599_999])
def test_a_weak_hash_is_refused_at_config_load(iterations: int) -> None:
    weak = hash_pin("482915", b"salt-salt-salt", iterations, min_iterations=iterations)
    with pytest.raises(ConfigError, match="600000"):
        parse_technician({"pin_hash_env": "H"}, {"H": weak})


def test_the_test_only_floor_is_a_parameter_never_a_config_key() -> None:
    weak = hash_pin("482915", b"salt-salt-salt", 1000, min_iterations=1000)
    assert PinHash.parse(weak, min_iterations=1000).matches("482915")
    with pytest.raises(ConfigError):
        parse_technician({"pin_hash_env": "H", "min_iterations": 1000}, {"H": weak})


def test_pin_hash_command_makes_a_strong_hash_and_refuses_a_weak_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("482915\n"))
    assert main(["technician", "pin-hash", "--stdin"]) == 0
    out = capsys.readouterr().out.strip()
    assert int(out.split("$")[1]) >= 600_000
    assert parse_technician({"pin_hash_env": "H"}, {"H": out}).pin_hash is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("482915\n"))
    assert main(["technician", "pin-hash", "--stdin", "--iterations", "1000"]) == 2
    assert "600000" in capsys.readouterr().err


def test_the_demo_hash_is_strong_too() -> None:
    from kiosk.demo.env import DEMO_TECHNICIAN_PIN, demo_technician

    settings = demo_technician()
    assert settings.pin_hash is not None and settings.pin_hash.iterations >= 600_000
    assert settings.pin_hash.matches(DEMO_TECHNICIAN_PIN)


# ---------------------------------------------------------------------- lockout


class SteppingClock(FakeClock):
    """A FakeClock whose wall clock can also be stepped alone (NTP, a person, an attacker)."""

    def __init__(self, mono: float = 1000.0) -> None:
        super().__init__()
        self._mono = mono
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self._offset

    def step_wall(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    yield engine
    engine.dispose()


def audit(engine: Engine, clock: FakeClock, boot_id: str = "boot-1") -> TechnicianAudit:
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    return TechnicianAudit(ledger, clock, boot_id=boot_id)


def lock_out(log: TechnicianAudit) -> datetime | None:
    until = None
    for _ in range(3):
        until = log.pin_checked("tech", "keys", False, max_failures=3, lockout_s=LOCKOUT_S)
    return until


@pytest.mark.parametrize("step", [-TWO_HOURS, +TWO_HOURS])
def test_a_wall_clock_step_neither_extends_nor_ends_the_lockout(
    engine: Engine, step: float
) -> None:
    clock = SteppingClock()
    log = audit(engine, clock)
    assert lock_out(log) is not None
    clock.step_wall(step)
    clock.advance(LOCKOUT_S - 1)
    assert log.locked_until() is not None  # forward: not over early
    clock.advance(1)
    assert log.locked_until() is None  # back: not two hours more


def test_the_lockout_survives_a_restart_and_a_forward_step(engine: Engine) -> None:
    clock = SteppingClock()
    assert lock_out(audit(engine, clock)) is not None
    clock.advance(100)
    clock.step_wall(+TWO_HOURS)  # pull the plug, set the clock forward, try again
    restarted = audit(engine, clock)  # same boot: the monotonic clock goes on
    assert restarted.locked_until() is not None
    clock.advance(LOCKOUT_S - 100)
    assert restarted.locked_until() is None


def test_after_a_reboot_the_wait_left_is_never_longer_than_the_lockout(engine: Engine) -> None:
    clock = SteppingClock()
    assert lock_out(audit(engine, clock)) is not None
    rebooted = SteppingClock(mono=3.0)  # a new boot: its monotonic clock starts again
    rebooted.step_wall(-TWO_HOURS)
    log = audit(engine, rebooted, boot_id="boot-2")
    until = log.locked_until()
    assert until is not None and until - rebooted.now() <= timedelta(seconds=LOCKOUT_S)
    rebooted.advance(LOCKOUT_S)
    assert log.locked_until() is None
