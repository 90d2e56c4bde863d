"""The same screen is updated in place: the same widget objects, only their contents change, and
the result is drawn exactly as a page built afresh for that model. The headless render path
holds a constant number of widgets however many screens it renders."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QPushButton, QWidget

from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel, Tone
from screens.screen_view import ScreenView, flush_deleted
from screens.snapshot import ensure_app, render_png
from screens.theme import Theme, large_text, standard

ACCOUNT = ScreenModel(
    screen_id="enter_account",
    lang="en",
    title="Enter your account number",
    body=("The number is on your bill.",),
    input=InputField("Account number", "", 10, hint="10 digits"),
    enter_label="OK",
    cancel_label="Cancel",
    clear_label="Clear",
)
CASH = ScreenModel(
    screen_id="insert_cash",
    lang="en",
    title="Insert cash",
    body=("Insert banknotes one at a time.",),
    amounts=(AmountLine("Bill due", "¥125.50"), AmountLine("Still to pay", "¥125.50", True)),
    cancel_label="Cancel",
    language_label="中文",
)
MENU = ScreenModel(
    screen_id="menu",
    lang="zh_CN",
    title="请选择服务",
    choices=(Choice("1", "缴纳水电费"), Choice("2", "手机话费充值"), Choice("3", "查询余额")),
    cancel_label="退出",
    theme_label="大字",
)


def typed(value: str, **changes: object) -> ScreenModel:
    assert ACCOUNT.input is not None
    return replace(ACCOUNT, input=replace(ACCOUNT.input, value=value), **changes)


# A screen through the changes a customer sees on it: digits, a message and its tone, the
# countdown coming and going, amounts, a busy bar, buttons appearing, labels that wrap more.
SEQUENCES: list[list[ScreenModel]] = [
    [
        typed(""),
        typed("1"),
        typed("12"),
        typed("12", message="The number has 10 digits.", tone=Tone.ERROR),
        typed("123", countdown=9, countdown_text="9 seconds left"),
        typed(
            "1234", countdown=8, countdown_text="8 seconds left", message="Nearly", tone=Tone.INFO
        ),
        typed("1234567890"),
        typed("123456789", enter_label=""),
        typed(""),  # back to empty: as tall as a field that never had a digit
    ],
    [
        CASH,
        replace(CASH, amounts=(CASH.amounts[0], AmountLine("Still to pay", "¥25.50", True))),
        replace(CASH, busy=True, message="Counting your note", tone=Tone.WARNING),
        replace(CASH, enter_label="Pay now", message="Note accepted.", tone=Tone.SUCCESS),
        replace(CASH, title="Insert cash: a title long enough to wrap onto a second line here"),
        replace(CASH, body=("A body line that wraps over several lines of the screen. " * 5,)),
        CASH,
    ],
    [
        MENU,
        replace(
            MENU, choices=(MENU.choices[0], Choice("2", "话费", enabled=False), MENU.choices[2])
        ),
        replace(MENU, choices=(*MENU.choices[:2], Choice("3", "查询余额和打印对账单" * 3))),
        replace(MENU, countdown=5, countdown_text="还剩 5 秒"),
        MENU,
    ],
]


def shown_texts(view: ScreenView) -> set[str]:
    page = view.page
    assert page is not None
    widgets = page.findChildren(QLabel) + page.findChildren(QPushButton)
    texts = {w.text() for w in widgets if w.isVisibleTo(view) and w.text()}
    return texts | {w.accessibleName() for w in page.findChildren(QPushButton)}


def new_view(qtbot, theme: Theme) -> ScreenView:
    view = ScreenView(lambda _key: None, theme)
    qtbot.addWidget(view)
    view.resize(1280, 1024)
    view.show()
    return view


def image(view: ScreenView, qapp) -> QImage:
    qapp.processEvents()
    return view.grab().toImage()


def test_typing_keeps_the_same_widgets_and_shows_the_model(qtbot, qapp) -> None:
    view = new_view(qtbot, standard())
    view.show_screen(typed(""))
    page = view.page
    value = page.findChild(QLabel, "inputValue")
    enter = page.findChild(QPushButton, "enter")
    buttons = set(page.findChildren(QPushButton))
    for model in SEQUENCES[0]:
        view.show_screen(model)
        assert view.page is page and view.rebuilds == 1
        assert page.findChild(QLabel, "inputValue") is value
        assert page.findChild(QPushButton, "enter") is enter
        assert set(page.findChildren(QPushButton)) == buttons
        assert value.text() == model.input.value
        texts = shown_texts(view)
        assert all(text in texts for text in model.visible_texts()), model
    assert enter.isVisibleTo(view)


def test_countdown_and_message_come_and_go_in_place(qtbot) -> None:
    view = new_view(qtbot, standard())
    view.show_screen(typed("1"))
    page = view.page
    assert page.findChild(QLabel, "countdown") is None  # made when first needed
    view.show_screen(typed("1", countdown=9, countdown_text="9 seconds left"))
    countdown = page.findChild(QLabel, "countdown")
    assert countdown.isVisibleTo(view) and countdown.text() == "9 seconds left"
    view.show_screen(typed("1", countdown=8, countdown_text="8 seconds left"))
    assert page.findChild(QLabel, "countdown") is countdown and countdown.text() == "8 seconds left"
    view.show_screen(typed("1", message="Too short", tone=Tone.ERROR))
    assert not countdown.isVisibleTo(view) and countdown.text() == ""  # nothing stale kept
    message = page.findChild(QWidget, "message")
    assert message.isVisibleTo(view) and message.property("tone") == "error"
    view.show_screen(typed("1", message="Found", tone=Tone.SUCCESS))
    assert page.findChild(QWidget, "message") is message and message.property("tone") == "success"
    assert page.findChild(QLabel, "messageIcon").text() == "✔"
    view.show_screen(typed("12"))
    assert not message.isVisibleTo(view) and view.page is page and view.rebuilds == 1


def test_another_screen_builds_a_new_page_and_the_old_one_is_gone(qtbot) -> None:
    view = new_view(qtbot, standard())
    view.show_screen(typed("1"))
    first = view.page
    view.show_screen(MENU)
    assert view.page is not first and view.rebuilds == 2
    assert view.findChild(QLabel, "inputValue") is None
    assert view.findChild(QProgressBar, "busy") is None


@pytest.mark.parametrize("theme", [standard(), large_text()], ids=lambda t: t.name)
@pytest.mark.parametrize("sequence", range(len(SEQUENCES)))
def test_in_place_looks_exactly_like_a_fresh_page(qtbot, qapp, theme, sequence) -> None:
    in_place = new_view(qtbot, theme)
    for model in SEQUENCES[sequence]:
        in_place.show_screen(model)
        fresh = new_view(qtbot, theme)
        fresh.show_screen(model)
        if model.busy:  # the busy bar animates with time: compare without its frame
            for view in (in_place, fresh):
                view.page.findChild(QProgressBar, "busy").setRange(0, 1)
        assert image(in_place, qapp) == image(fresh, qapp), model
        if model.busy:
            in_place.page.findChild(QProgressBar, "busy").setRange(0, 0)
    assert in_place.rebuilds == 1


def test_headless_renders_hold_a_constant_number_of_widgets(qapp, tmp_path: Path) -> None:
    assert ensure_app() is qapp
    screens = [model for sequence in SEQUENCES for model in sequence]
    png = tmp_path / "shot.png"

    def session() -> None:
        for model in screens:
            render_png(model, png, theme=standard())

    session()
    before = len(QApplication.allWidgets())
    for _ in range(5):
        session()
    assert len(QApplication.allWidgets()) == before


def test_a_view_without_an_event_loop_frees_its_old_pages(qtbot) -> None:
    view = new_view(qtbot, standard())
    view.show_screen(MENU)
    flush_deleted()
    before = len(QApplication.allWidgets())
    for _ in range(10):
        for model in (ACCOUNT, CASH, MENU):
            view.show_screen(model)
            flush_deleted()
    assert len(QApplication.allWidgets()) == before


def test_a_kept_page_comes_back_updated_and_drawn_as_a_fresh_one(qtbot, qapp) -> None:
    view = ScreenView(lambda _key: None, standard(), keep_pages=2)
    qtbot.addWidget(view)
    view.resize(1280, 1024)
    view.show()
    view.show_screen(typed("12", message="Too short", tone=Tone.ERROR))
    account = view.page
    view.show_screen(MENU)
    assert not account.isVisible() and view.page is not account
    back = typed("98765", countdown=7, countdown_text="7 seconds left")
    view.show_screen(back)
    assert view.page is account and view.rebuilds == 2  # no third page built
    assert account.findChild(QLabel, "inputValue").text() == "98765"
    assert not account.findChild(QWidget, "message").isVisibleTo(view)  # nothing stale shown
    texts = shown_texts(view)
    assert all(text in texts for text in back.visible_texts())
    fresh = new_view(qtbot, standard())
    fresh.show_screen(back)
    assert image(view, qapp) == image(fresh, qapp)


def test_kept_pages_are_bounded(qtbot) -> None:
    view = ScreenView(lambda _key: None, standard(), keep_pages=2)
    qtbot.addWidget(view)
    view.resize(1280, 1024)
    view.show()
    screens = [replace(CASH, screen_id=f"screen_{n}") for n in range(6)]
    for model in screens * 3:
        view.show_screen(model)
        flush_deleted()
    pages = [child for child in view.children() if child.objectName() == "page"]
    assert len(pages) == 3  # the one shown and two kept
    assert view.rebuilds == 18  # six screens round robin through two kept: always evicted
    view.show_screen(screens[4])  # kept: shown again without a rebuild
    assert view.rebuilds == 18
