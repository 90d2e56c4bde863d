"""What EsspAcceptor does before it trusts the note path: at open and after every resync.

A mixin of EsspAcceptor (drivers/cash/essp_driver.py), split out of it by concern. SYNC wipes
the device's last reply, so whatever a previous run, a lost link or a device reset left
undecided is settled here, on the I/O thread, before any queued command runs: a note still in
escrow goes back, a CREDIT whose reply was lost is reported from the device's stacked counter,
and at open the counters are read only once nothing moves, for start-up reconciliation.
"""

from __future__ import annotations

import logging
import time

from drivers.base import DeviceState
from drivers.cash.essp_link import LINE_FRAUD
from drivers.cash.essp_protocol import (
    Command,
    EsspError,
    EsspNak,
    Event,
    PollEvent,
    parse_counters,
    parse_poll_events,
)

log = logging.getLogger("drivers.cash.essp")

# A note is still moving while a poll reports one of these; counters read then would be early.
_IN_MOTION = {Event.READ, Event.STACKING, Event.REJECTING}
_SETTLE_POLLS = 25


class SettleSteps:
    """Mixed into EsspAcceptor; uses its transport, event handling, escrow and counters."""

    _line_fraud: bool
    _detail: str

    def _settle_at_open(self) -> None:
        """A note a previous run left in escrow goes back to the customer (nobody decided
        on it in this run), then we poll until nothing moves and read the device's counters,
        so start-up recovery compares the journal with a cashbox that is at rest."""
        self._return_undecided_note("start-up")
        for _ in range(_SETTLE_POLLS):
            events = parse_poll_events(self._transact(bytes([Command.POLL])))
            for event in events:
                self._handle_event(event)
            if not any(isinstance(e, PollEvent) and e.code in _IN_MOTION for e in events):
                break
            time.sleep(self._poll_interval)
        try:
            self.counters_at_open = parse_counters(self._transact(bytes([Command.GET_COUNTERS])))
            self._stacked_known = self.counters_at_open.stacked
        except EsspNak:
            log.warning("%s: device has no counters; recovery cannot reconcile", self.device_id)

    def _return_undecided_note(self, when: str) -> None:
        """REJECT whatever is in escrow. After SYNC the device's last reply is gone, so a READ
        (escrow) event may have been lost with it; a bare POLL would then stack a note the host
        never decided on (past the escrow policy, unjournaled). Giving it back is the only safe
        move; a NoteReturned follows for the journey if there was one."""
        self._credit_lost_stack()
        self._escrow, self._hold = None, False
        try:
            self._transact(bytes([Command.REJECT]))
            log.warning("%s: a note in escrow was returned at %s", self.device_id, when)
        except EsspNak:
            pass  # nothing in escrow: the usual case

    def _credit_lost_stack(self) -> None:
        """If the POLL reply that carried a CREDIT was lost for good (retries exhausted, then
        SYNC), the device's stacked counter is one ahead of the credits we saw: the note we
        had in escrow is in the cashbox, so it is reported now rather than at the next start."""
        known, channel = self._stacked_known, self._escrow
        if known is None or channel is None:
            return
        try:
            stacked = parse_counters(self._transact(bytes([Command.GET_COUNTERS]))).stacked
        except EsspNak:
            return
        if stacked == known + 1:
            log.warning("%s: credit reply was lost; the device counter shows it", self.device_id)
            self._handle_event(PollEvent(Event.CREDIT, channel))
        elif stacked != known:
            log.error("%s: device stacked %d notes, %d seen", self.device_id, stacked, known)
            self._stacked_known = stacked

    def _resync(self) -> None:
        """Runs the open() handshake again; the state only turns ONLINE once it all worked."""
        self._needs_setup = False
        try:
            self._setup()
            self._return_undecided_note("resync")
        except EsspError:
            self._needs_setup = self._state is not DeviceState.OFFLINE
            raise
        line_fraud_cleared = self._detail == LINE_FRAUD and not self._line_fraud  # by reset()
        if self._state is DeviceState.OFFLINE or line_fraud_cleared:
            self._set_state(DeviceState.ONLINE, "")
