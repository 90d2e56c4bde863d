"""Entry point for the windowed kiosk: build the app, the window and (in demo) the device panel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from screens.controller import KioskController
from screens.demo_panel import DemoPanel
from screens.speech_qt import install_qt_speech
from screens.theme import Theme
from screens.window import KioskWindow


def run_window(
    controller: KioskController,
    *,
    theme: Theme,
    size: tuple[int, int] = (1280, 1024),
    fullscreen: bool = False,
    demo_actions: list[tuple[str, Callable[[], None]]] | None = None,
) -> int:
    """Run the Qt event loop until the window closes; returns the exit code for sys.exit()."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    font = QFont()
    font.setFamilies(list(theme.font_families))  # CJK-capable first, even in dialogs
    app.setFont(font)
    if controller.voice is not None:  # Qt TextToSpeech when configured, or when nothing speaks
        install_qt_speech(controller.voice.speech, controller.voice.config.engine)
    window = KioskWindow(controller, theme, size=size, fullscreen=fullscreen)
    panel: DemoPanel | None = None
    if demo_actions:
        panel = DemoPanel(demo_actions)
        panel.move(window.x() + size[0] + 16, window.y())
        panel.show()
    window.present()
    app.lastWindowClosed.connect(app.quit)
    code = app.exec()
    if panel is not None:
        panel.close()
    return int(code)
