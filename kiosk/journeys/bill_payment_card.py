"""Card steps of the bill-payment journey (a mixin of BillPaymentJourney, like CashSteps).

card in -> read (the customer picks one of several applications) -> PIN on the pad (the
journey learns only how many digits) -> online authorization, purpose "payment" with the amount
-> approved: the card_payment is committed (journal + outbox, one transaction) -> card back ->
receipt with the masked PAN and auth code -> sync. Money safety: the authorization request is
journaled with its txn id BEFORE it is sent; an authorization whose outcome is unknown (no
answer, a timeout, a crash - see bill_payment_card_recovery.py) is reversed through the queue,
so a customer is never charged without a receipted payment. Card payments need the bank now:
they are not offered offline, and the bill screen says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from drivers.card_reader.emv.card_data import CardData
from drivers.pinpad.base import PinBlockReady, PinKeyEvent, PinKeyKind
from kiosk.card.handling import CardHandler
from kiosk.events import Key
from kiosk.journeys.balance_states import READ_ERRORS
from kiosk.journeys.bill_payment_card_auth import CardAuthSteps
from kiosk.journeys.bill_payment_card_ports import CardPayment, PaymentCorePort
from kiosk.journeys.bill_payment_states import State
from kiosk.journeys.card_ports import (
    AuthorizeDone,
    CardAppsOffered,
    CardPort,
    CardReadDone,
    CardReadFailed,
    CoreRequestFailed,
    PinPort,
)
from kiosk.journeys.card_swipe import SWIPE_ERRORS
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


class CardPaySteps(CardAuthSteps):
    """Mixed into BillPaymentJourney; uses its session, ledger, printer, sync and timers."""

    def _init_card(
        self,
        reader: CardPort | None,
        pinpad: PinPort | None,
        core: PaymentCorePort | None,
        handler: CardHandler | Callable[[], CardHandler | None] | None,
    ) -> None:
        """`handler` may be a callable: the composition root builds the shared CardHandler only
        when the card station starts (it reads the journal), after this journey exists."""
        self._card_reader, self._pinpad, self._card_core = reader, pinpad, core
        if handler is None and reader is not None:
            handler = CardHandler(reader, self._ledger, self.clock)
        self._cards_source = handler
        self.card_pay: CardPayment | None = None

    @property
    def cards(self) -> CardHandler | None:
        source = self._cards_source
        return source() if callable(source) else source

    # -- queries ---------------------------------------------------------------------------

    def card_wired(self) -> bool:
        return None not in (self._card_reader, self._pinpad, self._card_core, self.cards)

    def card_offered(self) -> bool:
        """Card is a tender on the bill screen: wired, reader up, and the bank reachable."""
        return self.card_wired() and self._card_reader.available() and self.card_online()

    def card_online(self) -> bool:
        return self._online() and not self.offline

    @property
    def paying_by_card(self) -> bool:
        return self.card_pay is not None and self.card_pay.session_id == self.session.session_id

    def paid_total(self) -> Money:
        """What this customer paid: the card amount, or the cash inserted."""
        if self.paying_by_card and self.card_pay.approved:
            return self.card_pay.amount
        assert self.session.cash is not None
        return self.session.cash.total

    # -- choosing the card ---------------------------------------------------------------------

    def _choose_card(self) -> None:
        if not self.card_online():
            self.session.message_id = "card_pay_offline"
            return
        if not self._card_reader.available():
            self.session.message_id = "card_reader_unavailable"
            return
        self.card_pay = CardPayment(self.session.session_id, self.amount_due())
        status = self._printer.last_status()
        if self.session.paper_receipt and not status.can_print:
            self.session.paper_receipt = False  # told before any money moves, as for cash
            self._journal("printer_unavailable_offered_onscreen", status=status.value)
            self._go(State.PRINTER_WARNING, self.timeouts.input)
            return
        self._open_card_session()

    def _open_card_session(self) -> None:
        session, cp = self.session, self.card_pay
        assert session.bill is not None and session.biller is not None and cp is not None
        self._journal(
            "card_payment_opened",
            biller=session.biller.code,
            account=session.account,
            bill_id=session.bill.bill_id,
            amount=cp.amount.wire(),
        )
        self._go(State.CARD_INSERT, self.timeouts.menu)
        present = getattr(self._card_reader, "card_present", None)  # StationCardPort
        if present is not None and present():  # dip reader: put in before choosing card
            self._on_card_event(CardInserted(getattr(self._card_reader, "device_id", ""), ""))

    # -- events --------------------------------------------------------------------------------

    def _on_card_event(self, event: object) -> bool:
        """Handles a card/PIN/authorization event; False when it is not one."""
        if not isinstance(event, CARD_EVENTS):
            return False
        cp, s = self.card_pay, self.state
        if cp is None or not self.paying_by_card:
            return True  # a card event with no card payment under way changes nothing
        mine = getattr(self._card_reader, "mine", None)  # StationCardPort: which reader
        if mine is not None and not mine(event):
            return True  # a card in the IC-card recharge slot is not the customer's bank card
        match event:
            case CardInserted() if s is State.CARD_INSERT:
                cp.card_present = True
                self._read_card(None)
            case CardRemoved():
                self._card_removed()
            case StripeRead() | StripeReadFailed() if s is State.CARD_INSERT:
                self._card_swiped(event)
            case CardAppsOffered(request_id=rid) if rid == cp.request_id:
                cp.app_aids, cp.app_labels = event.aids, event.labels
                self._go(State.CARD_CHOOSE_APP, self.timeouts.menu)
            case CardReadDone(request_id=rid) if rid == cp.request_id:
                self._card_read(event.card)
            case CardReadFailed(request_id=rid) if rid == cp.request_id:
                self._card_read_failed(event.code)
            case PinKeyEvent() if s is State.CARD_PIN:
                self._card_pin_key(event)
            case PinBlockReady() if s is State.CARD_PIN:
                self._authorize(event)
            case AuthorizeDone(request_id=rid) if rid == cp.request_id:
                cp.request_id = ""
                self._authorized(event.result)
            case CoreRequestFailed(request_id=rid) if rid == cp.request_id:
                cp.request_id = ""
                self._journal("card_auth_failed", code=event.code)
                self._reverse("no_answer")
                self._card_eject("core_failed", "card_pay_no_answer")
        return True

    def _key_card(self, key: Key) -> None:
        s, cp = self.state, self.card_pay
        assert cp is not None
        if s is State.CARD_PIN:
            self._pinpad.press(key)  # never logged or kept: the pad answers with a digit count
        elif s is State.CARD_INSERT and key is Key.CANCEL:
            self._back_to_bill("")
        elif s is State.CARD_CHOOSE_APP and key.is_digit:
            index = int(key.value) - 1
            if 0 <= index < len(cp.app_aids):
                self._read_card(cp.app_aids[index])
        elif s is State.CARD_CHOOSE_APP and key is Key.CANCEL:
            self._card_eject("cancelled", "")
        elif s is State.CARD_RETAINED and key in (Key.ENTER, Key.CANCEL):
            self._after_card_taken()

    def _tick_card(self) -> None:
        if self.state is State.CARD_TAKE and self.cards is not None and self.cards.tick():
            self._go(State.CARD_RETAINED, self.timeouts.result)  # not taken in time: retained

    def _card_timeout(self) -> None:
        s, cp = self.state, self.card_pay
        assert cp is not None
        if s is State.CARD_INSERT:
            self._journal("customer_timeout", state=s.value)
            self._to_attract()
        elif s in (State.CARD_CHOOSE_APP, State.CARD_PIN):
            self._journal("customer_timeout", state=s.value)
            self._card_eject("customer_timeout", "", then="attract")
        elif s is State.CARD_READING:
            cp.request_id = ""
            self._card_eject("read_timeout", "card_error_unreadable")
        elif s is State.CARD_AUTHORIZING:
            cp.request_id = ""  # a late answer is ignored: the reversal below settles it
            self._journal("card_auth_timeout")
            self._reverse("timeout")
            self._card_eject("core_timeout", "card_pay_no_answer")
        elif s is State.CARD_RETAINED:
            self._after_card_taken()

    # -- steps ---------------------------------------------------------------------------------

    def _read_card(self, aid: str | None) -> None:
        assert self.card_pay is not None
        self.card_pay.request_id = str(uuid.uuid4())
        self._go(State.CARD_READING, self.timeouts.core_lookup)
        self._card_reader.request_read(self.card_pay.request_id, aid)

    def _card_read(self, card: CardData) -> None:
        cp = self.card_pay
        cp.card, cp.request_id = card, ""
        self.cards.inserted(self.session.session_id, card.masked_pan, card.aid, card.source)
        if card.is_technician:
            self._card_eject("technician_card", "card_error_not_supported")
            return
        cp.pin_digits, cp.message_id = 0, ""
        self._pinpad.begin(card.pan)
        self._go(State.CARD_PIN, self.timeouts.input)

    def accepts_swipe(self) -> bool:
        """The hybrid reader's stripe head is there and Online (StationCardPort)."""
        accepts = getattr(self._card_reader, "accepts_swipe", None)
        return bool(accepts is not None and accepts())

    def _card_swiped(self, event: StripeRead | StripeReadFailed) -> None:
        """A swipe stands in for the insert; a refused one leaves the customer at the insert
        screen told why (a chip card: insert it), with the full time again."""
        cp = self.card_pay
        if not self.accepts_swipe():
            return
        if isinstance(event, StripeRead):
            cp.swiped = True
            self._card_read(event.card)
            return
        self._journal("card_swipe_refused", code=event.code)
        cp.message_id = SWIPE_ERRORS.get(event.code, "card_error_swipe_again")
        self._arm(self.timeouts.menu)

    def _card_read_failed(self, code: str) -> None:
        self._journal("card_read_failed", code=code)
        message = READ_ERRORS.get(code, "card_error_unreadable")
        if code in ("CARD_REMOVED", "CARD_READER_UNAVAILABLE"):
            self._back_to_bill(message)  # nothing to give back
            return
        self._card_eject("read_failed", message)

    def _card_pin_key(self, event: PinKeyEvent) -> None:
        cp = self.card_pay
        cp.pin_digits = event.digits
        if event.kind is PinKeyKind.CANCEL:
            self._card_eject("cancelled", "")
            return
        if event.kind is PinKeyKind.DIGIT:
            cp.message_id = "card_digit_entered"
        self._arm(self.timeouts.input)

    def _card_eject(self, reason: str, message: str, *, then: str = "bill") -> None:
        cp = self.card_pay
        self._pinpad.abort()
        cp.after_take, cp.after_message = then, message
        if not cp.card_present:
            if cp.swiped:
                self.cards.eject(self.session.session_id, reason)  # journals the swipe's end
            self._after_card_taken()
            return
        self.cards.eject(self.session.session_id, reason)
        self._go(State.CARD_TAKE)

    def _card_removed(self) -> None:
        cp, s = self.card_pay, self.state
        was_present, cp.card_present = cp.card_present, False
        if was_present:
            self.cards.taken()
        if s is State.CARD_TAKE:
            self._after_card_taken()
        elif s in (State.CARD_READING, State.CARD_CHOOSE_APP, State.CARD_PIN):
            self._pinpad.abort()
            self._back_to_bill("card_error_removed")
        # CARD_AUTHORIZING: the answer is still awaited; a payment then skips the take step

    def _after_card_taken(self) -> None:
        cp = self.card_pay
        if cp.after_take == "print":
            self._print(self._card_receipt(), State.PRINTING_RECEIPT)
        elif cp.after_take == "attract":
            self._to_attract()
        else:
            self._back_to_bill(cp.after_message)

    def _back_to_bill(self, message_id: str) -> None:
        """Nothing was charged: the customer may pay with cash or try another card."""
        self.card_pay = None
        self.session.txn_id = ""
        self._go(State.BILL_DETAILS, self.timeouts.input)
        self.session.message_id = message_id
