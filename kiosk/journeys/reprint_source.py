"""Where a reprint finds what a receipt said: this kiosk's journal first, then the core.

The journal holds the exact data the receipt was built from (journaled with the print outcome),
so a local reprint is identical to the original. A receipt from another kiosk (or a journal
lost with a replaced disk) comes from the core's GET /v1/invoices/{ref}, rebuilt from the
transaction the core holds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from decimal import InvalidOperation
from typing import Any, Protocol

from kiosk.documents import CreditSlipData, PaymentData
from kiosk.errors import CoreError, KioskError
from kiosk.events import EventBus
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from kiosk.runtime.worker import Worker

log = logging.getLogger(__name__)

REFERENCE = re.compile(r"^[A-Za-z0-9_.-]{1,64}-[0-9]{1,12}$")
PRINT_OUTCOMES = ("receipt_printed", "receipt_not_printed")


@dataclass(frozen=True)
class ReceiptFound:
    request_id: str
    kind: str
    data: dict[str, Any]
    source: str  # "journal" | "core"


@dataclass(frozen=True)
class ReceiptLookupFailed:
    request_id: str
    code: str  # RECEIPT_NOT_FOUND (permanent) | CORE_UNREACHABLE ... (transient)
    transient: bool


class JsonGetter(Protocol):
    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any: ...


def from_journal(ledger: Ledger, reference: str) -> tuple[str, dict[str, Any]] | None:
    """The newest journaled receipt with this reference (a linear scan of the journal)."""
    found = None
    for record in ledger.records():
        if record.kind not in PRINT_OUTCOMES:
            continue
        receipt = record.data.get("receipt")
        if isinstance(receipt, dict) and receipt.get("reference") == reference:
            found = (str(receipt.get("kind")), dict(receipt.get("data") or {}))
    return found


def _display(money: Any) -> str:
    try:
        return Money.parse(str(money["amount"]), str(money["currency"])).display()
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise KioskError(f"invoice amount {money!r} is not money") from exc


def from_invoice(invoice: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The core's transaction as receipt data; KioskError for kinds a kiosk cannot reprint."""
    details = invoice.get("details") or {}
    amount = _display(invoice.get("amount"))
    currency = (invoice.get("amount") or {}).get("currency", "CNY")
    common = {
        "reference": str(invoice.get("reference", "")),
        "txn_id": str(invoice.get("txn_id", "")),
        "biller": str(details.get("biller", "")),
        "account": str(details.get("account", "")),
    }
    if invoice.get("type") == "bill_payment":
        due = details.get("amount_due")
        prepay = details.get("prepayment")
        prepay_text = _display(prepay) if isinstance(prepay, dict) else ""
        if prepay_text and Money.parse(str(prepay["amount"]), currency).is_zero():
            prepay_text = ""
        data = PaymentData(
            **common,
            bill_id=str(details.get("bill_id", "")),
            period=str(details.get("period", "")),
            amount_due=_display(due) if isinstance(due, dict) else amount,
            paid=amount,
            prepayment=prepay_text,
        )
        return "bill_payment", asdict(data)
    if invoice.get("type") == "cash_deposit":
        data2 = CreditSlipData(**common, credited=amount, reason=str(details.get("reason", "")))
        return "credit_slip", asdict(data2)
    raise KioskError(f"no receipt layout for transaction type {invoice.get('type')!r}")


class ReceiptLookup:
    """Look-ups on a worker; the outcome arrives on the bus as ReceiptFound/ReceiptLookupFailed."""

    def __init__(
        self, ledger: Ledger, core: JsonGetter | None, bus: EventBus, worker: Worker
    ) -> None:
        self._ledger, self._core, self._bus, self._worker = ledger, core, bus, worker

    def request(self, request_id: str, reference: str) -> None:
        self._worker.submit(lambda: self._bus.publish(self.find(request_id, reference)))

    def find(self, request_id: str, reference: str) -> ReceiptFound | ReceiptLookupFailed:
        """Blocking; journal first, then the core."""
        local = from_journal(self._ledger, reference)
        if local is not None:
            return ReceiptFound(request_id, local[0], local[1], "journal")
        if self._core is None:
            return ReceiptLookupFailed(request_id, "RECEIPT_NOT_FOUND", False)
        try:
            reply = self._core.get_json(f"/v1/invoices/{reference}")
            kind, data = from_invoice(reply["invoice"])
        except CoreError as exc:
            code = "RECEIPT_NOT_FOUND" if exc.code == "UNKNOWN_INVOICE" else exc.code
            return ReceiptLookupFailed(request_id, code, exc.transient)
        except (KioskError, KeyError, TypeError) as exc:
            log.warning("invoice %s cannot be reprinted: %s", reference, exc)
            return ReceiptLookupFailed(request_id, "RECEIPT_UNPRINTABLE", False)
        return ReceiptFound(request_id, kind, data, "core")
