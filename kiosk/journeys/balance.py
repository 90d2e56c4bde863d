"""Balance inquiry: card -> PIN -> online authorization -> balance shown -> card back -> receipt.

1. the card session (kiosk/journeys/parts/card_session.py): insert or swipe, read, PIN on the
   pad, authorization with purpose "balance"; it holds the card once approved;
2. the balance is shown (private: headphones only in voice mode) with "print a receipt" when the
   printer can print now; Enter, Cancel or the timeout give the card back;
3. "print" gives the card back first and submits the slip at the same moment, so the customer
   takes the card while the printer works: the card is never held for paper. The outcome is
   said on the take-card screen, or after the card was taken on a short result screen; a
   printer that never answers within print_job counts as a failed receipt.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from drivers.card_reader.emv.card_data import CardData
from drivers.printer.document import Document
from kiosk.documents.common import DocContext, mask_pan
from kiosk.documents.receipts import BalanceData, balance_slip
from kiosk.events import Key, KeyPressed
from kiosk.journeys import balance_screens as screens
from kiosk.journeys.card_journey import CardJourney, Purpose, Said, State, printing_screen
from kiosk.journeys.card_ports import AuthResult
from kiosk.journeys.parts.card_session import CardSessionEnded, CardState
from kiosk.journeys.ports import PrintFinished
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money

PRINTING = "card_balance_receipt_printing"
PRINTED = "card_balance_receipt_done"
FAILED = "card_balance_receipt_failed"


class BalanceJourney(CardJourney):
    purpose = Purpose.BALANCE

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.receipt_offered = False
        self.receipt_job = ""  # the slip's print job while it is pending
        self.receipt_message = ""  # how the slip went, said once the card is taken

    # 1 -> 2: approved, the card stays in while the balance is shown ------------------------------

    def approved(self, card: CardData, auth: AuthResult) -> None:
        self.receipt_offered = self.printer is not None and self.printer.last_status().can_print
        self.go(State.SHOW_BALANCE, self.timeouts.confirm)

    def on_event(self, event: object) -> None:
        match event:
            case KeyPressed(key=key):
                self._key(key)
            case PrintFinished(job_id=job) if job and job == self.receipt_job:
                self._receipt_finished(event)

    def _key(self, key: Key) -> None:
        if self.state is State.SHOW_BALANCE and key is Key.D1 and self.receipt_offered:
            self._print_receipt()
        elif self.state is State.SHOW_BALANCE and key in (Key.ENTER, Key.CANCEL):
            self.give_back("balance_shown")
        elif self.state is State.RECEIPT_DONE and key in (Key.ENTER, Key.CANCEL):
            self.go(State.DONE)

    def on_timeout(self) -> None:
        if self.state is State.SHOW_BALANCE:
            self.give_back("customer_timeout")
        elif self.state is State.PRINTING and self.receipt_job:
            self._journal("balance_receipt_failed", status="no_answer")  # a late answer is ignored
            self.receipt_job, self.receipt_message = "", FAILED
            self._show_receipt_result()
        elif self.state is State.RECEIPT_DONE:
            self.go(State.DONE)

    # 3: the receipt, card out first ------------------------------------------------------------

    def _print_receipt(self) -> None:
        assert self.printer is not None
        document = self._slip()
        self.receipt_job = f"receipt-{uuid.uuid4()}"
        # a swiped card is already in the customer's hand: the printing screen follows at once
        self.give_back("balance_shown", "" if self.card.swiped else PRINTING)
        self._journal("balance_receipt_requested", reference=document.reference)
        self.printer.submit(self.receipt_job, document)

    def _receipt_finished(self, event: PrintFinished) -> None:
        printed = event.result.printed
        kind = "balance_receipt_printed" if printed else "balance_receipt_failed"
        self._journal(kind, status=event.result.status.value)
        self.receipt_job, self.receipt_message = "", PRINTED if printed else FAILED
        if self.step is CardState.TAKE_CARD:
            self.card.tell(self.receipt_message)
        elif self.state is State.PRINTING:
            self._show_receipt_result()

    def card_over(self, ended: CardSessionEnded) -> None:
        """Card taken: wait for a pending slip, or say how it went (a retained card: the end)."""
        if ended.retained or not (self.receipt_job or self.receipt_message):
            super().card_over(ended)
        elif self.receipt_job:
            self.go(State.PRINTING, self.timeouts.print_job, Said(PRINTING))
        else:
            self._show_receipt_result()

    def _show_receipt_result(self) -> None:
        self.go(State.RECEIPT_DONE, self.timeouts.result, Said(self.receipt_message))

    def _slip(self) -> Document:
        """The balance slip; only the masked PAN ever reaches it."""
        card, auth = self.card.card, self.card.auth
        assert card is not None and auth is not None and auth.balance is not None
        now = self.clock.now().astimezone(ZoneInfo(self.timezone))
        ctx = DocContext(
            catalog=self.catalog,
            lang=self.lang,
            kiosk_id=self.kiosk_id,
            local_time=now.strftime("%Y-%m-%d %H:%M:%S"),
        )
        data = BalanceData(
            reference=f"BL{self.session_id[:8].upper()}",
            txn_id="",
            masked_pan=mask_pan(card.pan),
            available=self._balance().display(),
            ledger="",  # the issuer answers the available balance only
        )
        return balance_slip(ctx, data)

    def _balance(self) -> Money:
        auth = self.card.auth
        assert auth is not None and auth.balance is not None
        return Money.parse(auth.balance["amount"], auth.balance["currency"])

    def own_screen(self) -> ScreenModel:
        if self.state is State.SHOW_BALANCE:
            masked = self.card.card.masked_pan if self.card.card else ""
            return screens.show_balance(self.ctx, self._balance(), masked, self.receipt_offered)
        if self.state is State.PRINTING:
            return printing_screen(self.ctx, self.said)
        return screens.receipt_done(self.ctx, self.said)
