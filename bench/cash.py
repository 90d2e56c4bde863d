"""Notes per second through escrow -> journal -> stack, against the raw POLL round trip.

Both are measured in the same run against the same eSSP emulator on a pty:
  baseline  one POLL frame written with pyserial and its reply decoded (no driver, no thread)
  notes     a note inserted -> driver POLLs see it in escrow -> NoteInEscrow -> the top-up
            journey's escrow policy + `note_escrow_accepted` journaled (SQLite, committed) ->
            accept -> the driver's next POLL stacks it -> NoteCredited -> `note_stacked`
            journaled; the next note goes in only then (one customer, one note at a time).
Each figure is the median of several runs; the ratio says how many raw poll round trips one
note costs end to end (the protocol itself needs at least three: read, escrow, stack).

    .venv/bin/python -m bench.cash [--runs 5] [--notes 30]
"""

from __future__ import annotations

import argparse
import queue
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import serial

from drivers.cash.base import NoteCredited
from drivers.cash.essp_driver import EsspAcceptor
from drivers.cash.essp_emulator import EsspEmulator
from drivers.cash.essp_protocol import Command, FrameDecoder, encode_frame
from drivers.printer.base import PaperStatus
from kiosk.clock import SystemClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.topup import Product, TopupJourney, TopupState
from kiosk.money.amount import Money
from kiosk.money.billing import Biller
from kiosk.money.ledger import Ledger
from kiosk.runtime.adapters import CashAdapter
from kiosk.runtime.config import TimeoutConfig
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox

BIG = Money(Decimal("1000000.00"), "CNY")
PRODUCT = Product(
    "BENCH",
    Biller("BENCH", "测试", "Bench", r"^[0-9]{4}$", Money(Decimal(1), "CNY"), BIG, True, True, BIG),
)


def poll_round_trip(port: str, n: int) -> float:
    """Median seconds for one raw POLL and its decoded reply."""
    link = serial.Serial(port, 9600, stopbits=serial.STOPBITS_TWO, timeout=0.001)
    decoder = FrameDecoder()
    times: list[float] = []
    seq = True
    link.write(encode_frame(seq, 0, bytes([Command.SYNC])))
    time.sleep(0.05)
    link.reset_input_buffer()
    for _ in range(n):
        seq = not seq
        start = time.perf_counter()
        link.write(encode_frame(seq, 0, bytes([Command.POLL])))
        got: list[object] = []
        while not got:
            got = decoder.feed(link.read(64))
        times.append(time.perf_counter() - start)
    link.close()
    return statistics.median(times)


class _Printer:
    def submit(self, job_id: str, document: object) -> None:
        pass

    def last_status(self) -> PaperStatus:
        return PaperStatus.READY

    def refresh_status(self) -> None:
        pass


class _Sync:
    def wake(self) -> None:
        pass


def notes_per_second(workdir: Path, port: str, notes: int, emulator: EsspEmulator) -> float:
    clock = SystemClock()
    engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
    outbox = Outbox(engine, "bench", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    events: queue.Queue[object] = queue.Queue()
    driver = EsspAcceptor("cash", port, events.put, poll_interval=0.001, reply_timeout=0.5)
    driver.open()
    journey = TopupJourney(
        kiosk_id="bench",
        currency="CNY",
        catalog=load_catalog(),
        clock=clock,
        timeouts=TimeoutConfig(insert_cash=600),
        ledger=ledger,
        products=(PRODUCT,),
        cash=CashAdapter(driver),
        printer=_Printer(),
        sync=_Sync(),
    )
    journey.start()
    for key in (Key.D1, Key("1"), Key("2"), Key("3"), Key("4"), Key.ENTER):
        journey.handle(KeyPressed(key))
    assert journey.state is TopupState.INSERT_CASH
    while not emulator.enabled:
        time.sleep(0.001)
    start = time.perf_counter()
    for _ in range(notes):
        emulator.insert_note(100)
        while True:
            event = events.get(timeout=5)
            journey.handle(event)
            if isinstance(event, NoteCredited):
                break
    elapsed = time.perf_counter() - start
    driver.close()
    engine.dispose()
    stacked = [r for r in ledger.records() if r.kind == "note_stacked"]
    assert len(stacked) == notes, "every note journaled once"
    return notes / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="eSSP notes/s vs raw poll round trip")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--notes", type=int, default=30)
    args = parser.parse_args(argv)
    rtts, rates = [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-cash-") as tmp:
            emulator = EsspEmulator(cashbox_file=Path(tmp) / "cashbox.json")
            port = emulator.start()
            try:
                rtts.append(poll_round_trip(port, 200))
                rates.append(notes_per_second(Path(tmp), port, args.notes, emulator))
            finally:
                emulator.stop()
        print(f"run {run + 1}: poll rtt {rtts[-1] * 1000:.2f} ms, {rates[-1]:.1f} notes/s")
    rtt, rate = statistics.median(rtts), statistics.median(rates)
    print(f"baseline: raw POLL round trip median {rtt * 1000:.2f} ms ({1 / rtt:.0f} polls/s)")
    print(f"notes through escrow -> journal -> stack: median {rate:.1f} notes/s")
    print(f"ratio: one note costs {1 / rate / rtt:.1f} raw poll round trips")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
