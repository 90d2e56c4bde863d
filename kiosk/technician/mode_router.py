"""Who owns the screen and the keys: customers, technician entry, or maintenance mode.

The controller drives this router exactly as it drove the customer session (handle / tick /
screen / abandon). The router is itself a small state machine:

    CUSTOMER --card or hidden keys at the attract screen--> ENTRY (PIN prompt / lockout notice)
    CUSTOMER or ENTRY --access granted at a safe point--> MAINTENANCE --exit--> CUSTOMER

`customer_active()` / `holds_money_or_card()` are the hook the issue asks for: the entry only
grants at a safe point (attract screen, no note in escrow, no card, no unfinished cash), and a
customer session is never cut short by a technician (the operator switch waits for it).
While in maintenance mode cash events still reach the customer session's fallback, which
accounts for any note nobody was waiting for, and results of its own slow work still reach it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from drivers.card_reader.base import CardInserted
from drivers.cash.base import NoteInEscrow
from drivers.sensors.operator_switch import OperatorSwitchChanged
from kiosk.events import CustomerTouched, KeyPressed
from kiosk.journeys.card_ports import CardReadDone
from kiosk.journeys.screen_model import ScreenModel
from kiosk.technician.entry import EntryMethod, EntryState, TechnicianEntry
from kiosk.technician.entry_guard import CustomerPresence
from kiosk.technician.entry_screens import entry_model
from kiosk.technician.mode import HealthRead, MaintenanceMode, ModeState, SelfTestFinished
from kiosk.technician.mode_screens import mode_model


class CardReads(Protocol):
    def request_read(self, request_id: str, aid: str | None = None) -> None: ...


class Observer(Protocol):
    def observe(self, event: object) -> None: ...


MODE_EVENTS = (HealthRead, SelfTestFinished)


class Owner(str, Enum):
    CUSTOMER = "customer"
    ENTRY = "entry"
    MAINTENANCE = "maintenance"


TRANSITIONS: dict[Owner, frozenset[Owner]] = {
    Owner.CUSTOMER: frozenset({Owner.ENTRY, Owner.MAINTENANCE}),
    Owner.ENTRY: frozenset({Owner.CUSTOMER, Owner.MAINTENANCE}),
    Owner.MAINTENANCE: frozenset({Owner.CUSTOMER}),
}


class TechnicianRouter:
    def __init__(
        self,
        session: Any,  # KioskSession (or any journey with the same five methods)
        *,
        entry: TechnicianEntry,
        mode: MaintenanceMode,
        presence: CustomerPresence,
        timezone: str,
        cards: CardReads | None = None,
        health: Observer | None = None,
        tap: Callable[[object], None] | None = None,
    ) -> None:
        self.session = session
        self.entry = entry
        self.mode = mode
        self.presence = presence
        self.cards = cards
        self.health = health
        self.tap = tap  # the running self-test waits for device events here
        self._zone = ZoneInfo(timezone)
        self.owner = Owner.CUSTOMER
        self._entered_by: EntryMethod | None = None
        self._card_read = ""

    # ---- what the controller uses, as on KioskSession ----------------------------------------

    @property
    def clock(self) -> Any:
        return self.session.clock

    @property
    def timeout_factor(self) -> float:
        return float(self.session.timeout_factor)

    @timeout_factor.setter
    def timeout_factor(self, factor: float) -> None:
        self.session.timeout_factor = factor

    def customer_active(self) -> bool:
        return self.presence.customer_active()

    def holds_money_or_card(self) -> bool:
        return self.presence.holds_money_or_card()

    def _go(self, target: Owner) -> None:
        if target not in TRANSITIONS[self.owner]:
            raise RuntimeError(f"router {self.owner.value} -> {target.value} is not allowed")
        self.owner = target

    # ---- events -------------------------------------------------------------------------------

    def handle(self, event: object) -> None:
        self.presence.observe(event)
        if self.health is not None:
            self.health.observe(event)
        if isinstance(event, OperatorSwitchChanged):
            self._switch(event.on)
        elif isinstance(event, KeyPressed | CustomerTouched):
            self._input(event)
        else:
            self._device_event(event)
        self._settle()

    def _switch(self, on: bool) -> None:
        if self.owner is Owner.MAINTENANCE:
            if self.mode.state is ModeState.SENSOR_TEST:
                self.mode.handle(OperatorSwitchChanged("operator_switch", on))
            elif not on and self._entered_by is EntryMethod.OPERATOR_SWITCH:
                self.mode.exit("operator_switch_off")
            return
        self.entry.operator_switch(on)

    def _input(self, event: KeyPressed | CustomerTouched) -> None:
        if self.owner is Owner.MAINTENANCE:
            if isinstance(event, KeyPressed):
                self.mode.handle(event)
            return
        if self.owner is Owner.ENTRY:
            if isinstance(event, KeyPressed):
                self.entry.key(event.key)
            return
        if isinstance(event, KeyPressed) and self.entry.key(event.key):
            return  # part of the hidden sequence: the customer session never sees it
        self.session.handle(event)

    def _device_event(self, event: object) -> None:
        if isinstance(event, MODE_EVENTS):  # the mode's own results, even after it closed
            self.mode.handle(event)
            return
        if self.owner is Owner.MAINTENANCE:
            testing = self.mode.state is ModeState.SELFTEST_RUNNING
            if testing and self.tap is not None:
                self.tap(event)
            self.mode.handle(event)
            if testing and isinstance(event, NoteInEscrow):
                return  # the note test decides (return it); the customer fallback must not
        if isinstance(event, CardInserted) and self._idle() and self.cards is not None:
            self._card_read = str(uuid.uuid4())  # a card at the attract screen: a technician's?
            self.cards.request_read(self._card_read, self.entry.settings.card_aid)
        if isinstance(event, CardReadDone) and event.request_id == self._card_read:
            self._card_read = ""
            card = event.card
            technician = self.entry.settings.technician_for_card(card.aid, card.pan)
            if technician is not None:
                self.entry.card(technician)
            return
        self.session.handle(event)

    def _idle(self) -> bool:
        return self.owner is Owner.CUSTOMER and not self.presence.customer_active()

    # ---- time and screens ----------------------------------------------------------------------

    def tick(self) -> None:
        self.session.tick()  # at attract during maintenance: only its own timers, if any
        self.entry.tick()
        self.mode.tick()
        self._settle()

    def abandon(self) -> None:
        """Voice mode's unplugged-headphones abandon: only ever a customer session's."""
        if self.owner is Owner.CUSTOMER:
            self.session.abandon()

    def _settle(self) -> None:
        """Moves ownership to match what entry and mode decided."""
        if self.entry.state is EntryState.GRANTED:
            self._entered_by = self.entry.method
            self.mode.begin(self.entry.who, self._entered_by.value if self._entered_by else "")
            self.entry.reset()
            self._go(Owner.MAINTENANCE)
        elif self.owner is Owner.MAINTENANCE and self.mode.done:
            self._entered_by = None
            self._go(Owner.CUSTOMER)
        elif self.owner is Owner.CUSTOMER and self.entry.showing:
            self._go(Owner.ENTRY)
        elif self.owner is Owner.ENTRY and not self.entry.showing:
            self._go(Owner.CUSTOMER)

    def screen(self) -> ScreenModel:
        if self.owner is Owner.MAINTENANCE:
            return mode_model(self.mode, self._zone)
        if self.owner is Owner.ENTRY:
            lang = self.session.default_language
            return entry_model(self.entry, self.mode.catalog, lang, self._zone)
        return self.session.screen()
