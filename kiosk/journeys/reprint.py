"""Reprint a receipt by its reference: typed on the keypad (this kiosk's number) or scanned.

    reference (KeypadEntry, or a scan) -> looked up (journal or core) -> reprinted (ReceiptStep)
      -> result; not found or unavailable -> asked again, told why

The reprint is honest the same way the first print is: "reprinted" only on the printer's
confirmation; otherwise the screen shows the receipt as a QR code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from drivers.printer.document import Document
from kiosk.clock import Clock
from kiosk.documents import DocContext, rebuild
from kiosk.errors import KioskError
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.parts.keypad_entry import (
    Entered,
    EntryKind,
    EntrySpec,
    KeypadEntry,
)
from kiosk.journeys.parts.receipt_step import ReceiptDone, ReceiptStep
from kiosk.journeys.parts.steps import StepRunner
from kiosk.journeys.ports import PrintPort
from kiosk.journeys.reprint_source import REFERENCE, ReceiptFound, ReceiptLookupFailed
from kiosk.journeys.screen_model import ScreenModel, Tone
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig

MAX_DIGITS = 12


@dataclass(frozen=True)
class ReferenceScanned:
    """The QR/barcode scanner read a value (the receipt's QR holds its reference)."""

    value: str


class ReceiptSource(Protocol):
    def request(self, request_id: str, reference: str) -> None:
        """Starts a look-up; the answer arrives as ReceiptFound or ReceiptLookupFailed."""
        ...


class RState(str, Enum):
    ENTER = "reprint_enter"
    LOOKING_UP = "reprint_looking_up"
    PRINTING = "reprint_printing"
    RESULT = "reprint_result"
    EXIT = "reprint_exit"


R = RState
ENTRY = EntrySpec(
    kind=EntryKind.CODE,
    screen_id=R.ENTER.value,
    title_id="reprint_title",
    label_id="reprint_label",
    hint_id="reprint_enter",
    invalid_id="reprint_not_found",
    max_length=MAX_DIGITS,
    valid=lambda digits: bool(digits),
    timeout=24 * 3600.0,  # the services menu's idle timeout ends a forgotten reprint
)
TRANSITIONS: dict[RState, frozenset[RState]] = {
    R.ENTER: frozenset({R.LOOKING_UP, R.EXIT}),
    R.LOOKING_UP: frozenset({R.PRINTING, R.RESULT, R.ENTER}),
    R.PRINTING: frozenset({R.RESULT}),
    R.RESULT: frozenset({R.ENTER, R.EXIT}),
    R.EXIT: frozenset(),
}


class ReprintJourney:
    def __init__(
        self,
        *,
        kiosk_id: str,
        lang: str,
        catalog: Catalog,
        clock: Clock,
        ledger: Ledger,
        source: ReceiptSource,
        printer: PrintPort,
        lookup_timeout: float = 15.0,
        print_timeout: float = 30.0,
        timezone: str = "Asia/Shanghai",
        columns: int = 48,
    ) -> None:
        self.kiosk_id, self.lang, self.catalog, self.clock = kiosk_id, lang, catalog, clock
        self._ledger, self._source, self._printer = ledger, source, printer
        self._tz, self._columns = ZoneInfo(timezone), columns
        timeouts = TimeoutConfig(core_lookup=lookup_timeout, print_job=print_timeout)
        self.ctx = PartContext(catalog, clock, timeouts, self._journal, lambda: self.lang)
        self.session_id = str(uuid.uuid4())
        self.steps = StepRunner(
            name="reprint",
            clock=clock,
            initial=R.ENTER,
            transitions=TRANSITIONS,
            customer_steps=frozenset(),
        )
        self.reference = ""
        self.printed: bool | None = None
        self._request = ""
        self._found_source = ""
        self._ask()

    @property
    def state(self) -> RState:
        return self.steps.step

    def _journal(self, kind: str, **data: object) -> None:
        self._ledger.record(self.session_id, kind, data)

    def _t(self, message_id: str, **values: Any) -> str:
        return self.catalog.text(self.lang, message_id, **values)

    # -- events --------------------------------------------------------------------------
    def handle(self, event: object) -> None:
        part = self.steps.part
        match event:
            case KeyPressed(key=Key.LANGUAGE):
                self.lang = "en" if self.lang == "zh_CN" else "zh_CN"
            case KeyPressed(key=key) if part is None and self.state is R.RESULT:
                if key in (Key.ENTER, Key.CANCEL):
                    self.steps.go(R.EXIT if key is Key.CANCEL else R.ENTER)
                    self.reference, self.printed = "", None
                    if key is Key.ENTER:
                        self._ask()
            case ReferenceScanned(value=value) if self.state is R.ENTER:
                self._look_up(value.strip())
            case ReceiptFound() | ReceiptLookupFailed():
                self._on_found(event)
            case _ if part is not None:
                part.handle(event)

    def tick(self) -> None:
        self.steps.tick(self._lookup_silent)

    def _ask(self, message_id: str = "") -> None:
        """The reference entry, told why when asked again."""
        entry = KeypadEntry(self.ctx, ENTRY, self._entered, message_id=message_id)
        self.steps.step, self.steps.part = R.ENTER, entry

    def _entered(self, outcome: object) -> None:
        if isinstance(outcome, Entered):
            self._look_up(f"{self.kiosk_id}-{int(outcome.value):06d}")
        else:  # cancelled, or the customer left
            self.steps.go(R.EXIT)

    def _look_up(self, reference: str) -> None:
        if not REFERENCE.match(reference):
            self._ask("reprint_not_found")
            return
        self.reference = reference
        self._request = str(uuid.uuid4())
        self.steps.go(R.LOOKING_UP, self.ctx.timeouts.core_lookup)
        self._source.request(self._request, reference)

    def _lookup_silent(self) -> None:
        if self.state is R.LOOKING_UP:
            self._ask("reprint_unavailable")

    def _on_found(self, event: ReceiptFound | ReceiptLookupFailed) -> None:
        if self.state is not R.LOOKING_UP or event.request_id != self._request:
            return
        if isinstance(event, ReceiptLookupFailed):
            not_found = event.code == "RECEIPT_NOT_FOUND"
            self._journal("reprint_lookup_failed", code=event.code)
            self._ask("reprint_not_found" if not_found else "reprint_unavailable")
            return
        try:
            document = self._document(event)
        except KioskError as exc:
            self._journal("reprint_lookup_failed", code=exc.code)
            self._ask("reprint_unavailable")
            return
        status = self._printer.last_status()
        if not status.can_print:
            self.steps.go(R.RESULT)  # no paper: the QR on screen is the receipt, said up front
            self._record(False, status.value, "printer unavailable", event.source)
            return
        record = {"reference": self.reference, "from": event.source}
        kinds = ("receipt_reprinted", "receipt_reprint_failed")
        step = ReceiptStep(
            self.ctx,
            printer=self._printer,
            document=document,
            screen_id=R.PRINTING.value,
            on_done=self._printed,
            title_id="reprint_title",
            body_id="reprint_printing",
            kinds=kinds,
            record=record,
        )
        self.steps.go(R.PRINTING, part=step)
        step.start()

    def _document(self, event: ReceiptFound) -> Document:
        when = self.clock.now().astimezone(self._tz).strftime("%Y-%m-%d %H:%M:%S")
        ctx = DocContext(self.catalog, self.lang, self.kiosk_id, when, self._columns, reprint=True)
        self._found_source = event.source
        return rebuild(ctx, event.kind, event.data)

    def _printed(self, outcome: object) -> None:
        assert isinstance(outcome, ReceiptDone)
        self.printed = outcome.printed
        self.steps.go(R.RESULT)

    def _record(self, printed: bool, status: str, detail: str, source: str) -> None:
        self.printed = printed
        kind = "receipt_reprinted" if printed else "receipt_reprint_failed"
        data = {"reference": self.reference, "status": status, "detail": detail, "from": source}
        self._ledger.record(self.session_id, kind, data)

    # -- screen --------------------------------------------------------------------------
    def screen(self) -> ScreenModel:
        language = "English" if self.lang == "zh_CN" else "中文"
        part = self.steps.part
        if part is not None:
            return replace(part.screen(), language_label=language)
        base: dict[str, Any] = {
            "screen_id": self.state.value,
            "lang": self.lang,
            "title": self._t("reprint_title"),
            "language_label": language,
        }
        if self.state is R.LOOKING_UP:
            return ScreenModel(**base, body=(self._t("reprint_looking"),), busy=True)
        if self.state is R.RESULT and self.printed:
            return ScreenModel(
                **base,
                body=(self._t("reprint_done"),),
                tone=Tone.SUCCESS,
                enter_label=self._t("continue"),
                cancel_label=self._t("cancel"),
            )
        return ScreenModel(
            **base,
            body=(self._t("reprint_failed", reference=self.reference),),
            tone=Tone.WARNING,
            qr=self.reference,
            enter_label=self._t("continue"),
            cancel_label=self._t("cancel"),
        )
