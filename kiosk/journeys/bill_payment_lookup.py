"""Looking up the bill for a biller and account: a part with one wait screen and three outcomes.

The core's answer is taken only for the look-up the customer is still waiting on; the bill due
first is shown. A bill that came from the cache while the core is away is paid offline only if
the offline policy allows it, decided and journaled here, before the cash acceptor is enabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.events import Key, KeyPressed
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.ports import BillLookup, BillLookupFailed, BillsFetched
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money import offline_policy
from kiosk.money.billing import Bill, Biller

LOOKUP_MESSAGES = {
    "UNKNOWN_ACCOUNT": "unknown_account",
    "CORE_REPLY_INVALID": "core_reply_invalid",
}


@dataclass(frozen=True)
class BillFound:
    bill: Bill
    offline: bool  # from the cache, and the offline policy allows paying it


@dataclass(frozen=True)
class LookupRefused:
    message_id: str
    retry_account: bool  # the customer may key the account again (unknown account, no bill)


@dataclass(frozen=True)
class LookupCancelled:
    pass


class BillLookupStep(Part):
    def __init__(
        self,
        ctx: PartContext,
        *,
        lookup: BillLookup,
        biller: Biller,
        account: str,
        on_done: Callable[[Outcome], None],
    ) -> None:
        super().__init__(ctx, on_done)
        self._lookup, self.biller, self.account = lookup, biller, account
        self.request_id = str(uuid.uuid4())

    def start(self) -> None:
        self.arm(self.ctx.timeouts.core_lookup, customer=False)
        self._lookup.request_bills(self.request_id, self.biller.code, self.account)

    def handle(self, event: object) -> bool:
        if self.finished:
            return False
        if isinstance(event, KeyPressed):
            if event.key is Key.CANCEL:
                self.finish(LookupCancelled())
            return True
        if not isinstance(event, BillsFetched | BillLookupFailed):
            return False
        if event.request_id != self.request_id:
            return False  # an answer for a look-up the customer already left
        if isinstance(event, BillLookupFailed):
            message = LOOKUP_MESSAGES.get(event.code, "core_unreachable")
            self.finish(LookupRefused(message, retry_account=event.code == "UNKNOWN_ACCOUNT"))
        elif not event.bills:
            self.finish(LookupRefused("no_open_bill", retry_account=True))
        else:
            self._found(min(event.bills, key=lambda b: b.due_date), offline=event.offline)
        return True

    def _found(self, bill: Bill, *, offline: bool) -> None:
        if not offline:
            self.finish(BillFound(bill, offline=False))
            return
        decision = offline_policy.decide_bill_payment(self.biller, bill)
        self.ctx.journal(
            "offline_decision",
            bill_id=bill.bill_id,
            allowed=decision.allowed,
            reason=decision.reason,
        )
        if decision.allowed:
            self.finish(BillFound(bill, offline=True))
        else:
            self.finish(LookupRefused(decision.message_id, retry_account=False))

    def on_timeout(self) -> None:
        self.finish(LookupRefused("core_unreachable", retry_account=False))

    def screen(self) -> ScreenModel:
        t = self.ctx.text
        return ScreenModel(
            screen_id="fetching_bill",
            lang=self.ctx.lang(),
            title=t("fetching_title"),
            body=(t("fetching_body"),),
            busy=True,
            cancel_label=t("cancel"),
        )
