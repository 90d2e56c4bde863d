"""What the bill-payment journey is built with, and how it sets up its parts.

Kept apart from the journey so that bill_payment.py reads as the order of steps: the ports and
settings, the keypad entry of the account and the cash tender's texts are fixed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from kiosk.clock import Clock
from kiosk.documents import DocContext
from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment_states import MAX_ACCOUNT_DIGITS
from kiosk.journeys.parts.base import Cabinet, PartContext
from kiosk.journeys.parts.keypad_entry import EntryKind, EntrySpec
from kiosk.journeys.parts.tender_spec import TenderSpec, TenderState
from kiosk.journeys.ports import BillLookup, CashPort, PrintPort, SyncPort
from kiosk.journeys.session import CustomerSession
from kiosk.money.amount import Money
from kiosk.money.billing import Biller
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig

RECEIPT_COLUMNS = 48
CASH_SCREEN_IDS = {
    TenderState.INSERT: "insert_cash",
    TenderState.SETTLING: "settling_cash",
    TenderState.CONFIRM: "confirm",
}


@dataclass
class JourneySetup:
    kiosk_id: str
    currency: str
    default_language: str
    catalog: Catalog
    clock: Clock
    timeouts: TimeoutConfig
    ledger: Ledger
    lookup: BillLookup
    cash: CashPort
    printer: PrintPort
    sync: SyncPort
    timezone: str = "Asia/Shanghai"
    online: Callable[[], bool] = field(default=lambda: True)
    # False: the insert screen states up front that any excess becomes prepayment (no change
    # is given); True: each overpaying note is also held until the customer agrees.
    overpay_consent: bool = False
    cabinet: Cabinet = field(default_factory=Cabinet)  # where the slots are, said on screen

    def doc_context(self, lang: str) -> DocContext:
        """What every document prints in its header: the kiosk's local time, to the second."""
        now = self.clock.now().astimezone(ZoneInfo(self.timezone))
        local = now.strftime("%Y-%m-%d %H:%M:%S")
        return DocContext(self.catalog, lang, self.kiosk_id, local, RECEIPT_COLUMNS)


def account_spec(biller: Biller, lang: Callable[[], str]) -> EntrySpec:
    return EntrySpec(
        kind=EntryKind.ACCOUNT,
        screen_id="enter_account",
        title_id="account_title",
        label_id="account_label",
        hint_id="account_hint",
        invalid_id="account_invalid",
        max_length=MAX_ACCOUNT_DIGITS,
        valid=biller.account_valid,
        title_values=lambda: {"biller": biller.name(lang())},
    )


def tender_spec(
    biller: Biller,
    due: Money,
    *,
    overpay_consent: bool,
    online: Callable[[], bool],
    lines: Callable[[], tuple[str, ...]],
) -> TenderSpec:
    return TenderSpec(
        biller=biller,
        due=due,
        screen_ids=CASH_SCREEN_IDS,
        lines=lines,
        overpay_consent=overpay_consent,
        online=online,
    )


def payer_lines(ctx: PartContext, session: CustomerSession) -> tuple[str, ...]:
    """Whom the money is for, on the confirm screen: the biller and the account."""
    assert session.biller is not None
    return (
        f"{ctx.text('receipt_biller')}: {session.biller.name(session.lang)}",
        f"{ctx.text('account_label')}: {session.account}",
    )
