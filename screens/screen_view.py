"""ScreenView draws one ScreenModel; what it shows depends on the model alone.

No journey state lives here, so what a customer sees is exactly what the voice renderer speaks
and what tests assert on. Every button only reports a Key through `on_key`; the journey decides.
Buttons never take keyboard focus, so physical keys always reach the window's keymap.

A model of the same screen (same id and structure, see screens/screen_page.py) updates the
current page in place: a digit typed changes one label, not the whole window. Another screen
builds a new page; the old one is deleted with deleteLater (the window's event loop frees it;
without one, the headless renderer calls `flush_deleted`). With `keep_pages` (the window) the
last pages are kept hidden instead and shown again, updated, when their screen comes back:
styled, laid out and with their paint caches warm.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QMouseEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from screens.screen_page import CLOCK, TONE_ICONS, ChoiceButton, Page, page_shape
from screens.theme import Theme, stylesheet

__all__ = ["CLOCK", "TONE_ICONS", "ChoiceButton", "ScreenView", "flush_deleted", "settle_layouts"]
LAYOUT_DEPTH = 6  # nested layouts between a label and the page (choice button, grid, scroll, ...)


def settle_layouts() -> None:
    """Lay out what an in-place change moved, now: a label that wraps onto one more line asks
    its parents for room one layout request at a time, and the paint must not come between."""
    for _ in range(LAYOUT_DEPTH):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def flush_deleted() -> None:
    """Free the widgets deleteLater() scheduled, where no event loop runs to do it (headless
    rendering). Inside a running loop it only frees what this loop level scheduled."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class ScreenView(QWidget):
    """Renders a ScreenModel and turns touches into Key presses via `on_key`."""

    def __init__(self, on_key: Callable[[Key], None], theme: Theme, *, keep_pages: int = 0) -> None:
        super().__init__()
        self._on_key = on_key
        self._theme = theme
        self.setObjectName("screenView")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        font = QFont()
        font.setFamilies(list(theme.font_families))
        font.setPixelSize(theme.body_px)
        self.setFont(font)
        self.setStyleSheet(stylesheet(theme))  # once: every page's widgets share the rules
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._page: Page | None = None
        self._keep = keep_pages
        self._kept: OrderedDict[Hashable, Page] = OrderedDict()  # hidden, oldest first
        self._tap_key: Key | None = None
        self.rebuilds = 0  # pages built (a new screen); in-place updates do not count
        self._input_font = QFont(list(theme.font_families))
        self._input_font.setPixelSize(theme.input_px)
        self._input_metrics = QFontMetricsF(self._input_font)

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

    @property
    def page(self) -> QWidget | None:
        """The widget tree of the screen shown now."""
        return self._page

    def show_screen(self, model: ScreenModel) -> None:
        """Show `model`: in place when it is the current screen's shape, else on a new page."""
        self._tap_key = Key(model.tap_key) if model.tap_key else None
        beside = model.input is not None and self._keypad_fits_beside(model.input.value)
        page, shape = self._page, page_shape(model, beside)
        if page is not None and page.shape == shape:
            page.apply(model)
            settle_layouts()
            return
        kept = self._kept.pop(shape, None)
        if page is not None:
            page.hide()
            self._put_away(page)
        if kept is not None:  # its screen again: the same widgets, updated once shown
            self._page = kept
            kept.show()  # nothing is painted before the layouts are settled below
            kept.rewind()
            kept.apply(model)
            settle_layouts()
            return
        self._page = Page(model, self._theme, self._on_key, beside)
        self.rebuilds += 1
        self._layout.addWidget(self._page)
        self._page.show()  # a child added to a visible parent is otherwise shown only later

    def _put_away(self, page: Page) -> None:
        """Keep `page` hidden for its screen's return, or delete it (the oldest beyond keep)."""
        if self._keep > 0:
            self._kept[page.shape] = page
            if len(self._kept) <= self._keep:
                return
            _, page = self._kept.popitem(last=False)
        page.setParent(None)  # gone from findChildren at once, not after deleteLater
        page.deleteLater()

    def _keypad_fits_beside(self, value: str) -> bool:
        sample = value or "0" * 10
        needed = self._input_metrics.horizontalAdvance(sample) + 12 * len(sample) + 96
        keypad = 3 * (self._theme.button_min_height * 4 // 3) + 2 * 14 + 48
        return needed + keypad <= max(self.width(), 640) - 96
