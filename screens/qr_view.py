"""An on-screen QR code: the customer's receipt when the printer cannot print one.

Drawn from the module matrix (qrcode computes it) as black squares on white with a quiet zone,
so any phone camera reads it from the screen.
"""

from __future__ import annotations

import qrcode
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


class QrView(QWidget):
    def __init__(self, data: str, *, side: int = 280) -> None:
        super().__init__()
        self.setObjectName("qrCode")
        self.data = data
        code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(data)
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.setFixedSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(data)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        modules = len(self.matrix) + 2 * QUIET_ZONE
        size = min(self.width(), self.height()) / modules
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#000000"))
        for row, cells in enumerate(self.matrix):
            for col, dark in enumerate(cells):
                if dark:
                    x = (col + QUIET_ZONE) * size
                    y = (row + QUIET_ZONE) * size
                    painter.drawRect(QRectF(x, y, size, size))
        painter.end()
