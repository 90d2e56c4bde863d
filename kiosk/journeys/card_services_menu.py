"""The card services on the menu: balance inquiry and statement printing in the running kiosk.

Both share one `CardStation` (kiosk/card/station.py): reader, PIN pad, card handler, card core.

`CardMenuService` adapts one CardJourney to the menu's Service contract, like TopupService.
Keys reach the journey, which sends every key to the PIN pad during PIN entry (the journey only
learns the digit count); reader and pad events of other devices (a second reader for IC cards)
are filtered out by device id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from drivers.card_reader.base import (
    CardInserted,
)
from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.stripe_serial import StripeSerialReader
from drivers.pinpad.emulated import EmulatedPinPad
from kiosk.card.services import CardCoreHttp
from kiosk.card.station import CardStation
from kiosk.events import Key, KeyPressed
from kiosk.journeys.balance import CardJourney
from kiosk.journeys.balance_states import Purpose, State
from kiosk.journeys.kiosk_session import MenuEntry
from kiosk.journeys.screen_model import ScreenModel
from kiosk.runtime.config import CoreConfig, TimeoutConfig

log = logging.getLogger(__name__)
Publish = Callable[[object], None]
CUSTOMER_STATES = (
    State.INSERT_CARD,
    State.CHOOSE_APP,
    State.ENTER_PIN,
    State.SHOW_BALANCE,
    State.CHOOSE_PERIOD,
)


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
