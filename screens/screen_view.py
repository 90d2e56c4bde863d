"""ScreenView draws one ScreenModel; it is rebuilt from the model alone on every show_screen.

No journey state lives here, so what a customer sees is exactly what the voice renderer speaks
and what tests assert on. Every button only reports a Key through `on_key`; the journey decides.
Buttons never take keyboard focus, so physical keys always reach the window's keymap.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QMouseEvent
from PySide6.QtWidgets import (
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
from screens.theme import Theme, stylesheet

# Icon beside every message so the tone never depends on colour alone.
TONE_ICONS: dict[str, str] = {"info": "ℹ", "success": "✔", "warning": "⚠", "error": "✖"}
CLOCK = "◷"


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


class ChoiceButton(QPushButton):
    """A tall choice button with its number key in a disc beside the label (as voice speaks it)."""

    def __init__(self, choice: Choice, theme: Theme) -> None:
        super().__init__()
        self.setObjectName(f"choice_{choice.key}")
        self.setProperty("role", "choice")
        self.setAccessibleName(f"{choice.key} {choice.label}")
        self.setEnabled(choice.enabled)
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


class ScreenView(QWidget):
    """Renders a ScreenModel and turns touches into Key presses via `on_key`."""

    def __init__(self, on_key: Callable[[Key], None], theme: Theme) -> None:
        super().__init__()
        self._on_key = on_key
        self._theme = theme
        self.setObjectName("screenView")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        font = QFont()
        font.setFamilies(list(theme.font_families))
        font.setPixelSize(theme.body_px)
        self.setFont(font)
        self.setStyleSheet(stylesheet(theme))
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._page: QWidget | None = None
        self._tap_key: Key | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A touch that no button took: on the attract screen it starts, like any key."""
        if self._tap_key is not None:
            event.accept()
            self._on_key(self._tap_key)
        else:
            super().mousePressEvent(event)

    @property
    def theme(self) -> Theme:
        return self._theme

    def show_screen(self, model: ScreenModel) -> None:
        """Throw away the previous page and build a new one from `model` only."""
        if self._page is not None:
            self._page.hide()
            self._page.setParent(None)  # gone from findChildren at once, not after deleteLater
            self._page.deleteLater()
        self._tap_key = Key(model.tap_key) if model.tap_key else None
        self._page = self._build_page(model)
        self._layout.addWidget(self._page)
        self._page.show()  # a child added to a visible parent is otherwise shown only later

    # ---- building blocks -------------------------------------------------------------------

    def _button(self, text: str, key: Key, name: str = "", role: str = "") -> QPushButton:
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        if role:
            button.setProperty("role", role)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAccessibleName(text)
        button.clicked.connect(lambda _checked=False, k=key: self._on_key(k))
        return button

    def _build_page(self, m: ScreenModel) -> QWidget:
        page = QWidget()
        page.setObjectName("page")
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self._header(m))
        content = QWidget()
        content.setObjectName("content")
        body = QVBoxLayout(content)
        body.setContentsMargins(48, 32, 48, 24)
        body.setSpacing(self._theme.spacing)
        if m.message:
            body.addWidget(self._message(m))
        if m.busy:
            bar = QProgressBar()
            bar.setObjectName("busy")
            bar.setRange(0, 0)  # indeterminate: we only know that something is happening
            bar.setTextVisible(False)
            body.addWidget(bar)
        main = QHBoxLayout()
        main.setSpacing(48)
        left = QVBoxLayout()
        left.setSpacing(self._theme.spacing)
        for line in m.body:
            left.addWidget(_label(line, "body", "body"))
        if m.amounts:
            left.addWidget(self._amounts(m))
        if m.qr:  # the receipt on screen when the printer could not print it
            left.addWidget(QrView(m.qr, side=max(240, self._theme.body_px * 8)))
        if m.input is not None:
            left.addLayout(self._input(m.input))
        if m.choices:
            left.addLayout(self._choices(m))
        left.addStretch(1)
        main.addLayout(left, 1)
        if m.input is not None:
            keypad = self._keypad(m)
            if self._keypad_fits_beside(m.input.value or "0" * 10):
                main.addWidget(keypad, 0, Qt.AlignmentFlag.AlignTop)
            else:  # very large text: the number gets the whole width, the keypad goes below
                left.insertWidget(left.count() - 1, keypad, 0, Qt.AlignmentFlag.AlignLeft)
        body.addLayout(main, 1)
        # At 200 % text a screen can be taller than the panel: it scrolls, it never clips.
        scroll = QScrollArea()
        scroll.setObjectName("contentScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        col.addWidget(scroll, 1)
        col.addWidget(self._bottom_bar(m))
        return page

    def _header(self, m: ScreenModel) -> QFrame:
        header = QFrame()
        header.setObjectName("header")
        row = QHBoxLayout(header)
        row.setContentsMargins(48, 24, 48, 24)
        row.addWidget(_label(m.title, "title"), 1)
        if m.countdown is not None:
            icon = _label(CLOCK, "countdownIcon")
            row.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
            countdown = _label(m.countdown_text or str(m.countdown), "countdown")
            countdown.setWordWrap(False)
            countdown.setAccessibleName(countdown.text())
            row.addWidget(countdown, 0, Qt.AlignmentFlag.AlignVCenter)
        return header

    def _message(self, m: ScreenModel) -> QFrame:
        frame = QFrame()
        frame.setObjectName("message")
        frame.setProperty("tone", m.tone.value)
        row = QHBoxLayout(frame)
        row.setContentsMargins(20, 16, 24, 16)
        row.setSpacing(20)
        icon = _label(TONE_ICONS[m.tone.value], "messageIcon", wrap=False)
        side = self._theme.badge_px * 3 // 4
        icon.setMinimumSize(side, side)  # grows with its glyph at large text sizes
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setAccessibleName(m.tone.value)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(_label(m.message, "messageText"), 1)
        return frame

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
        return card

    def _input(self, field: InputField) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(10)
        box.addWidget(_label(field.label, "inputLabel"))
        value = _label(field.value, "inputValue", wrap=False)
        value.setMinimumHeight(self._theme.input_px + 48)
        value.setMinimumWidth(480)
        value.setAccessibleName(field.label)
        box.addWidget(value)
        if field.hint:
            box.addWidget(_label(field.hint, "inputHint"))
        return box

    def _choices(self, m: ScreenModel) -> QGridLayout:
        """Two columns filled top-down (1-3 left, 4-6 right), like the side keys of an ATM."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        grid.setVerticalSpacing(self._theme.spacing)
        shown = m.choices[:6]
        rows = len(shown) if len(shown) == 1 else (len(shown) + 1) // 2
        for i, choice in enumerate(shown):
            button = ChoiceButton(choice, self._theme)
            key = Key(choice.key)
            button.clicked.connect(lambda _checked=False, k=key: self._on_key(k))
            grid.addWidget(button, i % rows, i // rows)
        return grid

    def _keypad_fits_beside(self, sample: str) -> bool:
        font = QFont(list(self._theme.font_families))
        font.setPixelSize(self._theme.input_px)
        needed = QFontMetricsF(font).horizontalAdvance(sample) + 12 * len(sample) + 96
        keypad = 3 * (self._theme.button_min_height * 4 // 3) + 2 * 14 + 48
        return needed + keypad <= max(self.width(), 640) - 96

    def _keypad(self, m: ScreenModel) -> QFrame:
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
        bottom[0].setAccessibleName(m.clear_label or "Clear")
        bottom[2].setAccessibleName(m.enter_label or "Enter")
        bottom[2].setProperty("role", "keypadEnter")
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
        cancel = self._button(m.cancel_label or "-", Key.CANCEL, "cancel")
        enter = self._button(m.enter_label or "-", Key.ENTER, "enter")
        for button, shown in ((cancel, bool(m.cancel_label)), (enter, bool(m.enter_label))):
            button.setMinimumWidth(min_width)
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # keep the corners fixed when one is absent
            button.setSizePolicy(policy)
            if not shown:
                button.hide()  # never setVisible(True) here: unparented, it would pop up
        row.addWidget(cancel)
        if m.language_label:
            language = self._button(m.language_label, Key.LANGUAGE, "language")
            language.setMinimumWidth(min_width)
            row.addWidget(language)
        if m.theme_label:  # the same switch as Key.THEME, by touch, on every screen
            row.addWidget(self._button(m.theme_label, Key.THEME, "theme", "theme"))
        row.addStretch(1)
        if m.input is not None:
            clear = self._button(m.clear_label or "←", Key.CLEAR, "clear")
            clear.setMinimumWidth(220)
            row.addWidget(clear)
        row.addWidget(enter)
        return bar
