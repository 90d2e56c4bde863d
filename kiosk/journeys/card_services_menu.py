"""The card services on the menu: balance inquiry and statement printing in the running kiosk.

Both share one `CardStation` (kiosk/card/station.py): reader, PIN pad, card handler, card core.

`CardMenuService` adapts one card journey (kiosk/journeys/balance.py, statement.py) to the
menu's Service contract, like TopupService. Keys reach the journey, whose card session sends
every key to the PIN pad during PIN entry (the journey only learns the digit count); reader and
pad events of other devices (a second reader for IC cards) are filtered out by device id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.stripe_serial import StripeSerialReader
from drivers.pinpad.emulated import EmulatedPinPad
from kiosk.card.services import CardCoreHttp
from kiosk.card.station import CardStation
from kiosk.journeys.balance import BalanceJourney
from kiosk.journeys.card_journey import CardJourney, Purpose
from kiosk.journeys.kiosk_session import MenuEntry
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.statement import StatementJourney
from kiosk.runtime.config import CoreConfig, TimeoutConfig

log = logging.getLogger(__name__)
Publish = Callable[[object], None]
JOURNEYS: dict[Purpose, type[CardJourney]] = {
    Purpose.BALANCE: BalanceJourney,
    Purpose.STATEMENT: StatementJourney,
}


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
        self.journey.start()  # a card already in a dip reader is read at once

    @property
    def done(self) -> bool:
        return self.journey is None or self.journey.done

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
        if self.journey is not None:
            self.journey.abandon()
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
    """`journey_kwargs`: what every card journey gets (kiosk id, catalog, clock, timeouts,
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
        return JOURNEYS[purpose](
            **{**journey_kwargs, "timeouts": scaled(timeouts, factor)},
            lang=lang,
            reader=station.port,
            pinpad=pinpad,
            core=station.core,
            cards=station.cards,
            accepts_swipe=station.stripe_online(),
            card_present=lambda: station.reader.card_present,
        )

    return CardServices(
        station,
        CardMenuService(Purpose.BALANCE, factory, station),
        CardMenuService(Purpose.STATEMENT, factory, station),
    )
