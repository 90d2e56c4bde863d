"""Prepaid top-up: the amount is what the customer inserts; every path out with cash books it."""

from __future__ import annotations

from pathlib import Path

from drivers.cash.base import NoteCredited, NoteInEscrow
from kiosk.clock import FakeClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.topup import Product, TopupJourney, TopupState
from kiosk.money.billing import Biller
from kiosk.money.ledger import Ledger
from kiosk.money.recovery import recover
from kiosk.runtime.config import TimeoutConfig
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox
from tests.kiosk.journey_fixtures import ELECTRICITY, FakeCash, FakePrinter, FakeSync, cny

PHONE = Product(
    "PHONE",
    Biller(
        code="PHONE",
        name_zh="手机话费",
        name_en="Mobile phone",
        account_pattern=r"^1[3-9][0-9]{9}$",
        min_amount=cny("10.00"),
        max_amount=cny("200.00"),
        partial_allowed=True,
        offline_allowed=True,
        offline_limit=cny("100.00"),
    ),
)


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock()
        engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
        self.outbox = Outbox(engine, "kiosk-test", self.clock)
        self.outbox.create_schema()
        self.ledger = Ledger(engine, self.outbox, self.clock)
        self.ledger.create_schema()
        self.cash, self.printer = FakeCash(self.ledger), FakePrinter(self.outbox)
        self.online = True
        self.journey = TopupJourney(
            kiosk_id="kiosk-test",
            currency="CNY",
            catalog=load_catalog(),
            clock=self.clock,
            timeouts=TimeoutConfig(),
            ledger=self.ledger,
            products=(PHONE, Product("SGCC", ELECTRICITY)),
            cash=self.cash,
            printer=self.printer,
            sync=FakeSync(),
            online=lambda: self.online,
        )

    def press(self, *keys: str) -> None:
        for key in keys:
            self.journey.handle(KeyPressed(Key(key)))

    def to_insert(self, number: str = "13800138000") -> None:
        self.journey.start()
        self.press("1", *number, "enter")
        assert self.journey.state is TopupState.INSERT_CASH

    def note(self, value: int) -> None:
        self.journey.handle(NoteInEscrow("cash", 0, value * 100, "CNY"))
        if self.cash.names()[-1] == "accept_escrow":
            self.journey.handle(NoteCredited("cash", 0, value * 100, "CNY"))

    def topups(self) -> list[dict]:
        return [r.data for r in self.ledger.records() if r.kind == "payment_committed"]


def test_phone_top_up_books_exactly_the_notes_inserted_and_prints(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_insert()
    rig.note(50)
    rig.note(20)
    assert rig.journey.screen().amounts[0].amount == "¥70.00"
    rig.press("enter")
    assert rig.topups()[0]["amount"] == {"amount": "70.00", "currency": "CNY"}
    assert rig.outbox.status().pending == 1
    assert rig.journey.state is TopupState.PRINTING
    assert rig.printer.jobs[0][2] == 1, "the receipt is printed only after the money is queued"


def test_a_wrong_number_is_refused_before_any_cash_is_taken(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.journey.start()
    rig.press("1", *"12345", "enter")
    assert rig.journey.state is TopupState.ENTER_NUMBER
    assert rig.journey.screen().message
    assert "enable" not in rig.cash.names()


def test_the_product_limit_and_the_offline_limit_send_notes_back(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_insert()
    rig.note(100)
    rig.note(100)
    rig.note(50)  # 250 > 200: back to the customer while still in escrow
    rejected = [r.data["reason"] for r in rig.ledger.records() if r.kind == "note_escrow_rejected"]
    assert rejected == ["over_biller_limit"]
    rig.press("enter")
    assert rig.topups()[0]["amount"]["amount"] == "200.00"


def test_offline_the_lower_limit_applies(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.online = False
    rig.to_insert()
    rig.note(100)
    rig.note(20)
    rejected = [r.data["reason"] for r in rig.ledger.records() if r.kind == "note_escrow_rejected"]
    assert rejected == ["over_offline_limit"]


def test_cancel_or_timeout_with_cash_still_tops_up_what_was_inserted(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_insert()
    rig.note(20)
    rig.clock.advance(TimeoutConfig().insert_cash + 1)
    rig.journey.tick()
    assert rig.topups()[0]["reason"] == "timeout"
    assert rig.topups()[0]["amount"]["amount"] == "20.00"


def test_a_kill_mid_top_up_is_credited_to_the_number_at_restart(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_insert("13900139000")
    rig.note(50)
    report = recover(rig.ledger)  # the process died here
    assert report.credited == [rig.journey.session.txn_id]
    credited = [r.data for r in rig.ledger.records() if r.kind == "cash_credited"]
    assert credited[0]["amount"] == {"amount": "50.00", "currency": "CNY"}
    assert rig.outbox.status().pending == 1
