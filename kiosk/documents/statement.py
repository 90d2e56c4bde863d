"""A multi-page account statement that never overflows its columns, in either language.

A receipt printer has no pages, so the statement makes its own: each page is a separately cut
slip with the statement header, the column titles, a "continued" footer and "Page i/n". Page
breaks are computed from the exact line count of every entry as the encoder will lay it out
(a long description wraps inside its own column), so the footer count is always right.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from drivers.printer.document import Align, Block, Columns, Cut, Document, Feed, Row, Text
from drivers.printer.escpos_encoder import layout_row, text_width
from kiosk.documents.common import DocContext, footer, header

LINES_PER_PAGE = 40  # entry lines per page: ~15 cm of paper, easy to tear and read


@dataclass(frozen=True)
class StatementEntry:
    date: str  # "2026-09-01"
    description: str
    amount: str  # signed display string, "-¥125.50"


@dataclass(frozen=True)
class StatementData:
    reference: str
    account: str  # masked card number or account number
    period_from: str
    period_to: str
    opening: str
    closing: str
    entries: tuple[StatementEntry, ...] = field(default_factory=tuple)

    @classmethod
    def from_wire(cls, data: dict) -> StatementData:
        entries = tuple(StatementEntry(**e) for e in data.get("entries", ()))
        return cls(**{**data, "entries": entries})


def _entry_row(ctx: DocContext, data: StatementData, entry: StatementEntry) -> Row:
    narrow = ctx.columns < 40
    date = entry.date[5:] if narrow and len(entry.date) == 10 else entry.date
    amount_w = max([text_width(e.amount) for e in data.entries] + [8])
    date_w = 5 if narrow else 10
    return Row((date, entry.description, entry.amount), (date_w, 0, amount_w), (False, False, True))


def _title_row(ctx: DocContext, data: StatementData) -> Row:
    base = _entry_row(ctx, data, StatementEntry("2026-01-01", "", ""))
    cells = (ctx.t("doc_col_date"), ctx.t("doc_col_desc"), ctx.t("doc_col_amount"))
    return Row(cells, base.widths, base.right, bold=True)


def paginate(ctx: DocContext, data: StatementData, lines_per_page: int) -> list[list[Row]]:
    """Entries split into pages of at most lines_per_page printed lines (an entry never splits)."""
    pages: list[list[Row]] = [[]]
    used = 0
    for entry in data.entries:
        row = _entry_row(ctx, data, entry)
        height = len(layout_row(row, ctx.columns))
        if used + height > lines_per_page and pages[-1]:
            pages.append([])
            used = 0
        pages[-1].append(row)
        used += height
    return pages


def statement(
    ctx: DocContext, data: StatementData, *, lines_per_page: int = LINES_PER_PAGE
) -> Document:
    pages = paginate(ctx, data, max(lines_per_page, 5))
    period = f"{data.period_from} - {data.period_to}"
    blocks: list[Block] = []
    for number, rows in enumerate(pages, start=1):
        page_no = f"{ctx.t('doc_page')} {number}/{len(pages)}"
        blocks += header(ctx, "doc_statement_title", data.reference)
        blocks += [
            Columns(ctx.t("doc_card"), data.account),
            Columns(ctx.t("doc_period"), period),
            Columns(ctx.t("doc_entries"), str(len(data.entries))),
            Columns(ctx.t("doc_page"), f"{number}/{len(pages)}"),
        ]
        if number == 1:
            blocks.append(Columns(ctx.t("doc_opening"), data.opening, bold=True))
        blocks.append(_title_row(ctx, data))
        blocks += rows
        if number < len(pages):
            blocks += [
                Text(ctx.t("doc_continued"), align=Align.CENTER),
                Text(page_no, align=Align.CENTER),
                Feed(2),
                Cut(),
            ]
    blocks += [
        Columns(ctx.t("doc_closing"), data.closing, bold=True),
        Text(ctx.t("doc_end"), align=Align.CENTER),
        Text(f"{ctx.t('doc_page')} {len(pages)}/{len(pages)}", align=Align.CENTER),
        *footer(ctx, data.reference),
    ]
    return Document(
        kind="statement", reference=data.reference, blocks=tuple(blocks), source=asdict(data)
    )
