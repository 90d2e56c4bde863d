"""What the IC-card recharge is built with: its ports and settings, and how its cash step reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.card_reader.stored_value import CardState
from kiosk.clock import Clock
from kiosk.i18n import Catalog
from kiosk.journeys.parts.base import Cabinet, PartContext
from kiosk.journeys.parts.tender_spec import TenderSpec
from kiosk.journeys.ports import CashPort, PrintPort, SyncPort
from kiosk.journeys.topup_ic_card_ports import StoredValuePort
from kiosk.journeys.topup_ic_card_states import TENDER_SCREENS
from kiosk.money.billing import Biller
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig


@dataclass(frozen=True, kw_only=True)
class RechargeSetup:
    """`settle_only`: no customer on this journey — it only writes credits pending for the card
    just inserted (then closes); it never takes cash or prints."""

    kiosk_id: str
    currency: str
    clock: Clock
    timeouts: TimeoutConfig
    ledger: Ledger
    product: Biller  # its limits apply to the cash
    card: StoredValuePort
    cash: CashPort
    printer: PrintPort
    sync: SyncPort
    catalog: Catalog
    reader_id: str = "ic_card"
    timezone: str = "Asia/Shanghai"  # what the customer reads on the receipt
    cabinet: Cabinet = field(default_factory=Cabinet)
    online: Callable[[], bool] = field(default=lambda: True)
    settle_only: bool = False


def tender_spec(setup: RechargeSetup, ctx: PartContext) -> TenderSpec:
    """An open amount under the product's limits, on the screens the recharge has always had."""
    return TenderSpec(
        biller=setup.product,
        due=None,
        screen_ids=TENDER_SCREENS,
        title_id="ic_title",
        lines=lambda: (ctx.text("ic_insert_cash"),),
        total_label_id="topup_amount",
        enter_id="continue",
        online=setup.online,
        settling_title_id="ic_title",
        settling_body_ids=("cash_settling_body",),
    )


def cash_opened(setup: RechargeSetup, card: CardState) -> dict[str, object]:
    """What the opened cash session journals: recovery credits a crashed session from it."""
    return {
        "journey": "ic_card",
        "biller": setup.product.code,
        "account": card.card_id,
        "balance": card.balance_minor,
        "counter": card.counter,
    }
