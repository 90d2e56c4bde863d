"""The technician dashboard as drawn by the kiosk's own Qt view, with one device faulted.

Set KIOSK_SHOT_DIR to keep the PNG somewhere you can open it (default: the test's tmp dir).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from drivers.base import DeviceState
from kiosk.events import Key
from kiosk.technician.mode_router import Owner
from screens.screen_view import ScreenView
from screens.snapshot import ensure_app, render_png
from screens.theme import standard
from tests.kiosk.technician.tech_rig import PIN, make_tech, snapshot


def test_dashboard_screenshot_with_the_printer_faulted(tmp_path: Path) -> None:
    app = ensure_app()
    rig = make_tech(tmp_path)
    rig.health.current = snapshot(printer=DeviceState.HARDWARE_ERROR)
    rig.hidden_sequence()
    rig.press(*PIN, Key.ENTER, "1")
    assert rig.router.owner is Owner.MAINTENANCE
    model = rig.screen()
    assert model.screen_id == "tech_dashboard"

    out_dir = Path(os.environ.get("KIOSK_SHOT_DIR", tmp_path))
    png = render_png(model, out_dir / "technician_dashboard.png", theme=standard())
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 1024)

    view = ScreenView(lambda _key: None, standard())
    view.resize(1280, 1024)
    view.show_screen(model)
    app.processEvents()
    shown = [label.text() for label in view.findChildren(QLabel) if label.text()]
    assert "✖ Receipt printer: hardware error — cover open" in shown  # the fault, with its mark
    assert "1 device(s) faulted: Receipt printer" in shown  # the error banner
    assert any(
        text.startswith("    Last error: cover open (2026-11-23 16:15:00)") for text in shown
    )
    assert any(text.startswith("Queue: 2 pending, 0 dead") for text in shown)
    assert any("version 0.9.0" in text for text in shown)
    view.close()
