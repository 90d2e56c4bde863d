"""Large text for low-vision customers: 200 % text cuts nothing off, capitals are tall enough.

Every screen of the bill-payment journey is rendered at double the standard text size; each
label must get the full height its wrapped text needs and each button must fit its text.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea

from kiosk.events import Key
from kiosk.journeys.ports import BillsFetched
from kiosk.journeys.screen_model import ScreenModel
from offline_queue.events import TransactionAccepted
from screens.screen_view import ScreenView
from screens.theme import Theme, contrast_ratio, large_text, standard
from tests.kiosk.journey_fixtures import BILL, make_rig

SIZE = (1280, 1024)
# EN 301 549 §5.1.4: capital letter height at least 0.01222 × viewing distance (~0.7°).
VIEWING_DISTANCE_MM = 500.0
PIXEL_PITCH_MM = 0.294  # a 19" 1280x1024 kiosk panel


def double(theme: Theme) -> Theme:
    return replace(
        theme,
        body_px=theme.body_px * 2,
        title_px=theme.title_px * 2,
        small_px=theme.small_px * 2,
        amount_px=theme.amount_px * 2,
        input_px=theme.input_px * 2,
    )


def journey_screens(tmp_path: Path) -> list[ScreenModel]:
    rig = make_rig(tmp_path)
    j = rig.journey
    screens = [j.screen()]
    for step in (
        lambda: rig.press(Key.ENTER),
        lambda: rig.press("2"),
        lambda: rig.press("1"),
        lambda: rig.type_digits("1234567890"),
        lambda: rig.press(Key.ENTER),
        lambda: j.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,))),
        lambda: rig.press(Key.ENTER),
        lambda: rig.note(100),
        lambda: (rig.clock.advance(j.timeouts.insert_cash - 3), j.tick()),
        lambda: rig.note(50),
        lambda: rig.press(Key.ENTER),
        lambda: rig.finish_print(),
        lambda: j.handle(TransactionAccepted(j.session.txn_id, "CR1", False)),
    ):
        step()
        screens.append(j.screen())
    return screens


def test_nothing_is_cut_off_at_200_percent_text(qapp, tmp_path: Path) -> None:
    theme = double(standard())
    problems: list[str] = []
    for model in journey_screens(tmp_path):
        view = ScreenView(lambda key: None, theme)
        view.resize(*SIZE)
        view.show_screen(model)
        view.show()
        qapp.processEvents()
        for label in view.findChildren(QLabel):
            if not label.isVisible() or not label.text():
                continue
            if label.wordWrap():
                needed = label.heightForWidth(label.width())
                if label.height() + 1 < needed:
                    problems.append(f"{model.screen_id}: label {label.text()!r} clipped")
            elif label.width() + 1 < label.sizeHint().width():
                problems.append(f"{model.screen_id}: label {label.text()!r} too narrow")
        for button in view.findChildren(QPushButton):
            if button.isVisible() and button.text():
                advance = QFontMetricsF(button.font()).horizontalAdvance(button.text())
                if advance > button.contentsRect().width() + 1:
                    problems.append(f"{model.screen_id}: button {button.text()!r} cut off")
        scroll = view.findChild(QScrollArea, "contentScroll")
        assert scroll is not None and scroll.horizontalScrollBar().maximum() == 0
        view.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("theme", [standard(), large_text()], ids=["standard", "large_text"])
def test_capital_letters_are_tall_enough_for_the_viewing_distance(qapp, theme: Theme) -> None:
    font = QFont(list(theme.font_families))
    font.setPixelSize(theme.body_px)
    cap_mm = QFontMetricsF(font).capHeight() * PIXEL_PITCH_MM
    minimum = 0.01222 * VIEWING_DISTANCE_MM
    if theme.name == "large_text":
        assert cap_mm >= minimum, f"{cap_mm:.2f} mm < {minimum:.2f} mm"
    else:
        assert cap_mm >= minimum * 0.9, "the standard theme is close to the limit too"


def test_large_text_body_reaches_7_to_1_and_large_text_4_5_to_1() -> None:
    theme = large_text()
    for name, (fg, bg) in theme.text_pairs().items():
        assert contrast_ratio(fg, bg) >= 7.0, name
    for name, (fg, bg) in standard().text_pairs().items():
        assert contrast_ratio(fg, bg) >= 4.5, name
