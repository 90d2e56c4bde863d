"""Paying the bill by card: the CardSession part, told what a payment means.

card in -> read -> PIN on the pad -> online authorization, purpose "payment" with the amount ->
approved: the card_payment is booked (journal + outbox in one transaction) -> card back ->
receipt with the masked PAN and auth code -> sync. Money safety: the authorization request is
journaled with its txn id BEFORE it is sent; an authorization whose outcome is unknown (no
answer, a timeout, a crash - see bill_payment_card_recovery.py) or that the issuer approved but
ordered the card kept is reversed through the queue, so a customer is never charged without a
receipted payment. Card payments need the bank now: they are not offered offline.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from drivers.card_reader.emv.card_data import CardData
from drivers.pinpad.base import PinBlockReady, PinKeyEvent
from drivers.printer.document import Document
from kiosk.card.handling import CardHandler
from kiosk.journeys import bill_payment_books as books
from kiosk.journeys import bill_payment_receipts as receipts
from kiosk.journeys.bill_payment_card_ports import AUTH_REQUESTED, PaymentCorePort
from kiosk.journeys.bill_payment_setup import JourneySetup
from kiosk.journeys.bill_payment_states import CARD_STATE_VIEW, State, Step
from kiosk.journeys.card_ports import (
    AuthorizeDone,
    AuthResult,
    CardAppsOffered,
    CardPort,
    CardReadDone,
    CardReadFailed,
    CoreRequestFailed,
    PinPort,
)
from kiosk.journeys.parts.base import Part, PartContext
from kiosk.journeys.parts.card_session import CardSession, CardSessionEnded, CardTexts
from kiosk.journeys.session import CustomerSession
from kiosk.money.amount import Money

CARD_EVENTS = (
    CardInserted,
    CardRemoved,
    StripeRead,
    StripeReadFailed,
    CardAppsOffered,
    CardReadDone,
    CardReadFailed,
    PinKeyEvent,
    PinBlockReady,
    AuthorizeDone,
    CoreRequestFailed,
)
# The core's decline reasons -> what the customer reads (every one says nothing was charged).
DECLINES = {
    "INSUFFICIENT_FUNDS": "card_pay_declined_funds",
    "PIN_TRIES_EXCEEDED": "card_pay_declined_pin_tries",
    "WRONG_PIN": "card_pay_declined_pin_tries",
    "EXPIRED_CARD": "card_pay_declined_expired",
    "INVALID_CARD": "card_pay_declined_card",
    "UNKNOWN_CARD": "card_pay_declined_card",
}
PAYMENT_TEXTS = CardTexts(
    declined=lambda reason: DECLINES.get(reason, "card_pay_declined"),
    no_answer="card_pay_no_answer",
    retain_swiped="card_pay_declined",
    approved_note="card_pay_approved",
    authorizing_body="card_pay_authorizing",
)


@dataclass(frozen=True)
class CardWiring:
    reader: CardPort
    pinpad: PinPort
    core: PaymentCorePort
    # a callable: the composition root builds the shared CardHandler when the station starts
    handler: CardHandler | Callable[[], CardHandler | None] | None = None


@dataclass
class CardPay:
    """The card part of one customer's bill payment (as long as that customer session)."""

    session_id: str
    amount: Money
    card: CardData | None = field(default=None, repr=False)
    approved: bool = False
    auth_code: str = ""


class PayHost(Protocol):
    """The bill-payment journey as the card step uses it."""

    session: CustomerSession
    ctx: PartContext
    setup: JourneySetup
    part: Part | None

    @property
    def offline(self) -> bool: ...

    def go(self, target: Step, timeout: float | None = None, part: Part | None = None) -> None: ...

    def printer_warned(self) -> bool: ...

    def booked(self, seq: int) -> None: ...

    def print_receipt(self, document: Document, screen_id: str) -> None: ...

    def to_attract(self) -> None: ...

    def back_to_bill(self, message_id: str) -> None: ...


class BillCardPay:
    def __init__(self, host: PayHost, wiring: CardWiring) -> None:
        self._host, self._wiring = host, wiring
        if wiring.handler is None:
            wiring = CardWiring(
                wiring.reader,
                wiring.pinpad,
                wiring.core,
                CardHandler(wiring.reader, host.setup.ledger, host.setup.clock),
            )
            self._wiring = wiring
        self.pay: CardPay | None = None

    # -- queries (the bill screen) ---------------------------------------------------------

    @property
    def cards(self) -> CardHandler | None:
        source = self._wiring.handler
        return source() if callable(source) else source

    def wired(self) -> bool:
        return self.cards is not None

    def online(self) -> bool:
        return self._host.setup.online() and not self._host.offline

    def offered(self) -> bool:
        """Card is a tender on the bill screen: wired, reader up, and the bank reachable."""
        return self.wired() and self._wiring.reader.available() and self.online()

    @property
    def chosen(self) -> bool:
        return self.pay is not None and self.pay.session_id == self._host.session.session_id

    @property
    def session(self) -> CardSession | None:
        part = self._host.part
        return part if isinstance(part, CardSession) else None

    @property
    def state(self) -> State:
        session = self.session
        return CARD_STATE_VIEW[session.state.value] if session else State.CARD_INSERT

    def accepts_swipe(self) -> bool:
        accepts = getattr(self._wiring.reader, "accepts_swipe", None)  # StationCardPort
        return bool(accepts is not None and accepts())

    # -- steps -----------------------------------------------------------------------------

    def choose(self) -> None:
        host = self._host
        if not self.online():
            host.session.message_id = "card_pay_offline"
            return
        if not self._wiring.reader.available():
            host.session.message_id = "card_reader_unavailable"
            return
        assert host.session.bill is not None
        self.pay = CardPay(host.session.session_id, host.session.bill.amount_due)
        if not host.printer_warned():  # told before any money moves, as for cash
            self.open()

    def open(self) -> None:
        host, s, pay = self._host, self._host.session, self.pay
        assert s.bill is not None and s.biller is not None and pay is not None
        cards = self.cards
        assert cards is not None
        host.ctx.journal(
            "card_payment_opened",
            biller=s.biller.code,
            account=s.account,
            bill_id=s.bill.bill_id,
            amount=pay.amount.wire(),
        )
        present = getattr(self._wiring.reader, "card_present", None)  # a dip reader
        session = CardSession(
            host.ctx,
            purpose="payment",
            session_id=s.session_id,
            reader=self._wiring.reader,
            pinpad=self._wiring.pinpad,
            cards=cards,
            authorize=self._authorize,
            authorized=self._approved,
            on_done=self._ended,
            texts=PAYMENT_TEXTS,
            accepts_swipe=self.accepts_swipe,
            auth_unknown=self._auth_unknown,
            amount=pay.amount,
            card_present=present if callable(present) else (lambda: False),
        )
        host.go(Step.CARD, part=session)
        session.start()

    def handle(self, event: object) -> bool:
        """Takes every card/PIN/authorization event; one with no card payment changes nothing."""
        if not isinstance(event, CARD_EVENTS):
            return False
        mine = getattr(self._wiring.reader, "mine", None)  # StationCardPort: which reader
        if self.session is not None and (mine is None or mine(event)):
            self.session.handle(event)
        return True

    def _authorize(self, request_id: str, card: CardData, pin_block: str, pin_format: str) -> None:
        s, pay = self._host.session, self.pay
        assert pay is not None and s.bill is not None
        pay.card, s.txn_id = card, str(uuid.uuid4())
        # Durable before it leaves: recovery reverses any authorization it cannot see settled.
        self._host.ctx.journal(
            AUTH_REQUESTED,
            purpose="payment",
            amount=pay.amount.wire(),
            masked_pan=card.masked_pan,
            bill_id=s.bill.bill_id,
        )
        self._wiring.core.request_payment(
            request_id, card, pin_block, pin_format, pay.amount, s.txn_id
        )

    def _approved(self, card: CardData, result: AuthResult) -> None:
        host, pay = self._host, self.pay
        assert pay is not None and self.session is not None
        seq = books.commit_card_payment(
            host.setup.ledger, host.session, pay.amount, card.masked_pan, result.auth_code
        )
        pay.approved, pay.auth_code = True, result.auth_code
        host.booked(seq)
        self.session.release("paid")  # the card first, then the receipt

    def _auth_unknown(self, reason: str) -> None:
        self._reverse(reason)

    def _reverse(self, reason: str) -> None:
        s, pay = self._host.session, self.pay
        assert pay is not None
        masked = pay.card.masked_pan if pay.card is not None else ""
        ledger = self._host.setup.ledger
        books.queue_reversal(ledger, s.session_id, s.txn_id, pay.amount, masked, reason)
        self._host.setup.sync.wake()

    def _ended(self, outcome: object) -> None:
        assert isinstance(outcome, CardSessionEnded)
        host, pay = self._host, self.pay
        assert pay is not None
        if pay.approved and pay.card is not None:
            ctx = host.setup.doc_context(host.session.lang)
            document = receipts.card_receipt(
                ctx, host.session, pay.amount, pay.card.masked_pan, pay.auth_code
            )
            host.print_receipt(document, "printing_receipt")
            return
        self.pay = None
        if outcome.timed_out:
            host.to_attract()
        else:
            host.back_to_bill("card_pay_retained" if outcome.retained else outcome.message_id)
