"""Render a ScreenModel to a PNG without a display, for the headless demo and for reviews.

A screenshot is how we look at what a customer sees (ARCHITECTURE.md, local set-up facts).
One hidden ScreenView per (theme, size) is kept and reused, as the window reuses its view: the
style sheet is compiled once, the same screen is updated in place, the last KEEP_PAGES pages
are kept for their screen's return, and with no event loop running, the pages deleteLater()
scheduled are freed here (`flush_deleted`), so a long demo or a review of thousands of screens
holds a bounded, constant number of widgets.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from screens import refguard
from screens.screen_view import ScreenView, flush_deleted
from screens.theme import Theme

MAX_VIEWS = 4  # (theme, size) pairs kept; a demo uses one
KEEP_PAGES = 32  # per view, as the window keeps them: a screen that returns is not rebuilt
_views: dict[tuple[Theme, tuple[int, int]], ScreenView] = {}

# Offscreen Qt warns about window-manager hints it cannot honour on every window; that noise
# hides real warnings in the demo and test output.
_NOISE = ("propagateSizeHints",)


def _qt_messages(mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    if not any(noise in message for noise in _NOISE):
        print(message, file=sys.stderr)


def ensure_app() -> QApplication:
    """The running QApplication, creating one (offscreen when there is no display) if needed.

    The caller keeps the returned reference for as long as it renders.
    """
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if existing is not None:
        raise RuntimeError("a non-widget Qt application already exists; cannot render widgets")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qInstallMessageHandler(_qt_messages)
    return QApplication([])


def _ignore_key(_key: Key) -> None:
    """A screenshot is not interactive; touches have nowhere to go."""


def release_views() -> None:
    """Delete the kept views now (before the QApplication goes away; also run at exit)."""
    while _views:
        _, view = _views.popitem()
        view.close()
        view.deleteLater()
    if QApplication.instance() is not None:
        flush_deleted()


def _view(theme: Theme, size: tuple[int, int]) -> ScreenView:
    key = (theme, size)
    view = _views.get(key)
    if view is None:
        if not _views:
            atexit.register(release_views)  # runs before PySide6 tears the application down
        while len(_views) >= MAX_VIEWS:
            old = _views.pop(next(iter(_views)))
            old.close()
            old.deleteLater()
        view = ScreenView(_ignore_key, theme, keep_pages=KEEP_PAGES)
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # no flash on a real display
        view.resize(*size)
        view.show()
        _views[key] = view
    return view


def render_png(
    model: ScreenModel, path: Path, *, theme: Theme, size: tuple[int, int] = (1280, 1024)
) -> Path:
    """Draw `model` at `size` pixels with `theme` and save it as a PNG at `path`."""
    app = QApplication.instance()
    if app is None:
        raise RuntimeError("render_png needs a QApplication: call ensure_app() and keep it")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    refguard.top_up()  # PySide6 6.12 on Python 3.11 drops references to None (refguard.py)
    view = _view(theme, size)
    view.show_screen(model)
    app.processEvents()  # layout requests, deferred shows
    try:
        if not view.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
    finally:
        flush_deleted()  # the previous page, when this model was another screen
    return path
