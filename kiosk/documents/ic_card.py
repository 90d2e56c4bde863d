"""The IC-card recharge's receipt and its pending slip, built like every other document.

Built here (not in the journey) so a reprint rebuilds them from their journaled data with the
same builder as the original print, marked as a copy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from drivers.printer.document import Columns, Document, Text
from kiosk.documents.common import DocContext, footer, header


@dataclass(frozen=True)
class IcRechargeData:
    reference: str
    txn_id: str
    product: str
    card_id: str
    amount: str  # display strings, as the customer read them
    balance: str  # read back from the card after the write


@dataclass(frozen=True)
class IcPendingData:
    reference: str
    txn_id: str
    product: str
    card_id: str
    amount: str


def ic_recharge_receipt(ctx: DocContext, d: IcRechargeData) -> Document:
    blocks = header(ctx, "ic_title", d.reference, d.txn_id)
    blocks += [
        Columns(d.product, d.card_id),
        Columns(ctx.t("doc_topup_amount"), d.amount, bold=True),
        Columns(ctx.t("ic_balance"), d.balance),
    ]
    blocks += footer(ctx, d.reference)
    return Document("ic_recharge", d.reference, tuple(blocks), source=asdict(d))


def ic_pending_slip(ctx: DocContext, d: IcPendingData) -> Document:
    """The money is booked, the card is not written: the slip says so and how it will be."""
    blocks = header(ctx, "ic_title", d.reference, d.txn_id)
    blocks += [
        Columns(d.product, d.card_id),
        Columns(ctx.t("doc_topup_amount"), d.amount, bold=True),
        Text(ctx.t("ic_pending", amount=d.amount, reference=d.reference)),
    ]
    blocks += footer(ctx, d.reference)
    return Document("ic_pending", d.reference, tuple(blocks), source=asdict(d))
