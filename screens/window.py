"""The kiosk's main window: shows the controller's screen and feeds it keys, nothing more.

The journey runs headless behind `KioskController` and is pumped on the Qt thread only, so
device threads never touch widgets: they publish to the event bus, and the bus's waker (run on
the publishing thread) queues a pump on the GUI thread at once. A slow timer pumps as well, for
what no event announces: timeouts and the countdown (shown at most TICK_INTERVAL_MS late).
A controller without `set_waker` is polled every PUMP_INTERVAL_MS, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QMetaObject, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from kiosk.events import Key
from screens import refguard
from screens.controller import KioskController
from screens.keymap import key_for
from screens.screen_view import ScreenView
from screens.theme import Theme, large_text

PUMP_INTERVAL_MS = 50  # polling, for a controller that cannot wake the window
TICK_INTERVAL_MS = 250  # with a waker: timeouts and countdowns only (4 looks per second)
KEEP_PAGES = 32  # screens kept built (hidden) for their return; the demo session has ~20


class PumpWaker(QObject):
    """`wake()` may be called from any thread; `pump` then runs queued on the GUI thread.

    QMetaObject.invokeMethod, not a Signal: with PySide6 6.12 on Python 3.11 every
    `Signal.emit()` from Python drops a reference to True (docs/benchmarks.md), so a waker that
    emits would bring the interpreter down after about a thousand events."""

    def __init__(self, parent: QObject, pump: Callable[[], None]) -> None:
        super().__init__(parent)
        self._pump = pump

    def wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # the window is gone, a device still publishes
            QMetaObject.invokeMethod(self, "woken", Qt.ConnectionType.QueuedConnection)

    @Slot()
    def woken(self) -> None:
        self._pump()


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
        self.view = ScreenView(self._press, theme, keep_pages=KEEP_PAGES)
        # Privacy: while a voice customer uses headphones nothing is shown; keys still work.
        self.blank = QWidget()
        self.blank.setObjectName("privacyBlank")
        self.blank.setStyleSheet("background: #000000;")
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.blank)
        self.setCentralWidget(self._stack)
        self.resize(*size)
        self.view.show_screen(controller.current_screen())
        self.waker = PumpWaker(self, self._pump)
        self._set_waker = getattr(controller, "set_waker", None)
        if self._set_waker is not None:
            self._set_waker(self.waker.wake)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_INTERVAL_MS if self._set_waker else PUMP_INTERVAL_MS)
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
        refguard.top_up()  # PySide6 6.12 on Python 3.11 drops references to None (refguard.py)
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
        self.view = ScreenView(self._press, theme, keep_pages=KEEP_PAGES)
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
        if self._set_waker is not None:
            self._set_waker(None)
        super().closeEvent(event)
