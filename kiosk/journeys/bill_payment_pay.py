"""Pay, print and sync steps of the bill-payment journey (a mixin of BillPaymentJourney).

The payment and its outbox record are committed before the receipt is printed; "printed" is
only what the printer confirmed; the thank-you waits briefly for the core's acknowledgement.
"""

from __future__ import annotations

import logging
import uuid

from kiosk.journeys import receipts
from kiosk.journeys.bill_payment_states import State
from kiosk.journeys.ports import PrintFinished
from kiosk.money import offline_policy
from kiosk.money.amount import Money
from offline_queue.events import TransactionAccepted, TransactionDead

log = logging.getLogger(__name__)


class PaymentSteps:
    """Mixed into BillPaymentJourney; uses its session, ledger, printer and sync ports."""

    def _commit_payment(self) -> None:
        session = self.session
        assert session.cash is not None and session.bill is not None and session.biller
        due = self.amount_due()
        paid = session.cash.total
        seq = self._ledger.commit_money(
            session.session_id,
            "payment_committed",
            {"bill_id": session.bill.bill_id},
            txn_id=session.txn_id,
            txn_type="bill_payment",
            amount=paid,
            tender=session.cash.tender(),
            details={
                "biller": session.biller.code,
                "account": session.account,
                "bill_id": session.bill.bill_id,
                "amount_due": due.wire(),
                "prepayment": (paid - due if paid > due else Money.zero(due.currency)).wire(),
                **({"partial": True} if paid < due else {}),
                **({"offline": True} if self.offline else {}),
            },
        )
        session.reference = f"{self.kiosk_id}-{seq:06d}"
        self._sync.wake()
        document = receipts.payment_receipt(self, seq)
        if self.offline:
            text = self.catalog.text
            document = offline_policy.provisional(
                document,
                text(session.lang, "offline_receipt_banner"),
                text(session.lang, "offline_receipt_note"),
            )
        self._print(document, State.PRINTING_RECEIPT)

    def _print(self, document: receipts.Document, state: State) -> None:
        session = self.session
        session.print_job = str(uuid.uuid4())
        session.receipt_source = {
            "kind": document.kind,
            "reference": document.reference,
            "lang": session.lang,
            "data": document.source,
        }
        self._go(state, self.timeouts.print_job)
        if not session.paper_receipt:
            session.printed = False  # the customer chose the on-screen receipt up front
            self._journal(
                "receipt_not_printed",
                status="onscreen",
                detail="printer unavailable before payment",
                receipt=session.receipt_source,
            )
            self._after_print()
            return
        self._printer.submit(session.print_job, document)

    def _on_printed(self, event: PrintFinished) -> None:
        session = self.session
        if event.job_id != session.print_job:
            return
        result = event.result
        session.printed = result.printed
        session.receipt_incomplete = result.incomplete
        kind = "receipt_printed" if result.printed else "receipt_not_printed"
        extra = {"incomplete": True, "reprint_code": session.reference} if result.incomplete else {}
        self._journal(
            kind,
            status=result.status.value,
            detail=result.detail,
            receipt=session.receipt_source,
            **extra,
        )
        self._after_print()

    def _after_print(self) -> None:
        if self.state is State.PRINTING_CREDIT_SLIP:
            self._go(State.CREDITED, self.timeouts.result)
        elif self.state is State.PRINTING_RECEIPT:
            if self.session.synced:
                self._go(State.SYNCING)
                self._go(State.THANK_YOU, self.timeouts.result)
            else:
                self._go(State.SYNCING, self.timeouts.sync_wait)

    def _on_sync(self, event: TransactionAccepted | TransactionDead) -> None:
        session = self.session
        if not session.txn_id or event.txn_id != session.txn_id:
            return
        if isinstance(event, TransactionAccepted):
            session.synced, session.core_ref = True, event.core_ref
        else:
            session.sync_failed = True
            self._journal("core_rejected", code=event.code)
        if self.state is State.SYNCING:
            self._go(State.THANK_YOU, self.timeouts.result)
