"""What one customer session knows; reset to nothing when the customer leaves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kiosk.journeys.cash_tally import CashTally
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
    escrow: str = ""  # "" no note, "held" awaiting our decision, "accepted" stacking
    reference: str = ""
    print_job: str = ""
    printed: bool | None = None
    paper_receipt: bool = True  # False once told the printer cannot print: on-screen receipt
    receipt_incomplete: bool = False  # the printer stopped mid-receipt: reprint code shown
    receipt_source: dict | None = None  # what the receipt said, journaled for reprints
    synced: bool = False
    sync_failed: bool = False
    core_ref: str = ""
    settle_reason: str = ""
    message_id: str = ""  # a transient notice on the current screen
    notice_next: object = None  # the state a notice screen returns to

    def open_cash(self) -> CashTally:
        self.txn_id = str(uuid.uuid4())
        self.cash = CashTally(self.currency)
        return self.cash
