"""The kiosk process of the kill test: the real app, real eSSP driver, real SQLite, real HTTP.

Started (and SIGKILLed at random moments) by bench.cash_kill, which owns the banknote emulator
and the reference core so both outlive this process. A scripted customer walks cash bill
payments through the journey with the same keys a person presses; the parent feeds notes
into the emulator whenever the acceptor is enabled. Start-up recovery runs on every start.

argv: data_dir pty_path core_url accounts_csv seed [--drain]
env:  KILLTEST_TOKEN (the kiosk's core token; never on the command line)
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from pathlib import Path

from kiosk.clock import SystemClock
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment_states import State
from kiosk.runtime.app import KioskRuntime, build_kiosk
from kiosk.runtime.config import CoreConfig, DeviceConfig, KioskConfig, QueueConfig, TimeoutConfig
from kiosk.runtime.registry import default_registry

KIOSK_ID = "kill-kiosk-01"
TIMEOUTS = TimeoutConfig(
    menu=5.0,
    input=5.0,
    insert_cash=4.0,
    confirm=5.0,
    result=1.0,
    core_lookup=5.0,
    print_job=5.0,
    sync_wait=0.5,
    settle_note=3.0,
)


def build(data_dir: Path, pty_path: str, core_url: str) -> KioskRuntime:
    config = KioskConfig(
        kiosk_id=KIOSK_ID,
        currency="CNY",
        data_dir=data_dir,
        default_language="zh_CN",
        core=CoreConfig(url=core_url, token=os.environ["KILLTEST_TOKEN"], read_timeout=5.0),
        devices={
            "cash": DeviceConfig(
                "cash",
                "essp",
                {"port": pty_path, "poll_interval": 0.02, "cashbox_capacity": 1_000_000},
            ),
            "printer": DeviceConfig("printer", "escpos-emulated"),
        },
        timeouts=TIMEOUTS,
        queue=QueueConfig(backoff_base=0.05, backoff_cap=0.5),
    )
    return build_kiosk(
        config,
        clock=SystemClock(),
        registry=default_registry(),
        catalog=load_catalog(),
        receipts_dir=data_dir / "receipts",
    )


class Customer:
    """Presses keys like a person in front of the kiosk, one cash bill payment at a time."""

    def __init__(self, runtime: KioskRuntime, rng: random.Random) -> None:
        self.rt = runtime
        self.rng = rng
        self.journey = runtime.journey

    def pump_until(self, states: set[State], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.rt.controller.pump()
            if self.journey.state in states:
                return True
            time.sleep(0.005)
        return False

    def press(self, *keys: Key) -> None:
        for key in keys:
            self.rt.controller.press(key)
            self.rt.controller.pump()

    def pay(self, account: str) -> str:
        j, s = self.journey, State
        if not self.pump_until({s.ATTRACT}, 15):
            return "stuck"
        self.press(Key.ENTER, Key.D1, Key.D1)  # attract → 中文 → services menu: pay a bill
        if not self.pump_until({s.CHOOSE_BILLER, s.NOTICE}, 10) or j.state is s.NOTICE:
            self.press(Key.ENTER)
            return "no_billers"
        codes = [b.code for b in j.billers()]
        self.press(Key.digit(codes.index("SGCC") + 1))
        self.press(*[Key(d) for d in account], Key.ENTER)
        if not self.pump_until({s.BILL_DETAILS, s.NOTICE, s.ATTRACT}, 10):
            return "stuck"
        if j.state is not s.BILL_DETAILS:
            self.press(Key.ENTER, Key.CANCEL, Key.CANCEL, Key.CANCEL)
            return "no_bill"
        self.press(Key.ENTER)
        if not self.pump_until({s.INSERT_CASH, s.NOTICE}, 5) or j.state is s.NOTICE:
            self.press(Key.ENTER)
            return "cash_unavailable"
        print("insert", flush=True)
        cancel_after_first = self.rng.random() < 0.1
        end = {s.CONFIRM, s.PRINTING_CREDIT_SLIP, s.CREDITED, s.ATTRACT, s.NOTICE}
        while not self.pump_until(end, 0.05):
            cash = j.session.cash
            if cancel_after_first and cash is not None and not cash.total.is_zero():
                self.press(Key.CANCEL)
                break
        if j.state is s.CONFIRM:
            self.press(Key.ENTER)
        final = {s.THANK_YOU, s.CREDITED, s.ATTRACT}
        self.pump_until(final, 20)
        outcome = j.state.value
        if j.state is not s.ATTRACT:
            self.press(Key.ENTER)
        return outcome


def drain(runtime: KioskRuntime) -> None:
    """Runs until the outbox is empty (every money step accepted at the core)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runtime.controller.pump()
        status = runtime.outbox.status()
        if status.pending == 0 and status.in_flight == 0:
            print("drained", flush=True)
            return
        runtime.sync.wake()
        time.sleep(0.05)
    print("drain-timeout", flush=True)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.ERROR, format="child %(levelname)s %(name)s: %(message)s")
    data_dir, pty_path, core_url, accounts_csv, seed = argv[:5]
    accounts = accounts_csv.split(",")
    runtime = build(Path(data_dir), pty_path, core_url)
    runtime.start()
    report = runtime.recovery
    print(f"ready {report.cashbox if report else {}}", flush=True)
    try:
        if "--drain" in argv:
            drain(runtime)
            return 0
        customer = Customer(runtime, random.Random(seed))
        while True:
            opened = sum(1 for r in runtime.ledger.records() if r.kind == "cash_session_opened")
            outcome = customer.pay(accounts[opened % len(accounts)])
            print(f"done {outcome}", flush=True)
    finally:
        runtime.stop()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
