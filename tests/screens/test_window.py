"""The window pumps a (fake) controller and routes physical keys and touches to press()."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.events import Key
from kiosk.journeys.screen_model import Choice, ScreenModel
from screens.controller import KioskController
from screens.demo_panel import DemoPanel
from screens.theme import standard
from screens.window import KioskWindow

WELCOME = ScreenModel(
    "main_menu", "en", "Welcome", choices=(Choice("1", "Pay a bill"),), cancel_label="Cancel"
)
NEXT = ScreenModel("insert_cash", "en", "Insert cash", cancel_label="Cancel")


class FakeController:
    """Records presses; pump() hands out queued screens one at a time."""

    def __init__(self) -> None:
        self.pressed: list[Key] = []
        self.queued: list[ScreenModel] = []
        self.pumps = 0
        self.blank = False
        self.large_text = False

    def press(self, key: Key) -> None:
        self.pressed.append(key)

    def pump(self) -> ScreenModel | None:
        self.pumps += 1
        return self.queued.pop(0) if self.queued else None

    def current_screen(self) -> ScreenModel:
        return WELCOME

    def blanked(self) -> bool:
        return self.blank


@pytest.fixture
def setup(qtbot) -> tuple[KioskWindow, FakeController]:
    controller = FakeController()
    checked: KioskController = controller  # the fake satisfies the Protocol
    window = KioskWindow(checked, standard(), size=(1280, 1024))
    qtbot.addWidget(window)
    window.present()
    qtbot.waitExposed(window)
    return window, controller


def title(window: KioskWindow) -> str:
    """The title on the page shown (the window keeps earlier pages hidden for their return)."""
    return window.view.page.findChild(QLabel, "title").text()


def test_shows_the_current_screen_first(setup) -> None:
    window, _ = setup
    assert title(window) == "Welcome"
    assert window.size().width() == 1280


def test_physical_keys_reach_the_controller(setup, qtbot) -> None:
    window, controller = setup
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_3)
    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.KeypadModifier)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    qtbot.keyClick(window, Qt.Key.Key_Backspace)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClick(window, Qt.Key.Key_A)  # means nothing: ignored
    assert controller.pressed == [
        Key.CANCEL,
        Key.D3,
        Key.D7,
        Key.ENTER,
        Key.ENTER,
        Key.CLEAR,
        Key.LANGUAGE,
    ]


def test_touches_reach_the_controller(setup, qtbot) -> None:
    window, controller = setup
    qtbot.mouseClick(window.view.findChild(QPushButton, "choice_1"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.view.findChild(QPushButton, "cancel"), Qt.MouseButton.LeftButton)
    assert controller.pressed == [Key.D1, Key.CANCEL]


def test_keys_still_work_after_a_touch(setup, qtbot) -> None:
    """Buttons never take focus, so the keypad keeps working after someone touches the screen."""
    window, controller = setup
    qtbot.mouseClick(window.view.findChild(QPushButton, "choice_1"), Qt.MouseButton.LeftButton)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert controller.pressed == [Key.D1, Key.CANCEL]


def test_pumped_model_rerenders_the_view(setup, qtbot) -> None:
    window, controller = setup
    controller.queued.append(NEXT)
    qtbot.waitUntil(lambda: title(window) == "Insert cash", timeout=2000)
    pumps = controller.pumps
    qtbot.wait(120)
    assert controller.pumps > pumps  # the 50 ms timer keeps pumping
    assert title(window) == "Insert cash"  # None from pump() keeps the screen


def test_demo_panel_runs_actions_and_survives_failures(qtbot) -> None:
    calls: list[int] = []

    def broken() -> None:
        raise RuntimeError("validator jammed")

    panel = DemoPanel([("Insert ¥100 note", lambda: calls.append(100)), ("Jam", broken)])
    qtbot.addWidget(panel)
    qtbot.mouseClick(panel.buttons[0], Qt.MouseButton.LeftButton)
    assert calls == [100]
    qtbot.mouseClick(panel.buttons[1], Qt.MouseButton.LeftButton)
    assert "validator jammed" in panel.status.text()


def test_privacy_blanks_the_screen_and_a_key_still_reaches_the_journey(setup, qtbot) -> None:
    window, controller = setup
    controller.blank = True
    qtbot.waitUntil(lambda: window._stack.currentWidget() is window.blank, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_5)
    assert controller.pressed[-1] is Key.D5
    controller.blank = False
    qtbot.waitUntil(lambda: window._stack.currentWidget() is window.view, timeout=2000)


def test_the_theme_key_switches_to_large_high_contrast_text(setup, qtbot) -> None:
    window, controller = setup
    normal = window.view.theme
    controller.large_text = True
    qtbot.waitUntil(lambda: window.view.theme is not normal, timeout=2000)
    assert window.view.theme.body_px > normal.body_px
    title = window.view.page.findChild(QLabel, "title")
    assert title is not None and title.text() == WELCOME.title
