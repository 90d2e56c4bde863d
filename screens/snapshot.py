"""Render a ScreenModel to a PNG without a display, for the headless demo and for reviews.

A screenshot is how we look at what a customer sees (ARCHITECTURE.md, local set-up facts).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from screens.screen_view import ScreenView
from screens.theme import Theme

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


def render_png(
    model: ScreenModel, path: Path, *, theme: Theme, size: tuple[int, int] = (1280, 1024)
) -> Path:
    """Draw `model` at `size` pixels with `theme` and save it as a PNG at `path`."""
    app = QApplication.instance()
    if app is None:
        raise RuntimeError("render_png needs a QApplication: call ensure_app() and keep it")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    view = ScreenView(_ignore_key, theme)
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # no flash on a real display
    view.resize(*size)
    view.show_screen(model)
    view.show()
    app.processEvents()
    try:
        if not view.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
    finally:
        view.close()
        view.deleteLater()
        app.processEvents()
    return path
