"""What every printed document shares: context, header, footer with the reference QR, masking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drivers.printer.document import Align, Block, Columns, Cut, Feed, QrCode, Separator, Text
from kiosk.i18n import Catalog


@dataclass(frozen=True)
class DocContext:
    """Who prints, when and on what: the same data prints differently on 58 and 80 mm paper."""

    catalog: Catalog
    lang: str
    kiosk_id: str
    local_time: str  # the kiosk's local time as the customer reads it, "2026-11-23 14:05:09"
    columns: int = 48
    reprint: bool = False

    def t(self, message_id: str, **values: Any) -> str:
        return self.catalog.text(self.lang, message_id, **values)


def mask_pan(pan: str) -> str:
    """Only the last four digits ever reach paper (PCI DSS allows at most first 6 / last 4)."""
    digits = "".join(ch for ch in pan if ch.isdigit())
    if len(digits) < 4:
        return "****"
    return "**** **** **** " + digits[-4:]


def mask_phone(phone: str) -> str:
    """138****5678: enough for the customer to recognise, not enough to call."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def header(ctx: DocContext, title_id: str, reference: str, txn_id: str = "") -> list[Block]:
    """Title, reprint marker, kiosk id, local time, reference and transaction id."""
    blocks: list[Block] = [Text(ctx.t(title_id), align=Align.CENTER, bold=True, double=True)]
    if ctx.reprint:
        blocks.append(Text(ctx.t("doc_reprint"), align=Align.CENTER, bold=True))
    blocks += [
        Separator("="),
        Columns(ctx.t("receipt_kiosk"), ctx.kiosk_id),
        Columns(ctx.t("receipt_time"), ctx.local_time),
        Columns(ctx.t("reference"), reference),
    ]
    if txn_id:
        blocks.append(Columns(ctx.t("doc_txn"), txn_id))
    blocks.append(Separator())
    return blocks


def footer(ctx: DocContext, reference: str) -> list[Block]:
    """The QR holds the reference exactly as typed on the reprint screen."""
    return [
        Separator(),
        QrCode(reference),
        Text(reference, align=Align.CENTER),
        Text(ctx.t("receipt_keep"), align=Align.CENTER),
        Feed(3),
        Cut(),
    ]
