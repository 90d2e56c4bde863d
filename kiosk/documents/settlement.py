"""The cashbox settlement report printed when a technician exchanges the cashbox.

The engineer leaves with paper that says what the kiosk booked, what was counted, the difference
per denomination, and the transaction id under which the exchange went to the core, so the cash
centre can match the bag to the record without asking the kiosk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from drivers.printer.document import Block, Columns, Document, Separator, Text
from kiosk.documents.common import DocContext, footer, header


@dataclass(frozen=True)
class SettlementLine:
    denomination: str  # formatted with currency, e.g. "¥100.00"
    expected: int  # notes the kiosk booked (journal counters)
    counted: int  # notes the technician counted

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class SettlementData:
    reference: str
    txn_id: str
    technician: str
    lines: tuple[SettlementLine, ...]
    expected_total: str  # formatted with currency
    counted_total: str
    difference_total: str
    coins_total: str = ""  # the coin box emptied on the same visit (booked coins), or ""

    @classmethod
    def from_wire(cls, data: dict) -> SettlementData:  # type: ignore[type-arg]
        lines = tuple(SettlementLine(**line) for line in data.get("lines", ()))
        return cls(**{**data, "lines": lines})

    @property
    def balanced(self) -> bool:
        return all(line.difference == 0 for line in self.lines)


def _signed(n: int) -> str:
    return f"{n:+d}" if n else "0"


def settlement_report(ctx: DocContext, d: SettlementData) -> Document:
    blocks: list[Block] = header(ctx, "doc_settlement_title", d.reference, d.txn_id)
    blocks.append(Columns(ctx.t("doc_technician"), d.technician))
    blocks.append(Separator())
    blocks.append(Text(ctx.t("doc_settlement_columns"), bold=True))
    for line in d.lines:
        counts = f"{line.expected} / {line.counted} / {_signed(line.difference)}"
        blocks.append(Columns(line.denomination, counts))
    blocks += [
        Separator(),
        Columns(ctx.t("doc_settlement_expected"), d.expected_total),
        Columns(ctx.t("doc_settlement_counted"), d.counted_total, bold=True),
        Columns(ctx.t("doc_settlement_difference"), d.difference_total),
        *([Columns(ctx.t("doc_settlement_coins"), d.coins_total)] if d.coins_total else []),
        Text(
            ctx.t("doc_settlement_balanced" if d.balanced else "doc_settlement_discrepancy"),
            bold=True,
        ),
    ]
    blocks += footer(ctx, d.reference)
    return Document(
        kind="settlement_report", reference=d.reference, blocks=tuple(blocks), source=asdict(d)
    )
