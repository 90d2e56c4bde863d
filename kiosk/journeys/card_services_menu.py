"""The card services on the menu: balance inquiry and statement printing in the running kiosk.

`CardStation` is what both services share: the PC/SC reader, the PIN pad, the card handler, the
core's card endpoints on their own worker thread (one requests session, one thread) and what the
kiosk knows about the card in the reader. The services are offered only while the reader is
Online, the core answers, and no card from a finished session (or from a dead run) is still in
the reader — a dip reader cannot capture it, so nobody may read it into a new session.

`CardMenuService` adapts one CardJourney to the menu's Service contract, like TopupService.
Keys reach the journey, which sends every key to the PIN pad during PIN entry (the journey only
learns the digit count); reader and pad events of other devices (a second reader for IC cards)
are filtered out by device id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from drivers.base import DeviceState
from drivers.card_reader.base import (
    CardInserted,
    CardRemoved,
    ReaderStateChanged,
    StripeRead,
    StripeReadFailed,
)
from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.stripe_serial import StripeSerialReader
from drivers.pinpad.base import PinBlockReady, PinKeyEvent
from drivers.pinpad.emulated import EmulatedPinPad
from kiosk.card_handling import CardHandler
from kiosk.card_payment_service import CardPaymentCoreService
from kiosk.card_services import CardCoreHttp, PcscCardService
from kiosk.card_startup import SETTLED, StartupCardCheck, StartupCardChecked
from kiosk.clock import Clock
from kiosk.config import CoreConfig, TimeoutConfig
from kiosk.errors import CoreError
from kiosk.events import KeyPressed
from kiosk.journeys.balance import CardJourney
from kiosk.journeys.balance_states import Purpose, State
from kiosk.journeys.card_ports import AuthorizeDone, CoreRequestFailed, StatementFetched
from kiosk.journeys.kiosk_session import MenuEntry
from kiosk.keys import Key
from kiosk.ledger import Ledger
from kiosk.runtime.worker import Worker
from kiosk.screen_model import ScreenModel

log = logging.getLogger(__name__)
Publish = Callable[[object], None]
CUSTOMER_STATES = (
    State.INSERT_CARD,
    State.CHOOSE_APP,
    State.ENTER_PIN,
    State.SHOW_BALANCE,
    State.CHOOSE_PERIOD,
)


class CardStation:
    def __init__(
        self,
        *,
        reader: PcscCardReader,
        pinpad: EmulatedPinPad,
        ledger: Ledger,
        clock: Clock,
        http: CardCoreHttp,
        publish: Publish,
        take_timeout: float,
        startup_policy: str,
        probe_every: float = 15.0,
        stripe: StripeSerialReader | None = None,
    ) -> None:
        self.reader = reader
        self.stripe = stripe  # a hybrid reader's stripe head, when configured
        self.pinpad = pinpad
        self._ledger = ledger
        self._clock = clock
        self._http = http
        self.port = PcscCardService(reader, publish, clock)
        self._worker = Worker("core-cards")
        self.core = CardPaymentCoreService(http, self._worker, publish)  # bill payment too
        self.take_timeout = take_timeout
        self._probe_every = probe_every
        self.cards: CardHandler | None = None  # built at start: it reads the journal
        self.leftover = False  # a card of no current session is in the reader
        self.startup = StartupCardCheck(reader, ledger, startup_policy, publish)
        self._last_event: object = None
        self._core_up = False
        self.core_checked = False  # the core has been asked at least once
        self._probe_due = 0.0
        self._probing = False
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Card handler, core worker, reader thread; then the start-up card question (answered
        by an event, see kiosk/card_startup.py)."""
        self.cards = CardHandler(
            self.port, self._ledger, self._clock, take_timeout=self.take_timeout
        )
        self._worker.start()
        self.reader.start()
        if self.stripe is not None:
            self.stripe.start()
        self._probe()
        self.startup.ask()

    def stop(self) -> None:
        if self.stripe is not None:
            self.stripe.stop()
        self.reader.stop()
        self._worker.stop()
        self._http.close()

    # -- what the menu asks ------------------------------------------------------------------

    def available(self) -> bool:
        """Reader Online, core answering, reader free. Between customers the menu asks this on
        every screen refresh, which is also when a start-up card's take time is checked."""
        if self.cards is None:
            return False
        if self.leftover and self.cards.awaiting_take and self.cards.tick():
            log.warning("start-up card not taken in time: retained")
        online = self.reader.health().state is DeviceState.ONLINE
        checked = self.startup.outcome in SETTLED
        return online and checked and not self.leftover and self.core_reachable()

    def core_reachable(self) -> bool:
        """The last answer of the core (health probe or card request), re-probed in the
        background every `probe_every` seconds on the card worker."""
        if self._clock.monotonic() >= self._probe_due:
            self._probe()
        return self._core_up

    def _probe(self) -> None:
        with self._lock:
            if self._probing:
                return
            self._probing = True
            self._probe_due = self._clock.monotonic() + self._probe_every
        self._worker.submit(self._run_probe)

    def _run_probe(self) -> None:
        try:
            reply = self._http.get_json("/v1/health")
            up = isinstance(reply, dict) and reply.get("status") == "ok"
        except CoreError as exc:
            log.info("core health for card services: %s", exc.code)
            up = False
        with self._lock:
            self._core_up, self._probing, self.core_checked = up, False, True

    # -- events ------------------------------------------------------------------------------

    def mine(self, event: object) -> bool:
        """False for reader/pad events of another device (a second reader, another pad)."""
        if isinstance(event, CardInserted | CardRemoved | ReaderStateChanged | StartupCardChecked):
            return event.device_id == self.reader.device_id
        if isinstance(event, PinKeyEvent | PinBlockReady):
            return event.device_id == self.pinpad.device_id
        if isinstance(event, StripeRead | StripeReadFailed):
            return self.stripe is not None and event.device_id == self.stripe.device_id
        return True

    def stripe_online(self) -> bool:
        return self.stripe is not None and self.stripe.health().state is DeviceState.ONLINE

    def on_event(self, event: object) -> None:
        """Learns from every event, whichever service is active (both services forward the
        same event object: it is handled once)."""
        if event is self._last_event:
            return
        self._last_event = event
        if isinstance(event, StartupCardChecked) and self.mine(event) and self.cards:
            if self.startup.on_answer(event, self.cards):
                if self.reader.card_present:
                    self.leftover = True
                elif self.cards.awaiting_take:
                    self.cards.taken()  # pulled out before the kiosk got round to it
        elif isinstance(event, ReaderStateChanged) and self.mine(event):
            if event.state is DeviceState.ONLINE and self.startup.outcome == "unknown":
                self.startup.ask()  # the reader is back: ask the start-up question again
        elif isinstance(event, CoreRequestFailed) and event.transient:
            self._core_up = False
        elif isinstance(event, AuthorizeDone | StatementFetched):
            self._core_up = True
        elif isinstance(event, CardRemoved) and self.mine(event) and self.leftover:
            self.leftover = False
            if self.cards is not None and self.cards.awaiting_take:
                self.cards.taken()
            log.info("the card left in the reader was taken out: card services free again")

    def hold(self) -> None:
        """A finished session left its card in the reader (retained on a dip reader)."""
        if self.reader.card_present:
            self.leftover = True


class CardMenuService:
    """One card journey on the menu, built fresh for each customer in their language."""

    def __init__(
        self,
        purpose: Purpose,
        factory: Callable[[Purpose, str, float], CardJourney],
        station: CardStation,
    ) -> None:
        self.purpose = purpose
        self._factory = factory
        self._station = station
        self.journey: CardJourney | None = None
        self.timeout_factor = 1.0

    def available(self) -> bool:
        return self._station.available()

    def begin(self, lang: str) -> None:
        self.journey = self._factory(self.purpose, lang, self.timeout_factor)
        self.journey.start()
        if self.journey.state is State.INSERT_CARD and self._station.reader.card_present:
            # A dip reader: the customer put the card in before choosing the service.
            self.journey.handle(CardInserted(self._station.reader.device_id, ""))

    @property
    def done(self) -> bool:
        return self.journey is None or self.journey.state is State.DONE

    def handle(self, event: object) -> None:
        self._station.on_event(event)
        if self.journey is None or self.done or not self._station.mine(event):
            return
        self.journey.handle(event)
        self._after()

    def tick(self) -> None:
        if self.journey is not None and not self.done:
            self.journey.tick()
            self._after()

    def _after(self) -> None:
        if self.done:
            self._station.hold()

    def screen(self) -> ScreenModel:
        assert self.journey is not None
        return self.journey.screen()

    def abandon(self) -> None:
        """The customer left: Cancel, as their own key would (PIN entry: the pad cancels)."""
        if self.journey is not None and self.journey.state in CUSTOMER_STATES:
            self.journey.handle(KeyPressed(Key.CANCEL))
            self._after()


def scaled(timeouts: TimeoutConfig, factor: float) -> TimeoutConfig:
    """Voice mode's longer customer timeouts (the warning lead time stays as it is)."""
    if factor == 1.0:
        return timeouts
    values = {f.name: getattr(timeouts, f.name) * factor for f in fields(timeouts)}
    values["warning"] = timeouts.warning
    return TimeoutConfig(**values)


@dataclass
class CardServices:
    """What the composition root keeps: the station (started and stopped with the kiosk) and
    the two menu entries."""

    station: CardStation
    balance: CardMenuService
    statement: CardMenuService

    def entries(self) -> tuple[MenuEntry, ...]:
        return (
            MenuEntry("service_balance", self.balance),
            MenuEntry("service_statement", self.statement),
        )

    def start(self) -> None:
        self.station.start()

    def stop(self) -> None:
        self.station.stop()


def card_http(core: CoreConfig, kiosk_id: str) -> CardCoreHttp:
    return CardCoreHttp(
        core.url,
        kiosk_id,
        core.token,
        connect_timeout=core.connect_timeout,
        read_timeout=core.read_timeout,
        verify=core.verify,
        pin_sha256=core.pin_sha256,
    )


def build_card_services(
    *,
    reader: PcscCardReader,
    pinpad: EmulatedPinPad,
    reader_options: dict[str, Any],
    http: CardCoreHttp,
    journey_kwargs: dict[str, Any],
    publish: Publish,
    stripe: StripeSerialReader | None = None,
) -> CardServices:
    """`journey_kwargs`: what every CardJourney gets (kiosk id, catalog, clock, timeouts,
    ledger, printer, timezone); the station supplies the reader, pad, core and card handler."""
    station = CardStation(
        reader=reader,
        pinpad=pinpad,
        ledger=journey_kwargs["ledger"],
        clock=journey_kwargs["clock"],
        http=http,
        publish=publish,
        take_timeout=float(reader_options.get("take_timeout", 30.0)),
        startup_policy=str(reader_options.get("startup_card", "retain")),
        stripe=stripe,
    )
    timeouts: TimeoutConfig = journey_kwargs["timeouts"]

    def factory(purpose: Purpose, lang: str, factor: float) -> CardJourney:
        assert station.cards is not None, "the kiosk was not started"
        return CardJourney(
            **{**journey_kwargs, "timeouts": scaled(timeouts, factor)},
            purpose=purpose,
            lang=lang,
            reader=station.port,
            pinpad=pinpad,
            core=station.core,
            cards=station.cards,
            accepts_swipe=station.stripe_online(),
        )

    return CardServices(
        station,
        CardMenuService(Purpose.BALANCE, factory, station),
        CardMenuService(Purpose.STATEMENT, factory, station),
    )
