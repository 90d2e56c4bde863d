"""Taking cash (notes and coins) towards an amount due, or an open amount such as a top-up.

Money safety: a note in escrow is still the customer's (the acceptor holds it); the escrow policy
decides, the decision is journaled, and only then is the acceptor told to stack or return it. The
overpayment rule is on the insert screen before the first note (any excess becomes prepayment,
no change is given) or, with `overpay_consent`, each overpaying note is held until the customer
agrees. A coin is in the box when its event arrives, so it is journaled first. Every way out
reports the tally with a reason, once no note is in transit: the parent then books a payment, a
top-up or a credit - inserted cash is never left unaccounted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drivers.base import DeviceState
from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from kiosk.events import Key, KeyPressed
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.parts.tender_screens import confirm_screen, insert_screen, settling_screen
from kiosk.journeys.parts.tender_spec import TenderSpec, TenderState
from kiosk.journeys.ports import CashPort
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money
from kiosk.money.cash import escrow_policy


@dataclass(frozen=True)
class TenderDone:
    tally: CashTally
    reason: str  # confirmed, customer_confirmed, cancelled, timeout, device_fault
    complete: bool  # the customer chose to pay what is inserted

    @property
    def total(self) -> Money:
        return self.tally.total


class Tender(Part):
    takes_cash = True

    def __init__(
        self,
        ctx: PartContext,
        spec: TenderSpec,
        *,
        cash: CashPort,
        currency: str,
        on_done: Callable[[Outcome], None],
    ) -> None:
        super().__init__(ctx, on_done)
        self.spec = spec
        self._cash = cash
        self.tally = CashTally(currency)
        self.state = TenderState.INSERT
        self.escrow = ""  # "" no note, "held" awaiting the customer, "accepted" stacking
        self.offer: tuple[Money, Money | None] | None = None  # note, prepayment
        self.reason = ""
        self.message_id = ""
        self.notes = tuple(Money.from_minor(v, currency) for v in cash.denominations_minor())

    def start(self, **opened: object) -> None:
        """Journals the opened session (recovery credits from it), then enables the acceptor."""
        self.ctx.journal("cash_session_opened", **opened)
        self.arm(self.ctx.timeouts.insert_cash)
        self._cash.enable()

    @property
    def screen_id(self) -> str:
        return self.spec.screen_ids[self.state]

    # -- events ----------------------------------------------------------------------------

    def handle(self, event: object) -> bool:
        if self.finished:
            return False
        match event:
            case KeyPressed(key=key):
                self._on_key(key)
            case NoteInEscrow():
                self._on_escrow(event)
            case NoteCredited() if self.state is not TenderState.CONFIRM:
                self._on_credit(event)
            case NoteReturned():
                self._on_returned(event)
            case AcceptorStateChanged() if self.state is TenderState.INSERT:
                self._on_acceptor_state(event)
            case CoinCredited():
                self._on_coin(event)
            case _:
                return False  # a note stacked at Confirm is the parent's to book as unassigned
        return True

    def _on_key(self, key: Key) -> None:
        self.rearm()
        self.message_id = ""
        if self.state is TenderState.INSERT:
            self._key_insert(key)
        elif self.state is TenderState.CONFIRM and key is Key.ENTER:
            self.finish(TenderDone(self.tally, "confirmed", complete=True))
        elif self.state is TenderState.CONFIRM and key is Key.CANCEL:
            self._settle("cancelled")

    def _key_insert(self, key: Key) -> None:
        if self.offer is not None and self.escrow == "held":
            if key in (Key.ENTER, Key.D1):
                self._answer_offer(True)
            elif key is Key.CANCEL:
                self._answer_offer(False)  # the note comes back; the customer may try another
            return
        if key is Key.CANCEL:
            self._settle("cancelled")
        elif key is Key.ENTER and not self.tally.total.is_zero():
            if self.spec.due is None:
                self._settle("customer_confirmed")  # an open amount: what is in is the top-up
            elif not self.spec.biller.partial_allowed:
                self.message_id = "partial_not_allowed"
            elif self.tally.total < self.spec.biller.min_amount:
                self.message_id = "partial_below_minimum"  # the core would refuse it
            else:
                self._cash.disable()  # partial payment: pay what is in, the bill stays open
                self._go_confirm()

    def _on_escrow(self, event: NoteInEscrow) -> None:
        """The note is still the customer's (the driver HOLDs it): decide, journal, then act."""
        note = Money.from_minor(event.value_minor, event.currency)
        if self.state is not TenderState.INSERT:
            decision = escrow_policy.EscrowDecision(False, "not_accepting")
        else:
            decision = escrow_policy.decide(
                note,
                self.tally.total,
                self.spec.biller,
                due=self.spec.due,
                online=self.spec.online(),
            )
        if not decision.accept:
            self.ctx.journal("note_escrow_rejected", **decision.journal(note))
            self._cash.reject_escrow()
            return
        if decision.needs_consent and self.spec.overpay_consent:
            # Overpayment: this note's prepayment is on screen BEFORE it can be stacked.
            self.ctx.journal("note_escrow_overpay_offered", **decision.journal(note))
            self.escrow, self.offer = "held", (note, decision.prepayment)
            self.arm(self.ctx.timeouts.confirm)
            return
        self._accept_note(note, decision)

    def _accept_note(self, note: Money, decision: escrow_policy.EscrowDecision) -> None:
        self.offer = None
        self.ctx.journal("note_escrow_accepted", **decision.journal(note))
        self.escrow = "accepted"
        self._cash.accept_escrow()

    def _answer_offer(self, agree: bool) -> None:
        assert self.offer is not None
        note, prepayment = self.offer
        if agree:
            self._accept_note(note, escrow_policy.EscrowDecision(True, prepayment=prepayment))
            return
        self.offer, self.escrow = None, ""
        self.ctx.journal("note_escrow_rejected", value=note.wire(), reason="customer_declined")
        self._cash.reject_escrow()

    def _on_credit(self, event: NoteCredited) -> None:
        self.escrow = ""
        self.tally.add(event.value_minor)
        value = Money.from_minor(event.value_minor, event.currency)
        self.ctx.journal("note_stacked", value=value.wire(), total=self.tally.total.wire())
        if self.state is TenderState.SETTLING:
            self._end_settle()
        else:
            self._after_money()

    def _on_coin(self, event: CoinCredited) -> None:
        self.tally.add_coin(event.value_minor)
        self.ctx.journal(
            "coin_credited",
            value=Money.from_minor(event.value_minor, event.currency).wire(),
            total=self.tally.total.wire(),
            channel=event.channel,
            counter=event.event_counter,
        )
        if self.state is TenderState.INSERT and not self.escrow:
            self._after_money()  # a note in transit completes the check when it stacks
        elif self.state is TenderState.INSERT:
            self.arm(self.ctx.timeouts.insert_cash)

    def _after_money(self) -> None:
        due = self.spec.due
        if due is not None and self.tally.total >= due and self.spec.confirm:
            self._cash.disable()
            self._go_confirm()
        else:
            self.arm(self.ctx.timeouts.insert_cash)

    def _on_returned(self, event: NoteReturned) -> None:
        self.ctx.journal("note_returned", reason=event.reason)
        self.escrow = ""
        if self.state is TenderState.INSERT:
            self.message_id = "note_returned"
        elif self.state is TenderState.SETTLING:
            self._end_settle()

    def _on_acceptor_state(self, event: AcceptorStateChanged) -> None:
        if event.state is DeviceState.ONLINE:
            return
        self.ctx.journal("acceptor_fault", state=event.state.value, detail=event.detail)
        self._settle("device_fault")

    def _go_confirm(self) -> None:
        self.state = TenderState.CONFIRM
        self.arm(self.ctx.timeouts.confirm)

    # -- leaving ---------------------------------------------------------------------------

    def on_timeout(self) -> None:
        if self.state is TenderState.SETTLING:
            # The acceptor never confirmed the note in transit: close with what is certain and
            # leave the unresolved note to recovery/technician reconciliation against the box.
            self.ctx.journal("note_unresolved", reason=self.reason)
            self.escrow = ""
            self._end_settle()
            return
        self.ctx.journal("customer_timeout", state=self.screen_id)
        self._settle("timeout")

    def _settle(self, reason: str) -> None:
        """Leaves early: a held note goes back, a note in transit is waited for."""
        self.reason = reason
        self._cash.disable()
        if self.escrow == "held":
            if self.offer is not None:
                note = self.offer[0].wire()
                self.ctx.journal("note_escrow_rejected", value=note, reason=reason)
            self.offer, self.escrow = None, ""
            self._cash.reject_escrow()
        if self.escrow == "accepted":
            self.ctx.journal("settle_waiting_for_note", reason=reason)
            self.state = TenderState.SETTLING
            self.arm(self.ctx.timeouts.settle_note, customer=False)
            return
        self._end_settle()

    def _end_settle(self) -> None:
        if self.tally.total.is_zero():
            self.ctx.journal("cash_session_closed", reason=self.reason, total="0")
        complete = self.reason == "customer_confirmed"
        self.finish(TenderDone(self.tally, self.reason, complete=complete))

    # -- screens ---------------------------------------------------------------------------

    def screen(self) -> ScreenModel:
        if self.state is TenderState.SETTLING:
            return settling_screen(self)
        if self.state is TenderState.CONFIRM:
            return self.with_countdown(confirm_screen(self))
        return self.with_countdown(insert_screen(self))
