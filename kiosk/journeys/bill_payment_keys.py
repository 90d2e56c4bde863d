"""Key steps of the bill-payment journey (a mixin of BillPaymentJourney, like CashSteps).

Split out of bill_payment.py by concern: one handler per state, picked by `_on_key`. Any key
is activity (the countdown restarts), the language key works on every screen but the language
choice, and a notice stays on the screen until the next key. A handler decides what a key
means in its state; money itself moves only in the CashSteps/PaymentSteps/CardPaySteps it
calls, which journal before the device is told to act.
"""

from __future__ import annotations

import uuid

from kiosk.events import Key
from kiosk.journeys.bill_payment_states import (
    CARD_STATES,
    CUSTOMER_STATES,
    MAX_ACCOUNT_DIGITS,
    State,
)


class KeySteps:
    """Mixed into BillPaymentJourney; uses its session, lookup, cash and printer ports, timers."""

    def _on_key(self, key: Key) -> None:
        s = self.state
        if s is State.ATTRACT:
            self._start_session()
            return
        if s in CUSTOMER_STATES:
            self._arm(self._timeout_s)  # any key is activity: restart the countdown
        if key is Key.LANGUAGE and s is not State.LANGUAGE:
            self.session.lang = "en" if self.session.lang == "zh_CN" else "zh_CN"
            return
        if s is not State.NOTICE:
            self.session.message_id = ""  # a notice on the screen lasts until the next key
        handler = {
            State.LANGUAGE: self._key_language,
            State.CHOOSE_BILLER: self._key_biller,
            State.ENTER_ACCOUNT: self._key_account,
            State.FETCHING_BILL: self._key_cancel_only,
            State.BILL_DETAILS: self._key_bill,
            State.INSERT_CASH: self._key_insert,
            State.CONFIRM: self._key_confirm,
            State.THANK_YOU: self._key_result,
            State.CREDITED: self._key_result,
            State.NOTICE: self._key_notice,
            State.PRINTER_WARNING: self._key_printer_warning,
            **dict.fromkeys(CARD_STATES, self._key_card),
        }.get(s)
        if handler is not None:
            handler(key)

    def _key_language(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
        elif key in (Key.D1, Key.D2):
            self.session.lang = "zh_CN" if key is Key.D1 else "en"
            if not self._lookup.billers():
                self._notice("billers_unavailable", State.ATTRACT)
                return
            self._go(State.CHOOSE_BILLER, self.timeouts.menu)

    def _key_biller(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
            return
        billers = self.billers()
        if key.is_digit and 1 <= int(key.value) <= len(billers):
            self.session.biller = billers[int(key.value) - 1]
            self.session.account = ""
            self._go(State.ENTER_ACCOUNT, self.timeouts.input)

    def _key_account(self, key: Key) -> None:
        session = self.session
        if key is Key.CANCEL:
            self._go(State.CHOOSE_BILLER, self.timeouts.menu)
        elif key.is_digit and len(session.account) < MAX_ACCOUNT_DIGITS:
            session.account += key.value
        elif key is Key.CLEAR:
            session.account = session.account[:-1]
        elif key is Key.ENTER:
            assert session.biller is not None
            if not session.biller.account_valid(session.account):
                session.message_id = "account_invalid"
                return
            session.lookup_id = str(uuid.uuid4())
            self._lookup.request_bills(session.lookup_id, session.biller.code, session.account)
            self._go(State.FETCHING_BILL, self.timeouts.core_lookup)

    def _key_cancel_only(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()

    def _key_bill(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
        elif key is Key.D2 and self.card_wired():
            self._choose_card()
        elif key in (Key.ENTER, Key.D1):
            if not self._cash.available():
                self._notice("cash_unavailable", State.ATTRACT)
                return
            status = self._printer.last_status()
            if self.session.paper_receipt and not status.can_print:
                # Told before any money is taken; the receipt will be on screen as a QR code.
                self.session.paper_receipt = False
                self._journal("printer_unavailable_offered_onscreen", status=status.value)
                self._go(State.PRINTER_WARNING, self.timeouts.input)
                return
            self._open_cash_session()

    def _key_printer_warning(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
        elif key in (Key.ENTER, Key.D1):
            self._open_card_session() if self.paying_by_card else self._open_cash_session()

    def _key_insert(self, key: Key) -> None:
        session = self.session
        if self.escrow_offer is not None and session.escrow == "held":
            if key in (Key.ENTER, Key.D1):
                self._answer_offer(True)
            elif key is Key.CANCEL:
                self._answer_offer(False)  # the note comes back; the customer may try another
            return
        if key is Key.CANCEL:
            self._settle("cancelled")
        elif key is Key.ENTER and session.cash is not None and not session.cash.total.is_zero():
            if session.biller is not None and session.biller.partial_allowed:
                self._cash.disable()  # partial payment: pay what is in, the bill stays open
                self._go(State.CONFIRM, self.timeouts.confirm)
            else:
                session.message_id = "partial_not_allowed"

    def _key_confirm(self, key: Key) -> None:
        if key is Key.ENTER:
            self._commit_payment()
        elif key is Key.CANCEL:
            self._settle("cancelled")

    def _key_result(self, key: Key) -> None:
        if key in (Key.ENTER, Key.CANCEL):
            self._to_attract()

    def _key_notice(self, key: Key) -> None:
        if key in (Key.ENTER, Key.CANCEL):
            self._leave_notice()
