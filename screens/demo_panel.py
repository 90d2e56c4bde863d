"""A small side window for demo mode: one button per emulator action the lead supplies.

It stands in for the physical world (notes, coins, cards) so a presenter can drive the demo by
clicking; it never talks to the journey directly, only through the actions it was given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

log = logging.getLogger(__name__)


class DemoPanel(QWidget):
    """Buttons built from (label, action) pairs; a failing action is logged and shown, not fatal.

    An action that returns a string (a toggle such as the operator switch) has it shown beside its
    label, so the presenter sees the position it is now in."""

    def __init__(
        self, actions: list[tuple[str, Callable[[], object]]], *, title: str = "Demo devices"
    ) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self.setObjectName("demoPanel")
        self.setWindowFlag(Qt.WindowType.WindowDoesNotAcceptFocus)  # keys stay on the kiosk
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.buttons: list[QPushButton] = []
        for label, action in actions:
            button = QPushButton(label)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumHeight(44)
            button.clicked.connect(lambda _checked=False, a=action, n=label: self._run(n, a))
            layout.addWidget(button)
            self.buttons.append(button)
        self.status = QLabel("")
        self.status.setObjectName("demoStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _run(self, label: str, action: Callable[[], object]) -> None:
        try:
            result = action()
        except Exception as exc:  # an emulator hiccup must not kill the demo window
            log.exception("demo action %r failed", label)
            self.status.setText(f"{label}: {exc}")
        else:
            shown = f"{label}: {result}" if isinstance(result, str) else label
            self.status.setText(f"✔ {shown}")
