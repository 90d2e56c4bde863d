"""Technician reports: device status and counters, and a printer test page.

Printed from maintenance mode so an engineer leaves the site with paper evidence of what each
device reported, in the language the technician chose.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from drivers.printer.document import Align, Barcode, Block, Columns, Document, QrCode, Text
from drivers.printer.escpos_encoder import text_width
from kiosk.documents.common import DocContext, footer, header


@dataclass(frozen=True)
class DeviceLine:
    device_id: str
    state: str  # online | offline | user_error | hardware_error ...
    detail: str = ""
    supplies: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TechnicianReport:
    reference: str
    technician: str
    devices: tuple[DeviceLine, ...] = ()

    @classmethod
    def from_wire(cls, data: dict) -> TechnicianReport:
        devices = tuple(DeviceLine(**d) for d in data.get("devices", ()))
        return cls(**{**data, "devices": devices})


def technician_report(ctx: DocContext, report: TechnicianReport) -> Document:
    blocks: list[Block] = header(ctx, "doc_tech_title", report.reference)
    blocks.append(Columns(ctx.t("doc_technician"), report.technician))
    for dev in report.devices:
        blocks += [
            Text(dev.device_id, bold=True),
            Columns(ctx.t("doc_state"), dev.state),
        ]
        if dev.detail:
            blocks.append(Text(dev.detail))
        blocks += [Columns(name, value) for name, value in sorted(dev.supplies.items())]
        blocks += [Columns(name, str(value)) for name, value in sorted(dev.counters.items())]
    blocks += footer(ctx, report.reference)
    return Document(
        kind="technician_report",
        reference=report.reference,
        blocks=tuple(blocks),
        source=asdict(report),
    )


def test_page(ctx: DocContext, reference: str) -> Document:
    """Every block kind once: fonts, both widths of text, a ruler, QR and barcode."""
    ruler = "".join(str(i % 10) for i in range(1, ctx.columns + 1))
    blocks: list[Block] = header(ctx, "doc_test_page", reference)
    blocks += [
        Text(ruler),
        Text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ¥$€"),
        Text("中文打印测试：国家电网 缴费 凭条 余额"),
        Text(ctx.t("doc_test_page"), bold=True),
        Text("2x " + ctx.t("doc_test_page"), double=True),
        Columns(ctx.t("doc_col_amount"), "¥1,234,567.89"),
        Text(f"columns={ctx.columns} width={text_width(ruler)}", align=Align.RIGHT),
        QrCode(reference),
        Barcode(reference[-20:]),
    ]
    blocks += footer(ctx, reference)
    return Document(
        kind="test_page", reference=reference, blocks=tuple(blocks), source={"reference": reference}
    )
