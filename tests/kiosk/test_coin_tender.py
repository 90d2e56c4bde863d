"""Coins in the journeys, recovery and counters: booked on the credit event, never lost."""

from __future__ import annotations

from pathlib import Path

from drivers.base import DeviceHealth, DeviceState
from drivers.cash.base import AcceptorStateChanged
from drivers.coin.base import CoinCredited
from drivers.coin.cctalk_driver import CcTalkCoinAcceptor
from drivers.coin.cctalk_emulator import CcTalkEmulator
from kiosk.errors import DeviceError
from kiosk.events import Key
from kiosk.journeys.bill_payment_states import State
from kiosk.money.amount import Money
from kiosk.money.cash.coin_service import (
    CashWithCoins,
    CoinAcceptorStateChanged,
    CoinTender,
    coin_event_sink,
    last_coin_counter,
)
from kiosk.money.cash.counters import cashbox_counts, cashbox_counts_sql, record_exchange
from kiosk.money.recovery import recover
from kiosk.runtime.registry import BuiltDevice
from tests.kiosk.journey_fixtures import FakeCash, make_rig


def coin(value_minor: int) -> CoinCredited:
    return CoinCredited("coin", 1, value_minor, "CNY")


def test_a_coin_with_no_session_open_is_booked_and_flagged_at_once(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.journey.handle(coin(100))  # a coin still rolling after the customer left
    booked = [r for r in rig.ledger.records() if r.kind == "coin_credited_unassigned"]
    assert len(booked) == 1 and booked[0].data["flagged"] is True
    assert rig.outbox.status().pending == 1, "queued to the core as a deposit, not dropped"
    assert rig.sync.wakes == 1


def test_a_coin_completing_the_bill_moves_to_confirm_and_pays_with_a_coin_tender(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.note(100)
    rig.note(20)
    rig.note(5)
    assert rig.journey.state is State.INSERT_CASH
    rig.journey.handle(coin(50))  # ¥125.50 due
    assert rig.journey.state is State.CONFIRM
    assert ("disable", len(rig.ledger.records())) in rig.cash.calls, "journaled, then disabled"
    rig.journey.handle(coin(100))  # one more still rolling: it is the customer's prepayment
    rig.press(Key.ENTER)
    (entry,) = rig.outbox.due_batch(10)
    assert entry.payload["amount"] == "126.50"
    assert entry.payload["details"]["prepayment"] == {"amount": "1.00", "currency": "CNY"}
    assert entry.payload["tender"]["coins"] == {"0.50": 1, "1.00": 1}
    counts = cashbox_counts(rig.ledger, "CNY")
    assert counts.coins == {"0.50": 1, "1.00": 1} and counts.count == 3


def test_recovery_credits_coins_of_an_interrupted_session(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.note(50)
    rig.journey.handle(coin(100))
    # the kiosk dies here: nothing committed
    report = recover(rig.ledger)
    assert len(report.credited) == 1
    credited = [r for r in rig.ledger.records() if r.kind == "cash_credited"]
    assert credited[0].data["reason"] == "recovered"
    (entry,) = [e for e in rig.outbox.due_batch(10) if e.txn_id == report.credited[0]]
    assert entry.payload["amount"] == "51.00"
    assert entry.payload["tender"] == {"type": "cash", "notes": {"50.00": 1}, "coins": {"1.00": 1}}


def test_coin_counts_from_sql_match_the_journal_and_restart_at_an_exchange(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.journey.handle(coin(100))
    rig.journey.handle(coin(100))
    engine = rig.ledger._engine  # the same database the kiosk reads
    fast = cashbox_counts_sql(engine, "CNY")
    assert fast.coins == cashbox_counts(rig.ledger, "CNY").coins == {"1.00": 2}
    assert fast.supplies()["coinbox_coins"] == "2"
    record_exchange(rig.ledger, "CNY", "tech-1")
    assert cashbox_counts_sql(engine, "CNY").coins == {}
    exchange = [r for r in rig.ledger.records() if r.kind == "cashbox_exchange"]
    assert exchange[0].data["coins_removed"] == {"1.00": 2}


class BrokenCoins:
    def __init__(self, state: DeviceState = DeviceState.ONLINE) -> None:
        self.state = state
        self.enabled = 0

    def enable(self, channels: set[int] | None = None) -> None:
        self.enabled += 1
        raise DeviceError("coin acceptor did not answer")

    def disable(self) -> None:
        raise DeviceError("coin acceptor did not answer")

    def health(self) -> DeviceHealth:
        return DeviceHealth("coin", self.state, "")


def test_a_failing_coin_acceptor_never_stops_the_notes(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    notes = FakeCash(rig.ledger)
    coins = BrokenCoins()
    port = CashWithCoins(notes, coins)
    port.enable()
    port.disable()
    assert [name for name, _ in notes.calls] == ["enable", "disable"]
    offline = BrokenCoins(DeviceState.OFFLINE)
    CashWithCoins(notes, offline).enable()
    assert offline.enabled == 0, "an offline coin acceptor is not even asked"


def test_a_coin_acceptor_fault_is_not_taken_for_a_note_acceptor_fault(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.note(50)
    seen: list[object] = []
    coin_event_sink(seen.append)(AcceptorStateChanged("coin", DeviceState.HARDWARE_ERROR, "jam"))
    assert isinstance(seen[0], CoinAcceptorStateChanged)
    rig.journey.handle(seen[0])
    assert rig.journey.state is State.INSERT_CASH, "the customer's note session goes on"


def test_a_coin_the_kiosk_died_before_journaling_is_booked_at_the_next_start(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    emulator = CcTalkEmulator(counter=254)  # across the 255 -> 1 wrap too
    port = emulator.start()
    seen: list[object] = []
    first = CcTalkCoinAcceptor("coin", port, seen.append, poll_interval=60, reply_timeout=0.1)
    second = CcTalkCoinAcceptor("coin", port, seen.append, poll_interval=60, reply_timeout=0.1)
    try:
        first.open()
        first.enable()
        emulator.insert_coin(3)
        first.poll_once()
        rig.journey.handle(seen[-1])  # booked (no session open: a flagged deposit)
        emulator.insert_coin(2)
        emulator.insert_coin(1)
        first.poll_once()  # both credited by the device ... and the kiosk is killed here
        first.close()
        seen.clear()
        tender = CoinTender(
            BuiltDevice(second),
            CashWithCoins(FakeCash(rig.ledger), second),
            lambda: last_coin_counter(rig.ledger._engine),  # the kiosk's own database
        )
        assert tender.start()
        replayed = [e for e in seen if isinstance(e, CoinCredited)]
        assert [(e.value_minor, e.event_counter) for e in replayed] == [(50, 1), (10, 2)]
        for event in replayed:
            rig.journey.handle(event)
        coins = cashbox_counts(rig.ledger, "CNY").coins
        assert coins == {"1.00": 1, "0.50": 1, "0.10": 1}
        assert sum(Money.parse(v, "CNY").minor * n for v, n in coins.items()) == (
            emulator.box_total_minor
        ), "the journal matches the coin box"
        seen.clear()
        second.close()
        third = CoinTender(
            BuiltDevice(second),
            CashWithCoins(FakeCash(rig.ledger), second),
            lambda: last_coin_counter(rig.ledger._engine),
        )
        third.start()
        assert not [e for e in seen if isinstance(e, CoinCredited)], "nothing twice"
    finally:
        second.close()
        emulator.stop()
