"""What one customer session knows; reset to nothing when the customer leaves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.parts.receipt_step import ReceiptDone
from kiosk.money.billing import Bill, Biller


@dataclass
class CustomerSession:
    lang: str
    currency: str
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    biller: Biller | None = None
    account: str = ""
    bill: Bill | None = None
    lookup_id: str = ""
    txn_id: str = ""
    cash: CashTally | None = None
    reference: str = ""
    printed: bool | None = None  # what the printer confirmed (None: nothing printed yet)
    paper_receipt: bool = True  # False once told the printer cannot print: on-screen receipt
    receipt: ReceiptDone | None = None  # how the receipt went, for the result screen
    synced: bool = False
    sync_failed: bool = False
    core_ref: str = ""
    settle_reason: str = ""
    message_id: str = ""  # a transient notice on the current screen
    notice_next: object = None  # the step a notice screen returns to

    @property
    def receipt_incomplete(self) -> bool:
        """The printer stopped mid-receipt (or never answered): the reprint code is shown."""
        return self.receipt is not None and self.receipt.incomplete
