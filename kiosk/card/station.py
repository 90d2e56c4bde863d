"""The card station: what the bank-card services share in the running kiosk.

The PC/SC reader (and a hybrid reader's stripe head), the PIN pad, the card handler, the core's
card endpoints on their own worker thread (one requests session, one thread) and what the kiosk
knows about the card in the reader. Card services are offered only while the reader is Online,
the core answers, and no card from a finished session (or from a dead run) is still in the
reader — a dip reader cannot capture it, so nobody may read it into a new session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

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
from kiosk.card.handling import CardHandler
from kiosk.card.payment_service import CardPaymentCoreService
from kiosk.card.services import CardCoreHttp, PcscCardService
from kiosk.card.startup import SETTLED, StartupCardCheck, StartupCardChecked
from kiosk.clock import Clock
from kiosk.errors import CoreError
from kiosk.journeys.card_ports import AuthorizeDone, CoreRequestFailed, StatementFetched
from kiosk.money.ledger import Ledger
from kiosk.runtime.worker import Worker

log = logging.getLogger(__name__)
Publish = Callable[[object], None]


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
        by an event, see kiosk/card/startup.py)."""
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
