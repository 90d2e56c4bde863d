"""The audit's eyes: draws a screen model and measures what a customer would meet on the glass.

Touch targets (≥ 44 px every way, buttons ≥ 96 px tall; more in large text), text size (body
≥ 32 px), contrast measured on the rendered pixels of every text (≥ 4.5:1, 7:1 in large text)
and text cut off by its box. Findings use the audit's own type, so the headless core decides
nothing about Qt and Qt decides nothing about the rules.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QFontInfo, QImage
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.demo.audit.rules import Finding
from kiosk.journeys.screen_model import ScreenModel
from screens.screen_view import ScreenView, flush_deleted, settle_layouts
from screens.theme import Theme, contrast_ratio

SIZE = (1280, 1024)


@dataclass(frozen=True)
class Limits:
    target_px: int  # smallest side of a touch target
    button_height_px: int
    body_px: int  # smallest text
    contrast: float


STANDARD = Limits(target_px=44, button_height_px=96, body_px=28, contrast=4.5)
LARGE = Limits(target_px=56, button_height_px=104, body_px=36, contrast=7.0)


def _ignore(_key: object) -> None:
    """A probe is not interactive."""


class AuditProbe:
    """One hidden view per theme, reused screen after screen (as the window reuses its own)."""

    def __init__(self, theme: Theme, limits: Limits) -> None:
        if QApplication.instance() is None:
            raise RuntimeError("AuditProbe needs a QApplication")
        self.theme, self.limits = theme, limits
        self._view = ScreenView(_ignore, theme)
        self._view.resize(*SIZE)
        self._view.show()

    def close(self) -> None:
        self._view.close()
        self._view.deleteLater()
        flush_deleted()

    def measure(self, model: ScreenModel, png: Path | None = None) -> list[Finding]:
        view = self._view
        view.show_screen(model)
        QApplication.processEvents()
        settle_layouts()
        image = view.grab().toImage()
        if png is not None:
            png.parent.mkdir(parents=True, exist_ok=True)
            image.save(str(png), "PNG")
        findings = [*self._targets(model, view), *self._texts(model, view, image)]
        flush_deleted()
        return findings

    def _targets(self, model: ScreenModel, view: QWidget) -> list[Finding]:
        out = []
        for button in view.findChildren(QPushButton):
            if not button.isVisibleTo(view) or not button.text():
                continue
            w, h = button.width(), button.height()
            if min(w, h) < self.limits.target_px or h < self.limits.button_height_px:
                out.append(Finding("targets", model.screen_id, f"{button.text()!r} is {w}x{h} px"))
        return out

    def _texts(self, model: ScreenModel, view: QWidget, image: QImage) -> list[Finding]:
        out = []
        for label in view.findChildren(QLabel):
            text = label.text()
            if not label.isVisibleTo(view) or not text.strip() or label.pixmap().width() > 0:
                continue
            px = QFontInfo(label.font()).pixelSize()
            if px < self.limits.body_px:
                out.append(Finding("text_size", model.screen_id, f"{text!r} at {px} px"))
            if _clipped(label):
                out.append(Finding("clipped", model.screen_id, f"{text!r} does not fit its box"))
            ratio = _measured_contrast(label, view, image)
            if ratio is not None and ratio < self.limits.contrast:
                detail = f"{text!r} at {ratio:.1f}:1 (needs {self.limits.contrast}:1)"
                out.append(Finding("contrast", model.screen_id, detail))
        return out


def _clipped(label: QLabel) -> bool:
    hint = label.sizeHint()
    if label.wordWrap():
        return label.heightForWidth(label.width()) > label.height() + 1
    return hint.width() > label.width() + 1 or hint.height() > label.height() + 1


def _measured_contrast(label: QLabel, view: QWidget, image: QImage) -> float | None:
    """The contrast of the label's glyphs against its background on the rendered screen: the
    commonest colour is the background; of the next commonest, the glyph colour is the one
    farthest from it (anti-aliased edges sit in between and are ignored)."""
    origin = label.mapTo(view, label.rect().topLeft())
    ratio = image.devicePixelRatio() or 1.0
    x0, y0 = int(origin.x() * ratio), int(origin.y() * ratio)
    w, h = int(label.width() * ratio), int(label.height() * ratio)
    step = max(1, int((w * h / 6000) ** 0.5))
    counts: Counter[int] = Counter()
    for y in range(max(0, y0), min(image.height(), y0 + h), step):
        for x in range(max(0, x0), min(image.width(), x0 + w), step):
            counts[image.pixel(x, y) & 0xFFFFFF] += 1
    ranked = counts.most_common()
    if len(ranked) < 2:
        return None  # one colour only: no glyph drawn where the label is
    background = f"#{ranked[0][0]:06x}"
    inked = sum(n for _, n in ranked[1:])
    floor = max(2, inked * 0.02)  # a glyph colour covers a share of the ink, not one pixel
    glyphs = [f"#{c:06x}" for c, n in ranked[1:] if n >= floor]
    if not glyphs:
        return None
    return max(contrast_ratio(g, background) for g in glyphs)
