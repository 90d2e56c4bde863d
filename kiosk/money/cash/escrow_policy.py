"""What to do with a note held in escrow — one pure function every cash journey uses.

The note is still the customer's while it is in escrow (the driver HOLDs it), so every check
happens here, before the device is told to stack: the currency, what the bill still needs, the
biller's maximum, and — when the kiosk cannot reach the core — the biller's offline limit (or
no offline acceptance at all). A note that would pay more than the bill is not refused: the
difference is credited to the account as prepayment, but only after the customer has seen the
amount on screen and agreed (`needs_consent`), because a stacked note cannot be given back.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.money.amount import Money
from kiosk.money.billing import Biller


@dataclass(frozen=True)
class EscrowDecision:
    accept: bool
    reason: str = ""  # why a refused note goes back (journaled, stable ids)
    prepayment: Money | None = None  # the part of the note beyond the bill, when accepted
    needs_consent: bool = False  # show the prepayment and wait for the customer's yes

    def journal(self, note: Money) -> dict[str, object]:
        data: dict[str, object] = {"value": note.wire()}
        if self.reason:
            data["reason"] = self.reason
        if self.prepayment is not None:
            data["prepayment"] = self.prepayment.wire()
        return data


def decide(
    note: Money,
    inserted: Money,
    biller: Biller,
    *,
    due: Money | None,
    online: bool = True,
    consented: bool = False,
) -> EscrowDecision:
    """`due` None means an open amount (top-up): only the limits apply."""
    if note.currency != inserted.currency:
        return EscrowDecision(False, "wrong_currency")
    if due is not None and inserted >= due:
        return EscrowDecision(False, "already_paid")
    after = inserted + note
    if after > biller.max_amount:
        return EscrowDecision(False, "over_biller_limit")
    if not online:
        if not biller.offline_allowed:
            return EscrowDecision(False, "offline_not_allowed")
        if after > biller.offline_limit:
            return EscrowDecision(False, "over_offline_limit")
    if due is not None and after > due:
        prepayment = after - due
        return EscrowDecision(True, prepayment=prepayment, needs_consent=not consented)
    return EscrowDecision(True)
