"""Optional paper receipt of a balance inquiry: masked PAN, kiosk, local time and balance.

The card is never held for the receipt: choosing "print" ejects the card first and submits the
job at the same moment, so the customer takes the card while the printer works. The outcome
(printed or not) is shown on the take-card screen, or after the card was taken on a short
result screen; a printer that never answers is treated as a failed receipt after print_job.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from drivers.printer.document import Document
from kiosk.documents.common import DocContext, mask_pan
from kiosk.documents.receipts import BalanceData, balance_slip
from kiosk.journeys.balance_states import State
from kiosk.journeys.ports import PrintFinished, PrintPort
from kiosk.money.amount import Money

if TYPE_CHECKING:
    from kiosk.journeys.balance import CardJourney

PRINTING = "card_balance_receipt_printing"
PRINTED = "card_balance_receipt_done"
FAILED = "card_balance_receipt_failed"


def can_offer(printer: PrintPort | None) -> bool:
    """Offer the receipt only when the last live status says the printer can print now."""
    return printer is not None and printer.last_status().can_print


def document(j: CardJourney) -> Document:
    """The balance slip; only the masked PAN ever reaches it."""
    assert j.card is not None and j.auth is not None and j.auth.balance is not None
    now = j.clock.now().astimezone(ZoneInfo(j.timezone))
    ctx = DocContext(
        catalog=j.catalog,
        lang=j.lang,
        kiosk_id=j.kiosk_id,
        local_time=now.strftime("%Y-%m-%d %H:%M:%S"),
    )
    balance = Money.parse(j.auth.balance["amount"], j.auth.balance["currency"])
    data = BalanceData(
        reference=f"BL{j.session_id[:8].upper()}",
        txn_id="",
        masked_pan=mask_pan(j.card.pan),
        available=balance.display(),
        ledger="",  # the issuer answers the available balance only
    )
    return balance_slip(ctx, data)


def request(j: CardJourney, printer: PrintPort) -> None:
    """Card out first, then the job: the receipt never keeps the card in the reader."""
    doc = document(j)
    j.receipt_job = f"receipt-{uuid.uuid4()}"
    j._eject("balance_shown", PRINTING)
    j.ledger.record(j.session_id, "balance_receipt_requested", {"reference": doc.reference})
    printer.submit(j.receipt_job, doc)


def finished(j: CardJourney, event: PrintFinished) -> None:
    """Records the outcome and tells the customer wherever they are in the journey."""
    printed = event.result.printed
    j.ledger.record(
        j.session_id,
        "balance_receipt_printed" if printed else "balance_receipt_failed",
        {"status": event.result.status.value},
    )
    j.receipt_job = ""
    j.receipt_message = PRINTED if printed else FAILED
    if j.state is State.TAKE_CARD:
        j._say(j.receipt_message)
    elif j.state is State.PRINTING:
        show_result(j)


def after_card_taken(j: CardJourney) -> None:
    """Card taken: wait for a pending receipt, or show how the receipt went."""
    if j.receipt_job:
        j._say(PRINTING)
        j._go(State.PRINTING, j.timeouts.print_job)
    else:
        show_result(j)


def printer_silent(j: CardJourney) -> None:
    """No answer within print_job: the customer is told, a late answer is ignored."""
    j.ledger.record(j.session_id, "balance_receipt_failed", {"status": "no_answer"})
    j.receipt_job = ""
    j.receipt_message = FAILED
    show_result(j)


def show_result(j: CardJourney) -> None:
    j._say(j.receipt_message)
    j._go(State.RECEIPT_DONE, j.timeouts.result)
