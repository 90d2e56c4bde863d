"""How a technician gets into maintenance mode: card + PIN, operator switch, or hidden keys + PIN.

An explicit state machine (EntryState + TRANSITIONS) driven by events and an injected clock:

    IDLE --card / hidden sequence--> PIN --right PIN--> GRANTED
    IDLE --operator switch, safe point--> GRANTED
    IDLE --operator switch, customer busy--> WAITING_SAFE --safe point--> GRANTED
    PIN  --3rd wrong PIN--> NOTICE (locked out)      NOTICE --Cancel / timeout--> IDLE

The operator switch needs the cabinet key, so it asks for no PIN. The PIN is checked against a
salted PBKDF2 hash (entry_config.py); the digits live only in `_pin` until checked, are shown as
dots and never reach a log, the journal or a screen model. Failures and the lockout are
journaled (audit.py), so a restart does not reset them. Nothing starts while a customer's money
or card is in the kiosk (entry_guard.py): the refusal is journaled, and the operator switch
waits for the session to end by itself rather than cutting a customer off.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from kiosk.clock import Clock
from kiosk.events import Key
from kiosk.technician.audit import TechnicianAudit
from kiosk.technician.entry_config import TechnicianSettings
from kiosk.technician.entry_guard import Blocker, CustomerPresence

OPERATOR_SWITCH = "operator-switch"
KEYPAD = "keypad"
NOTICE_S = 10.0
MIN_PIN = 4


class EntryMethod(str, Enum):
    CARD = "card"
    OPERATOR_SWITCH = "operator_switch"
    KEY_SEQUENCE = "key_sequence"


class EntryState(str, Enum):
    IDLE = "idle"  # customers own the kiosk
    WAITING_SAFE = "waiting_safe"  # the switch is on; a customer session is still finishing
    PIN = "pin"
    NOTICE = "notice"  # locked out / PIN entry not configured: shown until Cancel or timeout
    GRANTED = "granted"  # the router starts maintenance mode and calls `reset()`


E = EntryState
TRANSITIONS: dict[EntryState, frozenset[EntryState]] = {
    E.IDLE: frozenset({E.PIN, E.NOTICE, E.GRANTED, E.WAITING_SAFE}),
    E.WAITING_SAFE: frozenset({E.GRANTED, E.IDLE}),
    E.PIN: frozenset({E.PIN, E.GRANTED, E.NOTICE, E.IDLE}),
    E.NOTICE: frozenset({E.IDLE}),
    E.GRANTED: frozenset({E.IDLE}),
}


class SequenceWatcher:
    """Recognises the hidden key sequence typed within `window_s` seconds."""

    def __init__(self, sequence: tuple[Key, ...], window_s: float, clock: Clock) -> None:
        self._sequence = sequence
        self._window = window_s
        self._clock = clock
        self._typed = 0
        self._started = 0.0

    def feed(self, key: Key) -> str:
        """ "match", "prefix" (swallow the key) or "none" (the key is the customer's)."""
        now = self._clock.monotonic()
        if self._typed and now - self._started > self._window:
            self._typed = 0
        if key is self._sequence[self._typed]:
            if self._typed == 0:
                self._started = now
            self._typed += 1
            if self._typed == len(self._sequence):
                self._typed = 0
                return "match"
            return "prefix"
        self._typed = 0
        if key is self._sequence[0]:  # a broken sequence may start again with this key
            self._started, self._typed = now, 1
            return "prefix"
        return "none"

    @property
    def pending(self) -> bool:
        return self._typed > 0


class TechnicianEntry:
    def __init__(
        self,
        settings: TechnicianSettings,
        audit: TechnicianAudit,
        presence: CustomerPresence,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.audit = audit
        self.presence = presence
        self.clock = clock
        self.state = EntryState.IDLE
        self.method: EntryMethod | None = None
        self.who = ""
        self.message_id = ""  # the notice or the last PIN error, as a catalog id
        self.tries_left = settings.max_failures
        self.locked_until: datetime | None = None
        self._pin: list[str] = []
        self._deadline: float | None = None
        self.sequence = SequenceWatcher(settings.key_sequence, settings.sequence_window_s, clock)

    # ------------------------------------------------------------------ plumbing

    def _go(self, target: EntryState, timeout: float | None = None) -> None:
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"entry {self.state.value} -> {target.value} is not allowed")
        self.state = target
        self._deadline = None if timeout is None else self.clock.monotonic() + timeout
        if target is not EntryState.PIN:
            self._pin.clear()

    def reset(self) -> None:
        """Back to IDLE once the router has taken the grant (or the mode has ended)."""
        if self.state is not EntryState.IDLE:
            self._go(EntryState.IDLE)
        self.method, self.who, self.message_id = None, "", ""

    @property
    def pin_digits(self) -> int:
        return len(self._pin)

    @property
    def showing(self) -> bool:
        """Whether the entry owns the screen (PIN prompt or notice)."""
        return self.state in (EntryState.PIN, EntryState.NOTICE)

    # ------------------------------------------------------------------ triggers

    def operator_switch(self, on: bool) -> None:
        if on and self.state is EntryState.IDLE:
            self.method, self.who = EntryMethod.OPERATOR_SWITCH, OPERATOR_SWITCH
            blocker = self.presence.blocker()
            if blocker is Blocker.NONE:
                self._grant()
            else:
                self._refuse(blocker)
                self._go(EntryState.WAITING_SAFE)
        elif not on and self.state is EntryState.WAITING_SAFE:
            self.audit.record(OPERATOR_SWITCH, "entry", "withdrawn", method="operator_switch")
            self.reset()

    def card(self, technician_id: str) -> None:
        """A technician card was read (recognised by AID and PAN range)."""
        if self.state is EntryState.IDLE:
            self._ask_pin(EntryMethod.CARD, technician_id, own_card=True)

    def key(self, key: Key) -> bool:
        """Handles a key; returns False when it belongs to the customer session instead."""
        if self.state is EntryState.PIN:
            self._pin_key(key)
            return True
        if self.state is EntryState.NOTICE:
            if key in (Key.CANCEL, Key.ENTER):
                self.reset()
            return True
        if self.state is not EntryState.IDLE or self.presence.customer_active():
            return False
        seen = self.sequence.feed(key)
        if seen == "match":
            self._ask_pin(EntryMethod.KEY_SEQUENCE, KEYPAD, own_card=False)
        return seen != "none"

    def tick(self) -> None:
        if self.state is EntryState.WAITING_SAFE and self.presence.blocker() is Blocker.NONE:
            self._grant()
        elif self._deadline is not None and self.clock.monotonic() >= self._deadline:
            if self.state is EntryState.PIN:
                self.audit.record(self.who, "entry", "timed_out", method=self._method())
            self.reset()

    # ------------------------------------------------------------------ steps

    def _method(self) -> str:
        return self.method.value if self.method else ""

    def _refuse(self, blocker: Blocker) -> None:
        self.audit.record(self.who, "entry", "refused", method=self._method(), reason=blocker.value)

    def _grant(self) -> None:
        self.audit.record(self.who, "entry", "granted", method=self._method())
        self._go(EntryState.GRANTED)

    def _ask_pin(self, method: EntryMethod, who: str, *, own_card: bool) -> None:
        self.method, self.who = method, who
        blocker = self.presence.blocker(own_card=own_card)
        if blocker is not Blocker.NONE:
            self._refuse(blocker)
            self.method, self.who = None, ""
            return
        self.locked_until = self.audit.locked_until()
        if self.locked_until is not None:
            self.audit.record(who, "entry", "refused", method=method.value, reason="locked_out")
            self.message_id = "tech_locked_out"
            self._go(EntryState.NOTICE, NOTICE_S)
            return
        if self.settings.pin_hash is None:
            self.audit.record(who, "entry", "refused", method=method.value, reason="no_pin_hash")
            self.message_id = "tech_pin_not_configured"
            self._go(EntryState.NOTICE, NOTICE_S)
            return
        self.tries_left = self.settings.max_failures - self.audit.failures()
        self.message_id = ""
        self._go(EntryState.PIN, self.settings.pin_timeout_s)

    def _pin_key(self, key: Key) -> None:
        self._deadline = self.clock.monotonic() + self.settings.pin_timeout_s
        if key.is_digit and len(self._pin) < self.settings.pin_length:
            self._pin.append(key.value)
        elif key is Key.CLEAR and self._pin:
            self._pin.pop()
        elif key is Key.CANCEL:
            self.audit.record(self.who, "entry", "cancelled", method=self._method())
            self.reset()
        elif key is Key.ENTER and len(self._pin) >= MIN_PIN:
            self._check_pin()

    def _check_pin(self) -> None:
        pin_hash = self.settings.pin_hash
        ok = pin_hash is not None and pin_hash.matches("".join(self._pin))
        self._pin.clear()
        until = self.audit.pin_checked(
            self.who,
            self._method(),
            ok,
            max_failures=self.settings.max_failures,
            lockout_s=self.settings.lockout_s,
        )
        if ok:
            self._grant()
        elif until is not None:
            self.locked_until = until
            self.message_id = "tech_locked_out"
            self._go(EntryState.NOTICE, NOTICE_S)
        else:
            self.tries_left = self.settings.max_failures - self.audit.failures()
            self.message_id = "tech_pin_wrong"
            self._go(EntryState.PIN, self.settings.pin_timeout_s)
