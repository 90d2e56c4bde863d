"""Kill -9 at announced money steps, kiosk-only and kiosk+core, counted from what the core got.

    .venv/bin/python -m bench.queue_kill [--payments 500] [--kills 200] [--seed 1]
                                         [--modes kiosk,kiosk+core] [--core-db URL] [--keep DIR]

Per mode (each in its own databases), `--kills` rounds. A round starts a kiosk life
(bench/queue_kill_kiosk.py: the real Ledger, Outbox, SyncWorker, CoreHttp) against the reference
core in its own process (bench/queue_kill_core.py: the real CoreServer and Store, request log on).
Both announce each money step on a pipe and wait for the go-ahead (bench/kill_steps.py); the
parent picks the round's step at random (seeded, printed) - recovered, committed, claimed,
replied, settled on the kiosk, booked at the core - and an occurrence the life is sure to reach,
and SIGKILLs at exactly that step: the kiosk in `kiosk` mode, the kiosk and the core in
`kiosk+core` mode (the core then restarts on the same database and must know from its store what
it already booked). No sleep decides anything; time limits are generous bounds against a hang.

After the rounds everything is restarted: the core, and a kiosk life nobody kills, which recovers,
makes the payments the last kill cut short and drains; then `kiosk queue sync --until-drained`
must find nothing left (or drain it).
Then, from the kiosk's journal and the core's request log (no UNIQUE constraint: a payment booked
twice shows as two `accepted` rows, core_system/request_log.py):
  lost        payments journaled as committed that the core never booked
  duplicated  payments the core booked as new more than once
  phantom     bookings with no journaled payment behind them
and the journal's total must equal the core's, its seq 1..N gap-free, the outbox all accepted.

The report is refused (exit 2, saying why) when fewer kills landed than were asked; exit 1 when
anything was lost, duplicated or does not add up. Baseline: the same payments in one unkilled life
(same announcing classes, every step let through), time and payments/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench import kill_steps
from bench.kill_steps import Step, StepPipe
from core_system import request_log
from core_system.store import TransactionRow
from kiosk.money.journal import JournalEntry
from offline_queue.models import OutboxItem, OutboxState

ROOT = Path(__file__).resolve().parents[1]
MODES = ("kiosk", "kiosk+core")
KIOSK_STEPS = ("recovered", "committed", "claimed", "replied", "settled")
CORE_STEPS = ("booked",)
TARGET_STEPS = KIOSK_STEPS + CORE_STEPS
ROUND_LIMIT_S = 300.0  # a life that reaches no step in 5 minutes is hung, not slow
DRAIN_LIMIT_S = 900.0
TOKEN_ENV = "KILLTEST_TOKEN"


@dataclass(frozen=True)
class Target:
    """Where a round's kill lands: the `occurrence`-th `step` announced in that life."""

    step: str
    occurrence: int

    def __str__(self) -> str:
        return f"{self.step}#{self.occurrence}"


@dataclass
class PhaseReport:
    mode: str
    seed: int
    kills_asked: int
    kills_landed: int = 0
    payments_asked: int = 0
    payments: int = 0  # journaled as committed at the kiosk
    booked: int = 0  # distinct txn_ids the core booked (request log)
    lost: int = 0
    duplicated: int = 0
    phantom: int = 0
    duplicate_answers: int = 0  # re-sends the core recognised (request log)
    core_kills: int = 0
    kills_by_step: dict[str, int] = field(default_factory=dict)
    schedule: list[str] = field(default_factory=list)  # each round's drawn step, in order
    journal_total: str = "0"
    core_total: str = "0"
    outbox: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.problems


# -- the two processes ----------------------------------------------------------------------------


class CoreProcess:
    """The reference core in a child process, announcing `booked`/`duplicate` on its pipe."""

    def __init__(
        self,
        db_url: str,
        kiosk_id: str,
        token: str,
        log_dir: Path,
        module: str = "bench.queue_kill_core",
    ) -> None:
        """`module`: the core child to run; a test swaps in a faulty core to see it caught."""
        self.pipe = StepPipe("core")
        env = {
            **os.environ,
            **self.pipe.child_env(),
            "CORE_KIOSK_TOKENS": f"{kiosk_id}:{token}",
        }
        self._err = (log_dir / "core.stderr").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, db_url],
            cwd=ROOT,
            env=env,
            pass_fds=self.pipe.child_fds,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
        )
        self.pipe.after_spawn()
        self.url = self._ready()

    def _ready(self) -> str:
        found: list[str] = []

        def line(_source: str, text: str) -> None:
            if text.startswith("ready "):
                found.append(text.removeprefix("ready "))

        kill_steps.pump(
            [self.pipe],
            lambda _step: False,
            on_line=line,
            until=lambda: bool(found),
            deadline_s=120,
        )
        if not found:
            self.kill()
            raise RuntimeError("the core did not come up (see core.stderr)")
        return found[0]

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a power cut of the core's host."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(60)
        self.pipe.close()
        self._err.close()


class KioskLife:
    """One kiosk process (bench/queue_kill_kiosk.py) from start to its SIGKILL."""

    def __init__(
        self,
        db_url: str,
        core_url: str,
        kiosk_id: str,
        token: str,
        target: int,
        seed: int,
        log_dir: Path,
    ) -> None:
        self.pipe = StepPipe("kiosk")
        env = {**os.environ, **self.pipe.child_env(), TOKEN_ENV: token}
        self._err = (log_dir / "kiosk.stderr").open("wb")  # the last life's, for a post-mortem
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.queue_kill_kiosk", db_url, core_url, kiosk_id]
            + [str(target), str(seed)],
            cwd=ROOT,
            env=env,
            pass_fds=self.pipe.child_fds,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
        )
        self.pipe.after_spawn()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(60)
        self.pipe.close()
        self._err.close()


# -- choosing the kill ----------------------------------------------------------------------------


def plan_steps(rng: random.Random, rounds: int) -> list[str]:
    """The step of each round: seeded random, drawn from shuffled bags of all the steps, so every
    six rounds kill at every kind of step once (a small CI run cannot miss one by chance)."""
    steps: list[str] = []
    while len(steps) < rounds:
        bag = list(TARGET_STEPS)
        rng.shuffle(bag)
        steps += bag
    return steps[:rounds]


def choose_target(rng: random.Random, step: str, new_payments: int) -> Target:
    """An occurrence the life is certain to reach before it could end: it journals
    `new_payments` (each committed once and booked at the core once), recovers once, and
    claims, gets a reply and settles at least once."""
    if step in ("committed", "booked"):
        return Target(step, rng.randint(1, new_payments))
    return Target(step, 1)


def cumulative_targets(payments: int, rounds: int) -> list[int]:
    """How many payments the journal should hold after each round's life: strictly rising (a
    life always has new payments to make), ending at `payments`."""
    if payments < rounds:
        raise ValueError("need at least as many payments as kill rounds (one new per life)")
    return [(i + 1) * payments // rounds for i in range(rounds)]


# -- one phase ------------------------------------------------------------------------------------


def run_phase(
    workdir: Path,
    mode: str,
    *,
    payments: int,
    kills: int,
    seed: int,
    core_db: str | None = None,
    core_module: str = "bench.queue_kill_core",
    log: Callable[[str], None] = print,
) -> PhaseReport:
    """`kills` rounds with a kill at an announced step each, the final drain, the audit."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "kiosk").mkdir(exist_ok=True)
    rng = random.Random(f"{seed}/{mode}")
    report = PhaseReport(mode, seed, kills, payments_asked=payments)
    report.kills_by_step = {s: 0 for s in TARGET_STEPS}
    kiosk_id = f"kill-{mode.replace('+', '-')}-{secrets.token_hex(3)}"
    token = secrets.token_urlsafe(16)
    core_db = core_db or f"sqlite:///{workdir / 'core.db'}"
    kiosk_db = f"sqlite:///{workdir / 'kiosk' / 'kiosk.db'}"
    targets = cumulative_targets(payments, kills)
    steps = plan_steps(rng, kills)
    started = time.monotonic()
    core: CoreProcess | None = CoreProcess(core_db, kiosk_id, token, workdir, core_module)
    try:
        for number in range(kills):
            if core is None:
                core = CoreProcess(core_db, kiosk_id, token, workdir, core_module)
            new = targets[number] - journaled(kiosk_db)
            target = choose_target(rng, steps[number], new)
            report.schedule.append(str(target))
            life = KioskLife(
                kiosk_db,
                core.url,
                kiosk_id,
                token,
                targets[number],
                rng.randrange(1 << 30),
                workdir,
            )
            seen: Counter[str] = Counter()

            def at_target(step: Step, target: Target = target, seen: Counter[str] = seen) -> bool:
                seen[step.name] += 1
                return step.name == target.step and seen[step.name] == target.occurrence

            outcome = kill_steps.pump([life.pipe, core.pipe], at_target, deadline_s=ROUND_LIMIT_S)
            life.kill()
            if outcome == "stopped":
                report.kills_landed += 1
                report.kills_by_step[target.step] += 1
                if mode == "kiosk+core":
                    core.kill()
                    core = None
                    report.core_kills += 1
                elif target.step in CORE_STEPS:
                    core.pipe.go()  # the kiosk died; the core, waiting at that step, goes on
            else:
                log(f"  round {number + 1}: no kill at {target} ({outcome}); see kiosk.stderr")
            if (number + 1) % 20 == 0 or number + 1 == kills:
                log(
                    f"  [{mode}] round {number + 1}/{kills}: killed at {target} "
                    f"({new} new payments this life), {report.kills_landed} kills landed"
                )
        if core is not None:  # "restart everything": the drain meets a freshly started core
            core.kill()
        core = CoreProcess(core_db, kiosk_id, token, workdir, core_module)
        final = KioskLife(kiosk_db, core.url, kiosk_id, token, payments, seed, workdir)
        let_run(final, core)  # makes the payments the last kill cut short, and drains
        drain(workdir, kiosk_id, token, core)
    finally:
        if core is not None:
            core.kill()
    report.seconds = round(time.monotonic() - started, 1)
    audit(report, kiosk_db, core_db, kiosk_id)
    return report


def journaled(kiosk_db: str) -> int:
    """Payments in the kiosk's journal (0 before its first life made the database)."""
    engine = create_engine(kiosk_db)
    try:
        if not inspect(engine).has_table(JournalEntry.__tablename__):
            return 0
        with Session(engine) as s:
            query = select(JournalEntry.id).where(JournalEntry.kind == "payment_committed")
            return len(list(s.scalars(query)))
    finally:
        engine.dispose()


def let_run(life: KioskLife, core: CoreProcess) -> None:
    """Runs a kiosk life to its end, every step let through: it recovers what the last kill
    left, journals the payments still missing and drains its queue."""
    kill_steps.pump(
        [life.pipe, core.pipe],
        lambda _step: False,
        until=lambda: life.proc.poll() is not None,
        deadline_s=DRAIN_LIMIT_S,
    )
    code = life.proc.wait(60)
    life.kill()
    if code != 0:
        raise RuntimeError(f"an unkilled kiosk life exited {code} (see kiosk.stderr)")


def drain(workdir: Path, kiosk_id: str, token: str, core: CoreProcess) -> None:
    """The technician's drain, `kiosk queue sync --until-drained`, against the restarted core
    (its steps let through meanwhile): whatever is still queued must go."""
    config = workdir / "drain.toml"
    config.write_text(
        f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "{workdir / "kiosk"}"\n\n'
        f'[core]\nurl = "{core.url}"\ntoken_env = "{TOKEN_ENV}"\nread_timeout = 60.0\n\n'
        "[queue]\nbatch_size = 20\nbackoff_base = 0.05\nbackoff_cap = 1.0\n",
        "utf-8",
    )
    out = (workdir / "drain.stderr").open("wb")
    command = ["queue", "sync", "--until-drained", "--config", str(config)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", *command],
        cwd=ROOT,
        env={**os.environ, TOKEN_ENV: token},
        stdout=subprocess.DEVNULL,
        stderr=out,
    )
    try:
        kill_steps.pump(
            [core.pipe],
            lambda _step: False,
            until=lambda: proc.poll() is not None,
            deadline_s=DRAIN_LIMIT_S,
        )
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()
    if code != 0:
        tail = (workdir / "drain.stderr").read_text("utf-8", "replace")[-1500:]
        raise RuntimeError(f"kiosk queue sync --until-drained exited {code}: {tail}")


# -- the books ------------------------------------------------------------------------------------


def audit(report: PhaseReport, kiosk_db: str, core_db: str, kiosk_id: str) -> None:
    """Fills the report's counts and `problems` from the kiosk's journal and outbox and the
    core's request log and transactions (read directly: both processes are stopped)."""
    kiosk = create_engine(kiosk_db)
    try:
        with Session(kiosk) as s:
            journal = {
                e.txn_id: Decimal(json.loads(e.data)["amount"]["amount"])
                for e in s.scalars(
                    select(JournalEntry).where(JournalEntry.kind == "payment_committed")
                )
            }
            states = Counter(str(i.state.value) for i in s.scalars(select(OutboxItem)))
    finally:
        kiosk.dispose()
    core = _core_engine(core_db)
    try:
        logged = request_log.read(core, kiosk_id)
        with Session(core) as s:
            rows = list(
                s.scalars(select(TransactionRow).where(TransactionRow.kiosk_id == kiosk_id))
            )
    finally:
        core.dispose()
    bookings = Counter(item.txn_id for item in logged if item.status == request_log.ACCEPTED)
    booked_total = sum(
        (Decimal(item.amount) for item in logged if item.status == request_log.ACCEPTED),
        Decimal(0),
    )
    table = {r.txn_id: Decimal(r.amount) for r in rows}
    report.payments = len(journal)
    report.booked = len(bookings)
    report.lost = sum(1 for txn_id in journal if bookings[txn_id] == 0)
    report.duplicated = sum(1 for n in bookings.values() if n > 1)
    report.phantom = sum(1 for txn_id in bookings if txn_id not in journal)
    report.duplicate_answers = sum(1 for i in logged if i.status == request_log.DUPLICATE)
    report.outbox = dict(states)
    journal_total = sum(journal.values(), Decimal(0))
    report.journal_total = str(journal_total)
    report.core_total = str(booked_total)
    problems = report.problems
    if report.payments < report.payments_asked:
        problems.append(
            f"the journal holds {report.payments} payments, {report.payments_asked} asked"
        )
    if report.lost:
        problems.append(f"{report.lost} journaled payments never booked at the core (lost)")
    if report.duplicated:
        problems.append(f"{report.duplicated} payments booked more than once (duplicated)")
    if report.phantom:
        problems.append(f"{report.phantom} bookings with no journaled payment")
    if booked_total != journal_total:
        problems.append(f"core booked {booked_total}, the journal holds {journal_total}")
    if set(table) != set(bookings) or sum(table.values(), Decimal(0)) != booked_total:
        problems.append("the core's transactions table and its request log disagree")
    if sorted(r.seq for r in rows) != list(range(1, len(rows) + 1)):
        problems.append("the core's seq numbers for this kiosk are not 1..N")
    if states.get(OutboxState.ACCEPTED.value, 0) != len(journal) or len(states) > 1:
        problems.append(f"outbox not all accepted after the drain: {dict(states)}")


def _core_engine(url: str) -> Engine:
    """The core's database as the Store opens it (`postgresql://` means psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed)


# -- baseline -------------------------------------------------------------------------------------


def baseline(workdir: Path, payments: int, seed: int) -> float:
    """Seconds for the same payments in one life nobody kills (every step let through)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "kiosk").mkdir(exist_ok=True)
    kiosk_id, token = f"kill-base-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    kiosk_db = f"sqlite:///{workdir / 'kiosk' / 'kiosk.db'}"
    core = CoreProcess(f"sqlite:///{workdir / 'core.db'}", kiosk_id, token, workdir)
    try:
        started = time.monotonic()
        let_run(KioskLife(kiosk_db, core.url, kiosk_id, token, payments, seed, workdir), core)
        seconds = time.monotonic() - started
    finally:
        core.kill()
    return seconds


# -- report ---------------------------------------------------------------------------------------


def render(reports: Sequence[PhaseReport], baseline_s: float | None) -> tuple[int, str]:
    """(exit code, text). Refuses (2) when a mode landed fewer kills than asked: a kill test
    whose kills did not land has not tested anything, and its figures must not be quoted."""
    short = [r for r in reports if r.kills_landed < r.kills_asked]
    if short:
        why = "; ".join(
            f"{r.mode}: {r.kills_landed} of {r.kills_asked} kills landed" for r in short
        )
        return 2, f"refusing to report: fewer kills landed than asked ({why})"
    lines = [
        "| kills | asked | landed | core kills | payments | booked | lost | duplicated | "
        "re-sends answered duplicate | journal = core total | time |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in reports:
        total = (
            f"{r.journal_total} = {r.core_total}"
            if r.journal_total == r.core_total
            else (f"{r.journal_total} != {r.core_total}")
        )
        lines.append(
            f"| {r.mode} | {r.kills_asked} | {r.kills_landed} | {r.core_kills} | {r.payments} | "
            f"{r.booked} | {r.lost} | {r.duplicated} | {r.duplicate_answers} | {total} | "
            f"{r.seconds:.0f} s |"
        )
    for r in reports:
        by_step = ", ".join(f"{k} {v}" for k, v in r.kills_by_step.items())
        lines.append(f"  {r.mode} kills by step: {by_step}")
    for r in reports:  # the seeded draw, round by round: a failure can be replayed from it
        drawn = " ".join(f"{n}:{t}" for n, t in enumerate(r.schedule, 1))
        lines += textwrap.wrap(
            f"{r.mode} steps drawn (seed {r.seed}): {drawn}",
            width=100,
            initial_indent="  ",
            subsequent_indent="    ",
        )
    if baseline_s is not None and reports:
        payments = reports[0].payments_asked
        lines.append(
            f"  baseline, one unkilled life: {payments} payments in {baseline_s:.1f} s "
            f"({payments / baseline_s:.1f}/s)"
        )
    bad = [r for r in reports if not r.clean]
    for r in bad:
        lines.append(f"FAILED ({r.mode}): " + "; ".join(r.problems))
    return (1 if bad else 0), "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.queue_kill",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--payments", type=int, default=500, help="per mode (default 500)")
    parser.add_argument("--kills", type=int, default=200, help="kill rounds per mode (200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default=",".join(MODES), help="kiosk,kiosk+core")
    parser.add_argument("--core-db", help="core database URL (default: SQLite in the work dir)")
    parser.add_argument("--keep", type=Path, help="work directory to keep (default: temporary)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unkilled run")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if any(m not in MODES for m in modes) or args.kills < 1 or args.payments < args.kills:
        parser.error(f"--modes from {MODES}; --kills >= 1; --payments >= --kills")
    print(f"seed {args.seed}: {args.kills} kill rounds and {args.payments} payments per mode")
    with tempfile.TemporaryDirectory(prefix="queue-kill-") as tmp:
        workdir = args.keep or Path(tmp)
        reports = []
        for mode in modes:
            report = run_phase(
                workdir / mode.replace("+", "-"),
                mode,
                payments=args.payments,
                kills=args.kills,
                seed=args.seed,
                core_db=args.core_db,
            )
            reports.append(report)
            (workdir / f"{mode.replace('+', '-')}.json").write_text(
                json.dumps(asdict(report), indent=2), "utf-8"
            )
        base = (
            None if args.no_baseline else baseline(workdir / "baseline", args.payments, args.seed)
        )
    code, text = render(reports, base)
    print(text, file=sys.stderr if code == 2 else sys.stdout)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
