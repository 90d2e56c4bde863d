"""Coins as a cash tender: the coin acceptor next to the note acceptor, and how coins are booked.

A ccTalk coin has no escrow: when the credit event arrives the coin is already in the coin box,
so it is the kiosk's money from that moment. The journeys therefore journal it on the credit
event before doing anything else with it (`coin_credited`, in the open cash session), and a coin
that arrives when no session is open (a late coin after Cancel, or after the journey disabled the
acceptor) is booked as a flagged `cash_deposit` at once (`coin_credited_unassigned`), exactly as
an unassigned note is. The driver's event-counter tracking guarantees each coin arrives once.

`CashWithCoins` is the journeys' CashPort when a coin acceptor is configured: enabling cash
enables both acceptors; escrow commands go to the note acceptor only. A failing coin acceptor
never takes the notes down with it (coins are optional; notes are the kiosk's cash service).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from drivers.base import DeviceState, EventSink
from drivers.cash.base import AcceptorStateChanged
from drivers.coin.base import CoinCredited
from kiosk.errors import KioskError
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.ports import CashPort
from kiosk.money.amount import Money
from kiosk.money.cash.counters import COIN_KINDS
from kiosk.money.journal import JournalEntry
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import DeviceConfig
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoinAcceptorStateChanged:
    """The coin acceptor's health. Kept apart from the note acceptor's AcceptorStateChanged so
    a coin mechanism fault never settles a customer's note session as a cash-device fault."""

    device_id: str
    state: DeviceState
    detail: str = ""


def coin_event_sink(publish: EventSink) -> EventSink:
    """The coin driver's sink: its state changes become CoinAcceptorStateChanged."""

    def sink(event: object) -> None:
        if isinstance(event, AcceptorStateChanged):
            event = CoinAcceptorStateChanged(event.device_id, event.state, event.detail)
        publish(event)

    return sink


class CoinDevice(Protocol):
    def enable(self, channels: set[int] | None = None) -> None: ...

    def disable(self) -> None: ...

    def health(self) -> Any: ...


class CashWithCoins:
    """CashPort over the note acceptor's CashService plus a coin acceptor."""

    def __init__(self, notes: CashPort, coins: CoinDevice) -> None:
        self._notes = notes
        self._coins = coins

    def enable(self) -> None:
        self._notes.enable()
        if self.coins_available():
            self._coin_call(self._coins.enable, "enable")

    def disable(self) -> None:
        self._notes.disable()
        if self.coins_available():  # an offline acceptor would only time out (UI thread)
            self._coin_call(self._coins.disable, "disable")

    def accept_escrow(self) -> None:
        self._notes.accept_escrow()

    def reject_escrow(self) -> None:
        self._notes.reject_escrow()

    def denominations_minor(self) -> tuple[int, ...]:
        return self._notes.denominations_minor()

    def available(self) -> bool:
        return self._notes.available()

    def coins_available(self) -> bool:
        return bool(self._coins.health().state is DeviceState.ONLINE)

    def _coin_call(self, call: Callable[[], None], what: str) -> None:
        try:
            call()
        except KioskError as exc:
            log.error("coin acceptor %s failed: %s (notes still taken)", what, exc)


def book_coin(
    ledger: Ledger, session_id: str, txn_id: str | None, tally: CashTally, event: CoinCredited
) -> Money:
    """Journals a coin of the open cash session (first thing on the credit event)."""
    tally.add_coin(event.value_minor)
    value = Money.from_minor(event.value_minor, event.currency)
    ledger.record(
        session_id,
        "coin_credited",
        {
            "value": value.wire(),
            "total": tally.total.wire(),
            "channel": event.channel,
            "counter": event.event_counter,
        },
        txn_id=txn_id,
    )
    return value


def book_unassigned_coin(ledger: Ledger, session_id: str, state: str, event: CoinCredited) -> str:
    """A coin in the box with no cash session open: booked and flagged at once, never lost."""
    amount = Money.from_minor(event.value_minor, event.currency)
    txn_id = str(uuid.uuid4())
    ledger.commit_money(
        session_id,
        "coin_credited_unassigned",
        {"state": state, "flagged": True, "value": amount.wire(), "counter": event.event_counter},
        txn_id=txn_id,
        txn_type="cash_deposit",
        amount=amount,
        tender={"type": "cash", "notes": {}, "coins": {str(amount.amount): 1}},
        details={"reason": "unassigned_coin", "flagged": True},
    )
    log.error("coin credited with no cash session open: booked as a flagged deposit")
    return txn_id


def last_coin_counter(engine: Engine) -> int | None:
    """The device event counter of the last coin the journal holds (None: no coin yet)."""
    with Session(engine) as session:
        data = session.execute(
            select(JournalEntry.data)
            .where(JournalEntry.kind.in_(COIN_KINDS))
            .order_by(JournalEntry.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    counter = json.loads(data).get("counter") if data else None
    return counter if isinstance(counter, int) and counter > 0 else None


class CoinTender:
    """What the composition root holds for coins: the device and the CashPort with coins."""

    def __init__(
        self, built: BuiltDevice, port: CashWithCoins, last_counter: Callable[[], int | None]
    ) -> None:
        self.built = built
        self.port = port
        self._last_counter = last_counter

    def start(self) -> bool:
        """Opens the acceptor (inhibited until a journey enables cash); a failure leaves the
        kiosk taking notes only, with the reason in the log. Coins the device credited after
        the last one journaled (the kiosk died in between) are published at open and booked
        as flagged deposits by the journey that receives them."""
        device = self.built.device
        if hasattr(device, "resume_counter"):
            device.resume_counter = self._last_counter()
        try:
            device.open()
        except KioskError as exc:
            log.error("coin acceptor did not open: %s (notes only)", exc)
            return False
        return True

    def stop(self) -> None:
        try:
            self.built.close()
        except KioskError as exc:
            log.warning("closing the coin acceptor: %s", exc)


def build_coins(
    registry: DeviceRegistry,
    device: DeviceConfig,
    context: DeviceContext,
    notes: CashPort,
    engine: Engine,
) -> CoinTender:
    """[devices.coin] -> the coin acceptor (its state events kept apart) + CashWithCoins."""
    built = registry.build(device, replace(context, on_event=coin_event_sink(context.on_event)))
    return CoinTender(built, CashWithCoins(notes, built.device), lambda: last_coin_counter(engine))
