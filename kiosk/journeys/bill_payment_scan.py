"""Scan your bill: the bill payment's first step when a barcode scanner is wired and online.

A part with one screen. The customer holds the bill under the scanner; a code that reads as a
bill of a biller this kiosk takes (kiosk/money/bill_code.py, docs/bill_barcode.md) fills the
biller and the account and the journey goes on to the bill look-up, where the core says what is
owed (the amount on the code is never trusted). A code that cannot be used is refused on the same
screen with its reason, said aloud (voice mode speaks what changed on a screen), and the customer
may scan again or press 1 to key the account instead. The scanner going offline (unplugged)
ends the step as "key it instead": nothing was entered yet, so nothing is lost.

Outcomes: BillScanned, KeyInstead (chosen, or the scanner went away), ScanCancelled,
ScanTimedOut. Journal: the bill id of a good scan, the code of each refusal, never the account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drivers.base import DeviceState
from drivers.scanner.base import CodeScanned, ScanFailed, ScannerStateChanged
from kiosk.events import Key, KeyPressed
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.screen_model import Choice, ScreenModel, Tone
from kiosk.money import bill_code
from kiosk.money.bill_code import BillCode, BillCodeError
from kiosk.money.billing import Biller

SCREEN_ID = "scan_bill"
REFUSALS = {
    "BILL_CODE_UNREADABLE": "bill_code_unreadable",
    "BILL_CODE_FOREIGN": "bill_code_foreign",
    "BILL_CODE_TAMPERED": "bill_code_tampered",
}


@dataclass(frozen=True)
class ScannerOffer:
    """What the journey knows of the scanner: its id (events name it) and whether it is online
    now (read from the driver's health, so a scanner unplugged between customers is not
    offered)."""

    device_id: str
    online: Callable[[], bool]


@dataclass(frozen=True)
class BillScanned:
    biller: Biller
    code: BillCode


@dataclass(frozen=True)
class KeyInstead:
    scanner_gone: bool  # True: the scanner went offline, the customer did not choose it


@dataclass(frozen=True)
class ScanCancelled:
    pass


@dataclass(frozen=True)
class ScanTimedOut:
    pass


class BillScanStep(Part):
    def __init__(
        self,
        ctx: PartContext,
        *,
        scanner: ScannerOffer,
        billers: Callable[[], tuple[Biller, ...]],
        on_done: Callable[[Outcome], None],
    ) -> None:
        """`billers`: every biller this kiosk takes (not only the six the biller screen shows:
        a scanned bill may be for any of them)."""
        super().__init__(ctx, on_done)
        self._scanner, self._billers = scanner, billers
        self.message_id = ""
        self.refusals = 0  # so a second refusal reads differently and voice mode says it too
        self.arm(ctx.timeouts.menu)

    def handle(self, event: object) -> bool:
        if self.finished:
            return False
        if isinstance(event, KeyPressed):
            return self._key(event.key)
        if getattr(event, "device_id", None) != self._scanner.device_id:
            return False
        if isinstance(event, CodeScanned):
            self.rearm()
            self._scanned(event.text)
        elif isinstance(event, ScanFailed):
            self.rearm()
            self._refuse("BILL_CODE_UNREADABLE", event.code)
        elif isinstance(event, ScannerStateChanged):
            if event.state is not DeviceState.ONLINE:
                self._gone()
        else:
            return False
        return True

    def tick(self) -> None:
        """The scanner's state event may have gone to another screen: its health decides too."""
        if not self.finished and not self._scanner.online():
            self._gone()
            return
        super().tick()

    def on_timeout(self) -> None:
        self.finish(ScanTimedOut())

    def _key(self, key: Key) -> bool:
        self.rearm()
        self.message_id = ""  # a message lasts until the next key
        if key is Key.CANCEL:
            self.finish(ScanCancelled())
        elif key is Key.D1:
            self.finish(KeyInstead(scanner_gone=False))
        else:
            return False
        return True

    def _scanned(self, text: str) -> None:
        try:
            code = bill_code.parse(text)
            biller = bill_code.for_biller(code, self._billers())
        except BillCodeError as exc:
            self._refuse(exc.code, "")
            return
        self.ctx.journal("bill_scanned", biller=biller.code, bill_id=code.bill_id)
        self.finish(BillScanned(biller, code))

    def _refuse(self, code: str, scanner_code: str) -> None:
        self.message_id = REFUSALS[code]
        self.refusals += 1
        self.ctx.journal("bill_scan_refused", code=code, scanner_code=scanner_code)

    def _gone(self) -> None:
        self.ctx.journal("bill_scan_unavailable")
        self.finish(KeyInstead(scanner_gone=True))

    def _message(self) -> str:
        """The reason; from the second refusal on with the scan's number, so a screen that
        would look the same is a new line (voice mode says only what changed on a screen)."""
        if not self.message_id:
            return ""
        reason = self.ctx.text(self.message_id)
        if self.refusals < 2 or self.message_id not in REFUSALS.values():
            return reason
        return self.ctx.text("bill_scan_refused_again", count=self.refusals, reason=reason)

    def screen(self) -> ScreenModel:
        t = self.ctx.text
        model = ScreenModel(
            screen_id=SCREEN_ID,
            lang=self.ctx.lang(),
            title=t("scan_title"),
            body=(t("scan_body"),),
            choices=(Choice("1", t("scan_key_instead")),),
            message=self._message(),
            tone=Tone.ERROR if self.message_id else Tone.INFO,
            cancel_label=t("cancel"),
        )
        return self.with_countdown(model)
