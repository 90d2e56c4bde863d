"""One page of the ScreenView: the widget tree of one screen, built once, then updated in place.

`page_shape` says which models a page can show: the same screen id with the same structure
(body lines, amount lines, choice keys, an input field, the optional buttons). Within a shape
`Page.apply` changes only what differs: label and button texts, the typed value, amounts, choice
labels and their enabled state, the countdown, the message and its tone, the busy bar, the Cancel
and Enter buttons shown or not. The countdown, message and busy bar are made when first needed
and hidden (not destroyed) when absent: a hidden widget takes no room and no spacing in its
layout, so the page looks exactly as if it had been built without it.

Styles stay compiled: the style sheet is set once on the ScreenView; an in-place change restyles
nothing, except the message's three widgets when its tone changes (their rules select on it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.events import Key
from kiosk.journeys.screen_model import Choice, InputField, ScreenModel
from screens.qr_view import QrView
from screens.theme import Theme

# Icon beside every message so the tone never depends on colour alone.
TONE_ICONS: dict[str, str] = {"info": "ℹ", "success": "✔", "warning": "⚠", "error": "✖"}
CLOCK = "◷"
MAX_CHOICES = 6


def page_shape(m: ScreenModel, keypad_beside: bool) -> Hashable:
    """Two models with the same shape are drawn by the same widgets (only texts etc. differ)."""
    field = None if m.input is None else (bool(m.input.hint), keypad_beside)
    return (
        m.screen_id,
        len(m.body),
        tuple(line.emphasis for line in m.amounts),  # the emphasis property selects style rules
        m.qr,
        field,
        tuple(c.key for c in m.choices[:MAX_CHOICES]),
        bool(m.language_label),
        bool(m.theme_label),
    )


def _label(text: str, name: str = "", role: str = "", wrap: bool = True) -> QLabel:
    """A label that wraps instead of eliding, so no customer-facing text is ever cut off."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # model text is never markup
    label.setWordWrap(wrap)
    if name:
        label.setObjectName(name)
    if role:
        label.setProperty("role", role)
    return label


def _set_text(widget: QLabel | QAbstractButton, text: str) -> None:
    if widget.text() == text:
        return
    if not text and isinstance(widget, QLabel):
        widget.clear()  # setText("") keeps a size hint from the old text: 1 px taller than new
    else:
        widget.setText(text)


def _set_name(widget: QWidget, name: str) -> None:
    if widget.accessibleName() != name:
        widget.setAccessibleName(name)


def _set_shown(widget: QWidget, shown: bool) -> None:
    """Shown or hidden explicitly (a fresh child is neither until its parent shows)."""
    explicit = widget.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
    if not explicit or widget.isHidden() == shown:
        widget.setVisible(shown)


def _repolish(*widgets: QWidget) -> None:
    """Re-apply the (already compiled) style rules to a few widgets whose property changed."""
    for widget in widgets:
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)
        widget.update()


class ChoiceButton(QPushButton):
    """A tall choice button with its number key in a disc beside the label (as voice speaks it)."""

    def __init__(self, choice: Choice, theme: Theme) -> None:
        super().__init__()
        self.setObjectName(f"choice_{choice.key}")
        self.setProperty("role", "choice")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 12, 24, 12)
        row.setSpacing(24)
        self.badge = _label(choice.key, role="badge", wrap=False)
        self.badge.setFixedSize(theme.badge_px, theme.badge_px)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = _label(choice.label, role="choiceText")
        for child in (self.badge, self.text_label):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row.addWidget(self.badge)
        row.addWidget(self.text_label, 1)
        self.apply(choice)

    def apply(self, choice: Choice) -> None:
        _set_name(self, f"{choice.key} {choice.label}")
        _set_text(self.text_label, choice.label)
        if self.isEnabled() != choice.enabled:
            self.setEnabled(choice.enabled)


class Page(QWidget):
    """The widgets of one screen shape; `apply` shows another model of the same shape."""

    def __init__(
        self, m: ScreenModel, theme: Theme, on_key: Callable[[Key], None], keypad_beside: bool
    ) -> None:
        super().__init__()
        self.setObjectName("page")
        self.shape = page_shape(m, keypad_beside)
        self._theme = theme
        self._on_key = on_key
        self._message: tuple[QFrame, QLabel, QLabel] | None = None
        self._busy: QProgressBar | None = None
        self._countdown: tuple[QLabel, QLabel] | None = None
        self._tone = ""
        self._built = False  # until then nothing is styled yet, so nothing to restyle
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self._header(m))
        content = QWidget()
        content.setObjectName("content")
        self._body = QVBoxLayout(content)
        self._body.setContentsMargins(48, 32, 48, 24)
        self._body.setSpacing(theme.spacing)
        self._body.addLayout(self._main(m, keypad_beside), 1)
        # At 200 % text a screen can be taller than the panel: it scrolls, it never clips.
        scroll = QScrollArea()
        scroll.setObjectName("contentScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self._scroll = scroll
        col.addWidget(scroll, 1)
        col.addWidget(self._bottom_bar(m))
        self.apply(m)
        self._built = True

    # ---- in place -------------------------------------------------------------------------

    def rewind(self) -> None:
        """Back to the top, as a fresh page would be (200 % text can scroll)."""
        bar = self._scroll.verticalScrollBar()
        if bar.value() != bar.minimum():
            bar.setValue(bar.minimum())

    def apply(self, m: ScreenModel) -> None:
        """Show `m` (of this page's shape), touching only the widgets whose content changed."""
        _set_text(self._title, m.title)
        self._apply_countdown(m)
        self._apply_message(m)
        if m.busy or self._busy is not None:
            _set_shown(self._busy_bar(), m.busy)
        for label, line in zip(self._lines, m.body, strict=True):
            _set_text(label, line)
        for (label, value), line in zip(self._amount_cells, m.amounts, strict=True):
            _set_text(label, line.label)
            _set_text(value, line.amount)
        if m.input is not None:
            self._apply_input(m, m.input)
        for button, choice in zip(self._choice_buttons, m.choices, strict=False):
            button.apply(choice)
        self._apply_bottom_bar(m)

    def _apply_countdown(self, m: ScreenModel) -> None:
        if m.countdown is None and self._countdown is None:
            return
        icon, label = self._countdown or self._make_countdown()
        text = (m.countdown_text or str(m.countdown)) if m.countdown is not None else ""
        _set_text(label, text)
        _set_name(label, text)
        _set_shown(icon, m.countdown is not None)
        _set_shown(label, m.countdown is not None)

    def _apply_message(self, m: ScreenModel) -> None:
        if not m.message and self._message is None:
            return
        frame, icon, text = self._message or self._make_message()
        tone = m.tone.value
        _set_text(text, m.message)
        if tone != self._tone:
            self._tone = tone
            frame.setProperty("tone", tone)
            _set_text(icon, TONE_ICONS[tone])
            _set_name(icon, tone)
            if self._built:
                _repolish(frame, icon, text)
        _set_shown(frame, bool(m.message))

    def _apply_input(self, m: ScreenModel, field: InputField) -> None:
        _set_text(self._input_label, field.label)
        _set_text(self._input_value, field.value)
        _set_name(self._input_value, field.label)
        if self._input_hint is not None:
            _set_text(self._input_hint, field.hint)
        _set_name(self._keypad_clear, m.clear_label or "Clear")
        _set_name(self._keypad_enter, m.enter_label or "Enter")

    def _apply_bottom_bar(self, m: ScreenModel) -> None:
        for button, text in ((self._cancel, m.cancel_label), (self._enter, m.enter_label)):
            _set_text(button, text or "-")
            _set_name(button, text or "-")
            _set_shown(button, bool(text))
        for button, text in (
            (self._language, m.language_label),
            (self._theme_button, m.theme_label),
            (self._clear, m.clear_label or "←"),
        ):
            if button is not None:
                _set_text(button, text)
                _set_name(button, text)

    # ---- building blocks (once per shape) -------------------------------------------------

    def _button(self, text: str, key: Key, name: str = "", role: str = "") -> QPushButton:
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        if role:
            button.setProperty("role", role)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAccessibleName(text)
        on_key = self._on_key
        button.clicked.connect(lambda _checked=False, k=key: on_key(k))
        return button

    def _header(self, m: ScreenModel) -> QFrame:
        header = QFrame()
        header.setObjectName("header")
        self._header_row = QHBoxLayout(header)
        self._header_row.setContentsMargins(48, 24, 48, 24)
        self._title = _label(m.title, "title")
        self._header_row.addWidget(self._title, 1)
        return header

    def _make_countdown(self) -> tuple[QLabel, QLabel]:
        icon = _label(CLOCK, "countdownIcon")
        label = _label("", "countdown")
        label.setWordWrap(False)
        for widget in (icon, label):
            self._header_row.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)
        self._countdown = (icon, label)
        return self._countdown

    def _make_message(self) -> tuple[QFrame, QLabel, QLabel]:
        frame = QFrame()
        frame.setObjectName("message")
        row = QHBoxLayout(frame)
        row.setContentsMargins(20, 16, 24, 16)
        row.setSpacing(20)
        icon = _label("", "messageIcon", wrap=False)
        side = self._theme.badge_px * 3 // 4
        icon.setMinimumSize(side, side)  # grows with its glyph at large text sizes
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = _label("", "messageText")
        row.addWidget(text, 1)
        self._body.insertWidget(0, frame)  # first in the content, above the busy bar
        self._message = (frame, icon, text)
        return self._message

    def _busy_bar(self) -> QProgressBar:
        if self._busy is None:
            bar = QProgressBar()
            bar.setObjectName("busy")
            bar.setRange(0, 0)  # indeterminate: we only know that something is happening
            bar.setTextVisible(False)
            self._body.insertWidget(0 if self._message is None else 1, bar)
            self._busy = bar
        return self._busy

    def _main(self, m: ScreenModel, keypad_beside: bool) -> QHBoxLayout:
        main = QHBoxLayout()
        main.setSpacing(48)
        left = QVBoxLayout()
        left.setSpacing(self._theme.spacing)
        self._lines = [_label(line, "body", "body") for line in m.body]
        for label in self._lines:
            left.addWidget(label)
        self._amount_cells: list[tuple[QLabel, QLabel]] = []
        if m.amounts:
            left.addWidget(self._amounts(m))
        if m.qr:  # the receipt on screen when the printer could not print it
            left.addWidget(QrView(m.qr, side=max(240, self._theme.body_px * 8)))
        self._input_hint: QLabel | None = None
        if m.input is not None:
            left.addLayout(self._input(m.input))
        self._choice_buttons: list[ChoiceButton] = []
        if m.choices:
            left.addLayout(self._choices(m))
        left.addStretch(1)
        main.addLayout(left, 1)
        if m.input is not None:
            keypad = self._keypad()
            if keypad_beside:
                main.addWidget(keypad, 0, Qt.AlignmentFlag.AlignTop)
            else:  # very large text: the number gets the whole width, the keypad goes below
                left.insertWidget(left.count() - 1, keypad, 0, Qt.AlignmentFlag.AlignLeft)
        return main

    def _amounts(self, m: ScreenModel) -> QFrame:
        card = QFrame()
        card.setObjectName("amounts")
        grid = QGridLayout(card)
        grid.setContentsMargins(32, 20, 32, 20)
        grid.setHorizontalSpacing(32)
        grid.setVerticalSpacing(12)
        grid.setColumnStretch(0, 1)
        for row, line in enumerate(m.amounts):
            label = _label(line.label, "amountLabel", "amountLabel")
            value = _label(line.amount, "amountValue", "amountValue", wrap=False)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for w in (label, value):
                w.setProperty("emphasis", "true" if line.emphasis else "false")
            grid.addWidget(label, row, 0)
            grid.addWidget(value, row, 1)
            self._amount_cells.append((label, value))
        return card

    def _input(self, field: InputField) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(10)
        self._input_label = _label(field.label, "inputLabel")
        box.addWidget(self._input_label)
        self._input_value = _label(field.value, "inputValue", wrap=False)
        self._input_value.setMinimumHeight(self._theme.input_px + 48)
        self._input_value.setMinimumWidth(480)
        box.addWidget(self._input_value)
        if field.hint:
            self._input_hint = _label(field.hint, "inputHint")
            box.addWidget(self._input_hint)
        return box

    def _choices(self, m: ScreenModel) -> QGridLayout:
        """Two columns filled top-down (1-3 left, 4-6 right), like the side keys of an ATM."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        grid.setVerticalSpacing(self._theme.spacing)
        shown = m.choices[:MAX_CHOICES]
        rows = len(shown) if len(shown) == 1 else (len(shown) + 1) // 2
        on_key = self._on_key
        for i, choice in enumerate(shown):
            button = ChoiceButton(choice, self._theme)
            key = Key(choice.key)
            button.clicked.connect(lambda _checked=False, k=key: on_key(k))
            grid.addWidget(button, i % rows, i // rows)
            self._choice_buttons.append(button)
        return grid

    def _keypad(self) -> QFrame:
        """An on-screen PIN-pad layout (1-2-3 on top) so touch users can type as on a keypad."""
        pad = QFrame()
        pad.setObjectName("keypad")
        grid = QGridLayout(pad)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(14)
        for n in range(1, 10):
            button = self._button(str(n), Key.digit(n), f"keypad_{n}", "keypad")
            grid.addWidget(button, (n - 1) // 3, (n - 1) % 3)
        bottom = [
            self._button("←", Key.CLEAR, "keypad_clear", "keypadClear"),
            self._button("0", Key.D0, "keypad_0", "keypad"),
            self._button("↵", Key.ENTER, "keypad_enter"),
        ]
        # Symbols fit the square keys at any text size; the words are in the bottom bar and
        # in the accessible names (what a screen reader or the voice mode says).
        self._keypad_clear, self._keypad_enter = bottom[0], bottom[2]
        self._keypad_enter.setProperty("role", "keypadEnter")
        for col, button in enumerate(bottom):
            grid.addWidget(button, 3, col)
        return pad

    def _bottom_bar(self, m: ScreenModel) -> QFrame:
        """Cancel bottom-left and Enter bottom-right on every screen, so hands learn the spots."""
        bar = QFrame()
        bar.setObjectName("bottomBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(32, 16, 32, 16)
        row.setSpacing(24)
        min_width = 280
        self._cancel = self._button(m.cancel_label or "-", Key.CANCEL, "cancel")
        self._enter = self._button(m.enter_label or "-", Key.ENTER, "enter")
        for button in (self._cancel, self._enter):
            button.setMinimumWidth(min_width)
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # keep the corners fixed when one is absent
            button.setSizePolicy(policy)
        row.addWidget(self._cancel)
        self._language: QPushButton | None = None
        if m.language_label:
            self._language = self._button(m.language_label, Key.LANGUAGE, "language")
            self._language.setMinimumWidth(min_width)
            row.addWidget(self._language)
        self._theme_button: QPushButton | None = None
        if m.theme_label:  # the same switch as Key.THEME, by touch, on every screen
            self._theme_button = self._button(m.theme_label, Key.THEME, "theme", "theme")
            row.addWidget(self._theme_button)
        row.addStretch(1)
        self._clear: QPushButton | None = None
        if m.input is not None:
            self._clear = self._button(m.clear_label or "←", Key.CLEAR, "clear")
            self._clear.setMinimumWidth(220)
            row.addWidget(self._clear)
        row.addWidget(self._enter)
        return bar
