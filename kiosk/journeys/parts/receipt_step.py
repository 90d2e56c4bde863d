"""Printing a receipt (or a credit slip) and telling the customer honestly how it went.

"Printed" is only what the printer confirmed: a job that fails, stops half-way or never answers
is journaled as not printed, with the reprint code when part of it may be out, and the result
screen then shows the reference as a QR code (the on-screen receipt). A customer told before any
money moved that the printer cannot print (`paper=False`) gets the on-screen receipt directly.
Every outcome is journaled with what the receipt said, so it can be reprinted later.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from drivers.printer.document import Document
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.ports import PrintFinished, PrintPort
from kiosk.journeys.screen_model import ScreenModel


@dataclass(frozen=True)
class ReceiptDone:
    printed: bool
    incomplete: bool = False  # the printer stopped mid-receipt or never answered
    onscreen: bool = False  # the customer chose the on-screen receipt before paying

    def line(self, ctx: PartContext, printed_id: str, reference: str) -> str:
        """ "Take your receipt" only when the printer confirmed its end."""
        if self.printed:
            return ctx.text(printed_id)
        if self.onscreen:
            return ctx.text("onscreen_receipt", reference=reference)
        if self.incomplete:
            return ctx.text("receipt_incomplete", reference=reference)
        return ctx.text("thanks_no_receipt", reference=reference)

    def where(self, ctx: PartContext) -> tuple[str, ...]:
        """Where to take the printed receipt from (nothing to say when none was printed)."""
        return (ctx.where("receipt"),) if self.printed else ()

    def qr(self, reference: str) -> str:
        """No confirmed paper receipt: the reference as a QR code is the customer's receipt."""
        return "" if self.printed else reference


def receipt_source(document: Document, lang: str) -> dict[str, object]:
    """What the receipt said, journaled with its outcome so a reprint can rebuild it."""
    return {
        "kind": document.kind,
        "reference": document.reference,
        "lang": lang,
        "data": document.source,
    }


class ReceiptStep(Part):
    def __init__(
        self,
        ctx: PartContext,
        *,
        printer: PrintPort,
        document: Document,
        screen_id: str,
        on_done: Callable[[Outcome], None],
        paper: bool = True,
        title_id: str = "printing_title",
        body_id: str = "printing_body",
        kinds: tuple[str, str] = ("receipt_printed", "receipt_not_printed"),
        record: dict[str, object] | None = None,
    ) -> None:
        """`kinds`: the journal kinds of success and failure; `record`: what is journaled with
        them (default: the receipt's source, so it can be rebuilt for a reprint)."""
        super().__init__(ctx, on_done)
        self._printer = printer
        self.document = document
        self.screen_id = screen_id
        self.paper = paper
        self._title_id, self._body_id = title_id, body_id
        self.job_id = str(uuid.uuid4())
        self.source = receipt_source(document, ctx.lang())
        self._kinds = kinds
        self._record = record if record is not None else {"receipt": self.source}

    def start(self) -> None:
        """Submits the job; with no paper receipt possible, ends at once (on-screen)."""
        if not self.paper:
            self.ctx.journal(
                self._kinds[1],
                status="onscreen",
                detail="printer unavailable before payment",
                **self._record,
            )
            self.finish(ReceiptDone(printed=False, onscreen=True))
            return
        self.arm(self.ctx.timeouts.print_job, customer=False)
        self._printer.submit(self.job_id, self.document)

    def handle(self, event: object) -> bool:
        if not isinstance(event, PrintFinished) or event.job_id != self.job_id:
            return False
        if self.finished:
            return True  # a late answer after the timeout changes nothing
        result = event.result
        extra = {"incomplete": True, "reprint_code": self.document.reference}
        self.ctx.journal(
            self._kinds[0] if result.printed else self._kinds[1],
            status=result.status.value,
            detail=result.detail,
            **self._record,
            **(extra if result.incomplete else {}),
        )
        self.finish(ReceiptDone(printed=result.printed, incomplete=result.incomplete))
        return True

    def on_timeout(self) -> None:
        # No answer from the printer: part of the receipt may be out, so give a reprint code.
        self.ctx.journal(
            self._kinds[1],
            status="timeout",
            detail="no answer",
            **self._record,
            incomplete=True,
            reprint_code=self.document.reference,
        )
        self.finish(ReceiptDone(printed=False, incomplete=True))

    def screen(self) -> ScreenModel:
        body = (self.ctx.text(self._body_id),) if self._body_id else ()
        return ScreenModel(
            screen_id=self.screen_id,
            lang=self.ctx.lang(),
            title=self.ctx.text(self._title_id),
            body=body,
            busy=True,
        )
