"""Paying the bill in cash: the Tender part, told what its outcomes mean for a bill.

Paid (the customer confirmed): the `bill_payment` is booked, then the receipt printed (marked
provisional when the bill came from the cache while the core is away). Left early with cash in
(Cancel, a timeout, an acceptor fault): the cash is credited to the account as a
`cash_deposit` and a credit slip printed. Left with nothing in: back to the start (told why
after a fault). Each booking is one journal + outbox transaction before the printer is asked.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from drivers.printer.document import Document
from kiosk.journeys import bill_payment_books as books
from kiosk.journeys import bill_payment_receipts as receipts
from kiosk.journeys.bill_payment_setup import JourneySetup, payer_lines, tender_spec
from kiosk.journeys.bill_payment_states import Step
from kiosk.journeys.parts.base import Part, PartContext
from kiosk.journeys.parts.tender import Tender, TenderDone
from kiosk.journeys.session import CustomerSession
from kiosk.money import offline_policy


class CashHost(Protocol):
    """The bill-payment journey as the cash step uses it."""

    session: CustomerSession
    ctx: PartContext
    setup: JourneySetup
    overpay_consent: bool

    @property
    def offline(self) -> bool: ...

    def go(self, target: Step, timeout: float | None = None, part: Part | None = None) -> None: ...

    def booked(self, seq: int) -> None: ...

    def print_receipt(self, document: Document, screen_id: str) -> None: ...

    def notice(self, message_id: str, then: Step) -> None: ...

    def to_attract(self) -> None: ...


class BillCashPay:
    def __init__(self, host: CashHost) -> None:
        self._host = host

    def online(self) -> bool:
        """Notes are limited to the offline ceiling when the core is away."""
        return self._host.setup.online() and not self._host.offline

    def open(self) -> None:
        host, s = self._host, self._host.session
        assert s.bill is not None and s.biller is not None
        s.txn_id = str(uuid.uuid4())
        spec = tender_spec(
            s.biller,
            s.bill.amount_due,
            overpay_consent=host.overpay_consent,
            online=self.online,
            lines=lambda: payer_lines(host.ctx, s),
        )
        tender = Tender(
            host.ctx, spec, cash=host.setup.cash, currency=s.currency, on_done=self._done
        )
        s.cash = tender.tally
        host.go(Step.CASH, part=tender)
        tender.start(
            biller=s.biller.code,
            account=s.account,
            bill_id=s.bill.bill_id,
            amount_due=s.bill.amount_due.wire(),
            currency=s.currency,
        )

    def _done(self, outcome: object) -> None:
        assert isinstance(outcome, TenderDone)
        host, s = self._host, self._host.session
        ledger, ctx = host.setup.ledger, host.setup.doc_context(s.lang)
        if outcome.complete:
            host.booked(books.commit_cash_payment(ledger, s, offline=host.offline))
            document = receipts.cash_receipt(ctx, s)
            if host.offline:
                t = host.ctx.text
                banner, note = t("offline_receipt_banner"), t("offline_receipt_note")
                document = offline_policy.provisional(document, banner, note)
            host.print_receipt(document, "printing_receipt")
        elif not outcome.total.is_zero():
            s.settle_reason = outcome.reason
            host.booked(books.credit_cash(ledger, s, outcome.reason))
            host.print_receipt(receipts.credit_slip(ctx, s), "printing_credit_slip")
        elif outcome.reason == "device_fault":
            host.notice("cash_unavailable", Step.ATTRACT)
        else:
            host.to_attract()
