"""The kiosk's main window: shows the controller's screen and feeds it keys, nothing more.

The journey runs headless behind `KioskController`; a 50 ms timer pumps it from the Qt thread,
so device threads never touch widgets (they publish to the event bus; pump() drains it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from kiosk.events import Key
from screens.controller import KioskController
from screens.keymap import key_for
from screens.screen_view import ScreenView
from screens.theme import Theme, large_text

PUMP_INTERVAL_MS = 50


class KioskWindow(QMainWindow):
    """Hosts one ScreenView; physical keys and touches both end in controller.press()."""

    def __init__(
        self,
        controller: KioskController,
        theme: Theme,
        *,
        size: tuple[int, int] = (1280, 1024),
        fullscreen: bool = False,
    ) -> None:
        super().__init__()
        self._controller = controller
        self._fullscreen = fullscreen
        self._themes = (theme, large_text())  # normal, and what Key.THEME switches to
        self.setWindowTitle("Kiosk")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._stack = QStackedWidget()
        self.view = ScreenView(self._press, theme)
        # Privacy: while a voice customer uses headphones nothing is shown; keys still work.
        self.blank = QWidget()
        self.blank.setObjectName("privacyBlank")
        self.blank.setStyleSheet("background: #000000;")
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.blank)
        self.setCentralWidget(self._stack)
        self.resize(*size)
        self.view.show_screen(controller.current_screen())
        self._timer = QTimer(self)
        self._timer.setInterval(PUMP_INTERVAL_MS)
        self._timer.timeout.connect(self._pump)
        self._timer.start()

    def present(self) -> None:
        """Show the window: full screen on a real kiosk, a plain window while developing."""
        if self._fullscreen:
            self.showFullScreen()
        else:
            self.show()
        self.activateWindow()
        self.setFocus()

    def _press(self, key: Key) -> None:
        self._controller.press(key)

    def _pump(self) -> None:
        model = self._controller.pump()
        wanted = self._themes[1] if self._controller.large_text else self._themes[0]
        if wanted is not self.view.theme:
            self._replace_view(wanted)
            model = model or self._controller.current_screen()
        if model is not None:
            self.view.show_screen(model)
        self._stack.setCurrentWidget(self.blank if self._controller.blanked() else self.view)

    def _replace_view(self, theme: Theme) -> None:
        old = self.view
        self.view = ScreenView(self._press, theme)
        self._stack.insertWidget(0, self.view)
        self._stack.removeWidget(old)
        old.deleteLater()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Map a physical key to a keypad Key; held keys do not repeat (no double digits)."""
        key = key_for(event.key())
        if key is None or event.isAutoRepeat():
            super().keyPressEvent(event)
            return
        event.accept()
        self._press(key)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        super().closeEvent(event)
