"""The one screen model every renderer reads: Qt draws it, voice speaks it, tests assert on it.

Texts arrive already translated into the session language, so a renderer never needs the catalog.
A clear PIN can never be here: input fields carry a masked value when `secret` is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Tone(str, Enum):
    """How a message should look and sound; never colour alone."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Choice:
    key: str  # the keypad key that picks it ("1".."6"), shown beside it and spoken
    label: str
    enabled: bool = True
    lang: str = ""  # set when the label is in another language (a language choice)


@dataclass(frozen=True)
class InputField:
    label: str
    value: str  # what is shown: masked when secret
    max_length: int
    hint: str = ""
    secret: bool = False


@dataclass(frozen=True)
class AmountLine:
    label: str
    amount: str  # already formatted with currency, e.g. "¥125.50"
    emphasis: bool = False


@dataclass(frozen=True)
class ScreenModel:
    screen_id: str  # stable id of the journey state, e.g. "insert_cash"
    lang: str  # "zh_CN" or "en"
    title: str
    body: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    input: InputField | None = None
    amounts: tuple[AmountLine, ...] = ()
    message: str = ""
    tone: Tone = Tone.INFO
    busy: bool = False  # a wait is in progress; the renderer shows progress
    countdown: int | None = None  # seconds left before the inactivity timeout, when warning
    countdown_text: str = ""  # the same, as words in the screen's language ("还剩 12 秒")
    enter_label: str = ""  # label of the Enter action when it does something
    cancel_label: str = ""  # label of the Cancel action when it does something
    clear_label: str = ""  # label of the Clear action (shown with an input field)
    language_label: str = ""  # label of the language switch, when offered
    theme_label: str = ""  # label of the large-text switch, when offered
    tap_key: str = ""  # a touch anywhere on the screen presses this key (the attract screen)
    private: bool = False  # balances/accounts: on headphones only in voice mode
    qr: str = ""  # an on-screen receipt: the renderer draws this value as a QR code

    def visible_texts(self) -> tuple[str, ...]:
        """Every text a sighted customer can read on this screen, in reading order."""
        texts: list[str] = [self.title, *self.body]
        texts += [f"{c.key} {c.label}" for c in self.choices]
        if self.input is not None:
            texts += [self.input.label, self.input.value, self.input.hint]
        for line in self.amounts:
            texts += [line.label, line.amount]
        texts += [self.message, self.countdown_text]
        texts += [self.enter_label, self.cancel_label, self.clear_label, self.language_label]
        texts += [self.theme_label]
        return tuple(t for t in texts if t)


@dataclass(frozen=True)
class ScreenHistory:
    """Screens in the order they were shown; the headless demo and tests read it."""

    screens: tuple[ScreenModel, ...] = field(default_factory=tuple)
