"""Reprint a receipt by its reference: typed on the keypad (this kiosk's number) or scanned.

An explicit state machine like the bill payment: events in through `handle`, time through
`tick`. The reprint is honest the same way the first print is: "reprinted" only on the
printer's confirmation; otherwise the screen shows the receipt as a QR code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from drivers.printer.document import Document
from kiosk.clock import Clock
from kiosk.documents import DocContext, rebuild
from kiosk.errors import KioskError
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.ports import PrintFinished, PrintPort
from kiosk.journeys.reprint_source import REFERENCE, ReceiptFound, ReceiptLookupFailed
from kiosk.journeys.screen_model import InputField, ScreenModel, Tone
from kiosk.money.ledger import Ledger

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
        self._timeouts = {R.LOOKING_UP: lookup_timeout, R.PRINTING: print_timeout}
        self._tz, self._columns = ZoneInfo(timezone), columns
        self.session_id = str(uuid.uuid4())
        self.state = R.ENTER
        self.digits = ""
        self.reference = ""
        self.message_id = ""
        self.printed: bool | None = None
        self._request = ""
        self._job = ""
        self._found_source = ""
        self._deadline: float | None = None

    def _go(self, target: RState) -> None:
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"{self.state.value} -> {target.value} is not allowed")
        self.state = target
        timeout = self._timeouts.get(target)
        self._deadline = None if timeout is None else self.clock.monotonic() + timeout

    def _t(self, message_id: str, **values: Any) -> str:
        return self.catalog.text(self.lang, message_id, **values)

    # -- events --------------------------------------------------------------------------
    def handle(self, event: object) -> None:
        match event:
            case KeyPressed(key=key):
                self._on_key(key)
            case ReferenceScanned(value=value) if self.state is R.ENTER:
                self._look_up(value.strip())
            case ReceiptFound() | ReceiptLookupFailed():
                self._on_found(event)
            case PrintFinished():
                self._on_printed(event)

    def tick(self) -> None:
        if self._deadline is None or self.clock.monotonic() < self._deadline:
            return
        self._deadline = None
        if self.state is R.LOOKING_UP:
            self.message_id = "reprint_unavailable"
            self._go(R.ENTER)
        elif self.state is R.PRINTING:
            self._finish(printed=False, status="timeout", detail="no answer")

    def _on_key(self, key: Key) -> None:
        if key is Key.LANGUAGE:
            self.lang = "en" if self.lang == "zh_CN" else "zh_CN"
        elif self.state is R.ENTER:
            if key.is_digit and len(self.digits) < MAX_DIGITS:
                self.digits += key.value
                self.message_id = ""
            elif key is Key.CLEAR:
                self.digits = self.digits[:-1]
            elif key is Key.CANCEL:
                self._go(R.EXIT)
            elif key is Key.ENTER and self.digits:
                self._look_up(f"{self.kiosk_id}-{int(self.digits):06d}")
        elif self.state is R.RESULT and key in (Key.ENTER, Key.CANCEL):
            self._go(R.EXIT if key is Key.CANCEL else R.ENTER)
            self.digits, self.reference, self.printed = "", "", None

    def _look_up(self, reference: str) -> None:
        if not REFERENCE.match(reference):
            self.message_id = "reprint_not_found"
            return
        self.reference, self.message_id = reference, ""
        self._request = str(uuid.uuid4())
        self._go(R.LOOKING_UP)
        self._source.request(self._request, reference)

    def _on_found(self, event: ReceiptFound | ReceiptLookupFailed) -> None:
        if self.state is not R.LOOKING_UP or event.request_id != self._request:
            return
        if isinstance(event, ReceiptLookupFailed):
            not_found = event.code == "RECEIPT_NOT_FOUND"
            self.message_id = "reprint_not_found" if not_found else "reprint_unavailable"
            self._ledger.record(self.session_id, "reprint_lookup_failed", {"code": event.code})
            self._go(R.ENTER)
            return
        try:
            document = self._document(event)
        except KioskError as exc:
            self._ledger.record(self.session_id, "reprint_lookup_failed", {"code": exc.code})
            self.message_id = "reprint_unavailable"
            self._go(R.ENTER)
            return
        status = self._printer.last_status()
        if not status.can_print:
            self._go(R.RESULT)  # no paper: the QR on screen is the receipt, said up front
            self._record(False, status.value, "printer unavailable", event.source)
            return
        self._job = str(uuid.uuid4())
        self._go(R.PRINTING)
        self._printer.submit(self._job, document)

    def _document(self, event: ReceiptFound) -> Document:
        when = self.clock.now().astimezone(self._tz).strftime("%Y-%m-%d %H:%M:%S")
        ctx = DocContext(self.catalog, self.lang, self.kiosk_id, when, self._columns, reprint=True)
        self._found_source = event.source
        return rebuild(ctx, event.kind, event.data)

    def _on_printed(self, event: PrintFinished) -> None:
        if self.state is R.PRINTING and event.job_id == self._job:
            r = event.result
            self._finish(printed=r.printed, status=r.status.value, detail=r.detail)

    def _finish(self, *, printed: bool, status: str, detail: str) -> None:
        self._go(R.RESULT)
        self._record(printed, status, detail, self._found_source)

    def _record(self, printed: bool, status: str, detail: str, source: str) -> None:
        self.printed = printed
        kind = "receipt_reprinted" if printed else "receipt_reprint_failed"
        data = {"reference": self.reference, "status": status, "detail": detail, "from": source}
        self._ledger.record(self.session_id, kind, data)

    # -- screen --------------------------------------------------------------------------
    def screen(self) -> ScreenModel:
        base: dict[str, Any] = {
            "screen_id": self.state.value,
            "lang": self.lang,
            "title": self._t("reprint_title"),
            "language_label": "English" if self.lang == "zh_CN" else "中文",
        }
        if self.state is R.ENTER:
            field = InputField(self._t("reprint_label"), self.digits, MAX_DIGITS)
            message = self._t(self.message_id) if self.message_id else ""
            return ScreenModel(
                **base,
                body=(self._t("reprint_enter"),),
                input=field,
                message=message,
                tone=Tone.ERROR if message else Tone.INFO,
                enter_label=self._t("continue"),
                cancel_label=self._t("cancel"),
                clear_label=self._t("clear"),
            )
        if self.state is R.LOOKING_UP:
            return ScreenModel(**base, body=(self._t("reprint_looking"),), busy=True)
        if self.state is R.PRINTING:
            return ScreenModel(**base, body=(self._t("reprint_printing"),), busy=True)
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
