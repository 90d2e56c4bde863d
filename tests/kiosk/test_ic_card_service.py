"""The IC-card recharge as a menu service: its config section, its key, and the pending credit
written when the card is inserted between customers (the customer waits, never races it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.card_reader.base import CardInserted
from drivers.card_reader.stored_value import CardState, StoredValueCard, StoredValueError
from drivers.card_reader.stored_value_card import EmulatedStoredValueCard
from kiosk.clock import FakeClock
from kiosk.errors import ConfigError
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.topup_ic_card import IcCardRechargeJourney, RechargeState
from kiosk.journeys.topup_ic_card_ports import CardCreditResult, CardRead, pending_credits
from kiosk.journeys.topup_ic_card_service import IcCardService, card_key
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import DeviceConfig, TimeoutConfig, parse_config
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox
from tests.kiosk.journey_fixtures import ELECTRICITY, FakeCash, FakePrinter, FakeSync
from tests.kiosk.test_config import ENV, _raw
from tests.kiosk.test_topup_ic_card import CARD_ID, KEY, pay


def test_the_ic_card_reader_section_is_optional_and_needs_a_reader_pattern() -> None:
    raw = _raw()
    del raw["devices"]["ic_card_reader"]  # examples/kiosk.toml shows one; it is optional
    assert "ic_card_reader" not in parse_config(raw, ENV).devices
    raw["devices"]["ic_card_reader"] = {"backend": "pcsc", "reader": "*CCID* 01", "biller": "GAS"}
    device = parse_config(raw, ENV).devices["ic_card_reader"]
    assert (device.backend, device.options["reader"]) == ("pcsc", "*CCID* 01")
    del raw["devices"]["ic_card_reader"]["reader"]
    with pytest.raises(ConfigError, match="devices.ic_card_reader.reader"):
        parse_config(raw, ENV)


def test_the_card_key_comes_from_a_file_or_the_environment_never_the_config(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY.hex() + "\n")
    assert card_key(DeviceConfig("ic_card_reader", "pcsc", {"key_file": str(key_file)})) == KEY
    from_env = DeviceConfig("ic_card_reader", "pcsc", {"key_env": "IC_KEY"})
    assert card_key(from_env, {"IC_KEY": KEY.hex()}) == KEY
    with pytest.raises(ConfigError, match="key"):
        card_key(from_env, {})


class QueuedPort:
    """Answers arrive when the test delivers them, like the reader's I/O thread would."""

    def __init__(self, card: EmulatedStoredValueCard) -> None:
        self.host = StoredValueCard(card.process, KEY)
        self.card = card
        self.requests: list[tuple[str, str, CardState | None, int]] = []

    def read(self, request_id: str) -> None:
        self.requests.append(("read", request_id, None, 0))

    def credit(self, request_id: str, before: CardState, amount_minor: int) -> None:
        self.requests.append(("credit", request_id, before, amount_minor))

    def deliver(self, service: IcCardService) -> None:
        while self.requests:
            kind, request_id, before, amount = self.requests.pop(0)
            if kind == "read":
                self.card.reset()  # a new connection: the host selects the application again
                service.handle(CardRead(request_id, self.host.read()))
                continue
            assert before is not None
            try:
                service.handle(CardCreditResult(request_id, self.host.credit(before, amount)))
            except StoredValueError as exc:
                service.handle(CardCreditResult(request_id, None, exc.code))


def test_a_pending_credit_is_written_at_the_insert_and_a_customer_waits_for_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    outbox = Outbox(engine, "kiosk-test", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    port = QueuedPort(card)

    def factory(lang: str, settle_only: bool) -> IcCardRechargeJourney:
        return IcCardRechargeJourney(
            kiosk_id="kiosk-test",
            currency="CNY",
            clock=clock,
            timeouts=TimeoutConfig(),
            ledger=ledger,
            product=ELECTRICITY,
            card=port,
            cash=FakeCash(ledger),
            printer=FakePrinter(outbox),
            sync=FakeSync(),
            catalog=load_catalog(),
            lang=lang,
            settle_only=settle_only,
        )

    service = IcCardService(factory, lambda: True, "ic_card", "en")
    service.begin("en")
    port.deliver(service)
    card.fail_writes = 10
    pay(service.journey, 50)  # type: ignore[arg-type]
    port.deliver(service)
    assert service.journey is not None and service.journey.state is RechargeState.PENDING
    service.handle(KeyPressed(Key.ENTER))  # the customer leaves with the slip
    assert service.done
    card.fail_writes = 0

    service.handle(CardInserted("ic_card", "3B"))  # the card comes back between customers
    assert service.settling()
    service.begin("en")  # a customer opens the service at once: waits, does not race
    assert service.screen().screen_id == "ic_settling_pending" and not service.done
    port.deliver(service)
    assert card.balance == 5000 and card.counter == 1, "written once by the background"
    assert pending_credits(ledger.records()) == []
    assert not service.settling()
    assert service.journey.state is RechargeState.INSERT_CASH, "then the customer's turn"
    assert service.screen().amounts[0].amount == "¥50.00"


def test_voice_mode_gives_the_recharge_customer_longer(tmp_path: Path) -> None:
    from tests.kiosk.test_topup_ic_card import make

    journey, *_ = make(tmp_path, EmulatedStoredValueCard(CARD_ID, KEY))
    service = IcCardService(lambda lang, settle_only: journey, lambda: True, "ic_card", "en")
    service.timeout_factor = 3.0  # set by voice mode through the menu
    service.begin("en")
    assert journey.timeout_factor == 3.0 and journey.state is RechargeState.INSERT_CASH
    journey.clock.advance(TimeoutConfig().insert_cash + 1)  # type: ignore[attr-defined]
    service.tick()
    assert journey.state is RechargeState.INSERT_CASH, "still the customer's time"
    journey.clock.advance(2 * TimeoutConfig().insert_cash)  # type: ignore[attr-defined]
    service.tick()
    assert journey.state is RechargeState.CLOSED and service.done


def test_after_a_background_settle_the_customers_cash_is_taken_once(tmp_path: Path) -> None:
    from dataclasses import fields

    from drivers.cash.base import NoteCredited, NoteInEscrow
    from drivers.coin.base import CoinCredited
    from tests.kiosk.test_topup_ic_card import Port, make

    card = EmulatedStoredValueCard(CARD_ID, KEY)
    journey, ledger, _, _ = make(tmp_path, card)
    setup = {f.name: getattr(journey.setup, f.name) for f in fields(journey.setup)}
    background_port = Port(card)
    background = IcCardRechargeJourney(
        lang="en", **{**setup, "card": background_port, "settle_only": True}
    )
    background_port.journey = background
    made = iter((background, journey))
    service = IcCardService(lambda lang, settle_only: next(made), lambda: True, "ic_card", "en")
    service.handle(CardInserted("ic_card", "3B"))  # between customers: nothing pending
    assert service.background is background and not service.settling()
    service.begin("en")
    assert journey.state is RechargeState.INSERT_CASH
    service.handle(NoteInEscrow("cash", 0, 2000, "CNY"))
    service.handle(NoteCredited("cash", 0, 2000, "CNY"))
    service.handle(CoinCredited("coin", 3, 100, "CNY"))
    calls = journey.setup.cash.names()  # type: ignore[attr-defined]
    assert "reject_escrow" not in calls, "the settled background never refuses the customer's note"
    service.handle(KeyPressed(Key.ENTER))
    assert journey.state is RechargeState.DONE and card.balance == 2100
    kinds = [r.kind for r in ledger.records()]
    assert kinds.count("coin_credited") == 1 and "coin_credited_unassigned" not in kinds
