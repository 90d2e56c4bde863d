"""Keying a number: an account, a phone number, an amount, a reprint code.

Touch keypad and physical keys arrive as the same `Key`s, so both are equal by construction.
Every entry screen has the same controls (Enter = continue, Clear = delete the last digit,
Cancel), a hint saying what form the number takes, and a validation message that belongs to
this step: it is shown until the next key and never follows the customer to another screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from kiosk.events import Key, KeyPressed
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.screen_model import InputField, ScreenModel, Tone


class EntryKind(str, Enum):
    ACCOUNT = "account"
    PHONE = "phone"
    AMOUNT = "amount"
    CODE = "code"


@dataclass(frozen=True)
class EntrySpec:
    """What is keyed, and the texts that say so (catalog ids, read in the session language)."""

    kind: EntryKind
    screen_id: str
    title_id: str
    label_id: str
    hint_id: str
    invalid_id: str  # said when Enter is pressed on a value `valid` refuses
    max_length: int = 20
    valid: Callable[[str], bool] = field(default=lambda value: bool(value))
    title_values: Callable[[], dict[str, str]] = field(default=lambda: {})
    body_ids: tuple[str, ...] = ()
    enter_id: str = "continue"
    timeout: float | None = None  # None: timeouts.input


@dataclass(frozen=True)
class Entered:
    value: str


@dataclass(frozen=True)
class EntryCancelled:
    pass


@dataclass(frozen=True)
class EntryTimedOut:
    pass


class KeypadEntry(Part):
    def __init__(
        self,
        ctx: PartContext,
        spec: EntrySpec,
        on_done: Callable[[Outcome], None],
        *,
        value: str = "",
        message_id: str = "",
    ) -> None:
        """`message_id`: why the customer is asked again (the number was not found), shown
        until their first key."""
        super().__init__(ctx, on_done)
        self.spec = spec
        self.value = value
        self.message_id = message_id
        self.arm(spec.timeout if spec.timeout is not None else ctx.timeouts.input)

    def handle(self, event: object) -> bool:
        if not isinstance(event, KeyPressed) or self.finished:
            return False
        key = event.key
        self.rearm()
        self.message_id = ""  # a message lasts until the next key
        if key is Key.CANCEL:
            self.finish(EntryCancelled())
        elif key.is_digit and len(self.value) < self.spec.max_length:
            self.value += key.value
        elif key is Key.CLEAR:
            self.value = self.value[:-1]
        elif key is Key.ENTER:
            if self.spec.valid(self.value):
                self.finish(Entered(self.value))
            else:
                self.message_id = self.spec.invalid_id
        else:
            return False
        return True

    def on_timeout(self) -> None:
        self.finish(EntryTimedOut())

    def screen(self) -> ScreenModel:
        t, spec = self.ctx.text, self.spec
        model = ScreenModel(
            screen_id=spec.screen_id,
            lang=self.ctx.lang(),
            title=t(spec.title_id, **spec.title_values()),
            body=tuple(t(i) for i in spec.body_ids),
            input=InputField(
                label=t(spec.label_id),
                value=self.value,
                max_length=spec.max_length,
                hint=t(spec.hint_id),
            ),
            message=t(self.message_id) if self.message_id else "",
            tone=Tone.ERROR if self.message_id else Tone.INFO,
            enter_label=t(spec.enter_id),
            cancel_label=t("cancel"),
            clear_label=t("clear"),
        )
        return self.with_countdown(model)
