"""IC-card recharge in the running kiosk: the PC/SC port, the menu service, and their wiring.

The prepaid card sits in its own (second) PC/SC reader, `[devices.ic_card_reader]`: backend
`pcsc`, `reader` a reader-name pattern ("Virtual PCD 00 01" for vpcd slot 1), `biller` the
product code whose limits apply, and the card MAC key as hex in a file (`key_file`) or an
environment variable (`key_env`, default KIOSK_IC_CARD_KEY) — never in the config itself.
The service is offered only while that reader is online (and cash and the product are there).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from drivers.base import DeviceState
from drivers.card_reader.apdu import RawTransmit
from drivers.card_reader.base import CardInserted
from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.stored_value import CardState, StoredValueCard
from kiosk.errors import KioskError
from kiosk.events import Key, KeyPressed
from kiosk.journeys.kiosk_session import MenuEntry
from kiosk.journeys.ports import CashPort
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.topup_ic_card import IcCardRechargeJourney, RechargeState
from kiosk.journeys.topup_ic_card_books import CASH_EVENTS
from kiosk.journeys.topup_ic_card_ports import CardCreditResult, CardRead
from kiosk.money.amount import Money
from kiosk.money.billing import Biller
from kiosk.runtime.config import DeviceConfig
from kiosk.runtime.config_keys import ic_card_key
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry

log = logging.getLogger(__name__)
# A settle-only journey never sees these: the customer's note is not refused, nor a coin
# booked twice, nor a key pressed on the customer's screen taken as the background's.
CUSTOMER_EVENTS = (KeyPressed, *CASH_EVENTS)
Publish = Callable[[object], None]
# A settle-only journey writes what the journal says was paid; it needs no product limits.
_NONE = Money.zero("CNY")
UNKNOWN_PRODUCT = Biller("", "", "", ".*", _NONE, _NONE, False, False, _NONE)


def card_key(config: DeviceConfig, env: Mapping[str, str] | None = None) -> bytes:
    """The card MAC key, by the rules the config loader checked at start-up."""
    return ic_card_key(config.options, f"devices.{config.kind}", os.environ if env is None else env)


class PcscStoredValuePort:
    """The journey's StoredValuePort: card work on the reader's I/O thread, answers as events."""

    def __init__(self, reader: PcscCardReader, key: bytes, publish: Publish) -> None:
        self._reader = reader
        self._key = key
        self._publish = publish

    def available(self) -> bool:
        return self._reader.health().state is DeviceState.ONLINE

    def read(self, request_id: str) -> None:
        def job(transmit: RawTransmit, atr: str) -> CardState:
            return StoredValueCard(transmit, self._key).read()

        self._reader.submit(job).add_done_callback(
            lambda f: self._publish(CardRead(request_id, *self._outcome(f, "read")))
        )

    def credit(self, request_id: str, before: CardState, amount_minor: int) -> None:
        def job(transmit: RawTransmit, atr: str) -> CardState:
            return StoredValueCard(transmit, self._key).credit(before, amount_minor)

        self._reader.submit(job).add_done_callback(
            lambda f: self._publish(CardCreditResult(request_id, *self._outcome(f, "credit")))
        )

    @staticmethod
    def _outcome(future: Future[Any], what: str) -> tuple[CardState | None, str]:
        error = future.exception()
        if error is None:
            return future.result(), ""
        if isinstance(error, KioskError):
            log.info("IC card %s failed: %s", what, error.code)
            return None, error.code
        log.error("IC card %s job failed: %r", what, error)  # the journey re-reads the card
        return None, "CARD_JOB_FAILED"


class IcCardService:
    """The menu's Service for the recharge; a fresh journey per customer in their language.

    Between customers, a card inserted in the IC reader starts a settle-only journey that
    writes any credit still pending for that card (the retry "at the next insert"). A customer
    who opens the service meanwhile waits on a "writing" screen until it is done, so two
    writers never race for one card.
    """

    takes_cash = True  # notes and coins go to this journey while it is open

    def __init__(
        self,
        factory: Callable[[str, bool], IcCardRechargeJourney],
        available: Callable[[], bool],
        reader_id: str = "ic_card",
        default_language: str = "zh_CN",
    ) -> None:
        self._factory = factory
        self._available = available
        self._reader_id = reader_id
        self._default_language = default_language
        self.journey: IcCardRechargeJourney | None = None
        self.background: IcCardRechargeJourney | None = None
        self._deferred = False  # the customer's journey starts once the background is done
        self.timeout_factor = 1.0

    def settling(self) -> bool:
        return self.background is not None and self.background.state is not RechargeState.CLOSED

    def available(self) -> bool:
        return self._available()

    def begin(self, lang: str) -> None:
        self.journey = self._factory(lang, False)
        self.journey.timeout_factor = self.timeout_factor  # voice mode: longer to act
        self._deferred = self.settling()
        if not self._deferred:
            self.journey.start()

    @property
    def done(self) -> bool:
        if self.journey is None:
            return True
        return not self._deferred and self.journey.state is RechargeState.CLOSED

    def handle(self, event: object) -> None:
        if self.journey is not None:
            self.journey.handle(event)
        if self.background is not None and not isinstance(event, CUSTOMER_EVENTS):
            self.background.handle(event)  # the card's answers only: it has no customer
        inserted = isinstance(event, CardInserted) and event.device_id == self._reader_id
        if inserted and self.done and not self.settling():
            self.background = self._factory(self._default_language, True)
            self.background.start()
        self._start_deferred()

    def tick(self) -> None:
        for journey in (self.journey, self.background):
            if journey is not None:
                journey.tick()
        self._start_deferred()

    def _start_deferred(self) -> None:
        if self._deferred and not self.settling() and self.journey is not None:
            self._deferred = False
            self.journey.start()

    def screen(self) -> ScreenModel:
        assert self.journey is not None
        if self._deferred:
            text, lang = self.journey.catalog.text, self.journey.lang
            body = (text(lang, "ic_writing"),)
            return ScreenModel("ic_settling_pending", lang, text(lang, "ic_title"), body, busy=True)
        return self.journey.screen()

    def abandon(self) -> None:
        """The customer left: Cancel settles inserted cash onto the card as the journey's own."""
        if self._deferred:
            self._deferred, self.journey = False, None
            return
        waiting = (RechargeState.WAIT_CARD, RechargeState.INSERT_CASH)
        if self.journey is not None and self.journey.state in waiting:
            self.journey.handle(KeyPressed(Key.CANCEL))


def find_product(billers: tuple[Biller, ...], code: str) -> Biller | None:
    return next((b for b in billers if b.code == code), None)


class IcCardRecharge:
    """What the composition root holds: the reader (started/stopped with the kiosk) and the
    menu entry."""

    def __init__(self, reader: BuiltDevice, service: IcCardService) -> None:
        self.reader = reader
        self.service = service

    def start(self) -> None:
        self.reader.device.start()  # its own I/O thread; Offline until the reader is found

    def stop(self) -> None:
        self.reader.close()

    def entry(self) -> MenuEntry:
        return MenuEntry("service_ic_recharge", self.service)


def build_ic_card_recharge(
    *,
    registry: DeviceRegistry,
    device: DeviceConfig,
    context: DeviceContext,
    billers: Callable[[], tuple[Biller, ...]],
    cash: CashPort,
    cash_available: Callable[[], bool],
    online: Callable[[], bool],
    journey_kwargs: dict[str, Any],
    default_language: str = "zh_CN",
) -> IcCardRecharge:
    """Wires the second reader, the card key and a journey factory (nothing is started)."""
    reader = registry.build(device, context)
    port = PcscStoredValuePort(reader.device, card_key(device), context.on_event)
    code = str(device.options.get("biller", ""))

    def product() -> Biller | None:
        listed = billers()
        return find_product(listed, code) if code else (listed[0] if listed else None)

    def journey(lang: str, settle_only: bool) -> IcCardRechargeJourney:
        chosen = product() or UNKNOWN_PRODUCT  # a customer is offered it only when known
        return IcCardRechargeJourney(
            product=chosen,
            card=port,
            cash=cash,
            online=online,
            lang=lang,
            reader_id=reader.device.device_id,
            settle_only=settle_only,
            **journey_kwargs,
        )

    def available() -> bool:
        return port.available() and product() is not None and cash_available()

    service = IcCardService(journey, available, reader.device.device_id, default_language)
    return IcCardRecharge(reader, service)
