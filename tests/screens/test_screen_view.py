"""What a customer would notice on screen: texts present, keys emitted, nothing cut off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QImage
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QWidget

from kiosk.events import Key
from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel, Tone
from screens.screen_view import TONE_ICONS, ScreenView
from screens.snapshot import ensure_app, render_png
from screens.theme import Theme, contrast_ratio, large_text, standard

MENU_ZH = ScreenModel(
    screen_id="main_menu",
    lang="zh_CN",
    title="请选择服务",
    body=("请按数字键或触摸屏幕选择您需要的服务。",),
    choices=(
        Choice("1", "缴纳水电费"),
        Choice("2", "手机话费充值"),
        Choice("3", "查询余额", enabled=False),
    ),
    cancel_label="退卡",
    language_label="English",
    countdown=25,
    countdown_text="还剩 25 秒",
)
PAY_EN = ScreenModel(
    screen_id="insert_cash",
    lang="en",
    title="Insert cash",
    body=("Insert banknotes one at a time.",),
    amounts=(AmountLine("Bill due", "¥125.50"), AmountLine("Still to pay", "¥25.50", True)),
    message="Note rejected. It has been returned to you.",
    tone=Tone.ERROR,
    busy=True,
    enter_label="Pay now",
    cancel_label="Cancel",
    language_label="中文",
)
PIN_EN = ScreenModel(
    screen_id="enter_pin",
    lang="en",
    title="Enter your PIN",
    input=InputField("PIN", "●●●●", 6, hint="Cover the keypad", secret=True),
    enter_label="OK",
    cancel_label="Cancel",
    clear_label="Clear",
)

ViewFactory = Callable[..., tuple[ScreenView, list[Key]]]


@pytest.fixture
def make_view(qtbot) -> ViewFactory:
    def make(model: ScreenModel, theme: Theme | None = None, width: int = 1280):
        pressed: list[Key] = []
        view = ScreenView(pressed.append, theme or standard())
        qtbot.addWidget(view)
        view.resize(width, 1024)
        view.show_screen(model)
        view.show()
        qtbot.waitExposed(view)
        return view, pressed

    return make


def visible_texts(view: QWidget) -> list[str]:
    widgets = view.findChildren(QLabel) + view.findChildren(QPushButton)
    return [w.text() for w in widgets if w.isVisibleTo(view) and w.text()]


def button(view: QWidget, name: str) -> QPushButton:
    found = view.findChild(QPushButton, name)
    assert found is not None, f"no button {name}"
    return found


def click(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("model", [MENU_ZH, PAY_EN, PIN_EN])
def test_every_visible_text_of_the_model_is_on_screen(make_view, model) -> None:
    view, _ = make_view(model)
    shown = visible_texts(view)
    names = [b.accessibleName() for b in view.findChildren(QPushButton)]
    for text in model.visible_texts():
        assert text in shown or text in names, text


def test_title_body_and_amounts_right_aligned(make_view) -> None:
    view, _ = make_view(PAY_EN)
    assert view.findChild(QLabel, "title").text() == "Insert cash"
    assert "Insert banknotes one at a time." in visible_texts(view)
    labels = view.findChildren(QLabel, "amountLabel")
    values = view.findChildren(QLabel, "amountValue")
    assert [v.text() for v in values] == ["¥125.50", "¥25.50"]
    for label, value in zip(labels, values, strict=True):
        assert value.alignment() & Qt.AlignmentFlag.AlignRight
        assert value.mapTo(view, QPoint(0, 0)).x() > label.mapTo(view, QPoint(0, 0)).x()


def test_choice_button_shows_its_number_and_emits_its_key(make_view, qtbot) -> None:
    view, pressed = make_view(MENU_ZH)
    choice = button(view, "choice_2")
    assert [lbl.text() for lbl in choice.findChildren(QLabel)] == ["2", "手机话费充值"]
    assert choice.height() >= 96
    click(qtbot, choice)
    assert pressed == [Key.D2]


def test_disabled_choice_does_not_emit(make_view, qtbot) -> None:
    view, pressed = make_view(MENU_ZH)
    click(qtbot, button(view, "choice_3"))
    assert pressed == []


def test_cancel_bottom_left_enter_bottom_right(make_view, qtbot) -> None:
    view, pressed = make_view(PAY_EN)
    cancel, enter = button(view, "cancel"), button(view, "enter")
    assert cancel.text() == "Cancel" and enter.text() == "Pay now"
    c, e = cancel.mapTo(view, QPoint(0, 0)), enter.mapTo(view, QPoint(0, 0))
    assert c.x() < view.width() // 4 and c.y() > view.height() * 3 // 4
    assert e.x() + enter.width() > view.width() * 3 // 4 and e.y() > view.height() * 3 // 4
    click(qtbot, cancel)
    click(qtbot, enter)
    click(qtbot, button(view, "language"))
    assert pressed == [Key.CANCEL, Key.ENTER, Key.LANGUAGE]


def test_absent_actions_are_not_shown(make_view) -> None:
    view, _ = make_view(ScreenModel("attract", "en", "Welcome"))
    assert not button(view, "cancel").isVisibleTo(view)
    assert not button(view, "enter").isVisibleTo(view)
    assert view.findChild(QPushButton, "language") is None
    assert view.findChild(QPushButton, "clear") is None


def test_keypad_only_with_input_and_types_digits(make_view, qtbot) -> None:
    view, _ = make_view(MENU_ZH)
    assert view.findChild(QWidget, "keypad") is None
    view, pressed = make_view(PIN_EN)
    assert view.findChild(QWidget, "keypad").isVisibleTo(view)
    for name in ("keypad_1", "keypad_9", "keypad_0", "keypad_clear", "keypad_enter", "clear"):
        click(qtbot, button(view, name))
    assert pressed == [Key.D1, Key.D9, Key.D0, Key.CLEAR, Key.ENTER, Key.CLEAR]
    assert button(view, "keypad_5").height() >= 96


def test_secret_input_shows_only_the_masked_value(make_view) -> None:
    view, _ = make_view(PIN_EN)
    assert view.findChild(QLabel, "inputValue").text() == "●●●●"
    assert "PIN" in visible_texts(view) and "Cover the keypad" in visible_texts(view)
    assert not any(ch.isdigit() for t in visible_texts(view) if "●" in t for ch in t)


def test_message_has_an_icon_not_only_colour(make_view) -> None:
    view, _ = make_view(PAY_EN)
    assert view.findChild(QWidget, "message").property("tone") == "error"
    assert view.findChild(QLabel, "messageIcon").text() == TONE_ICONS["error"]
    assert view.findChild(QLabel, "messageText").text() == PAY_EN.message


def test_busy_shows_indeterminate_progress(make_view) -> None:
    view, _ = make_view(PAY_EN)
    bar = view.findChild(QProgressBar, "busy")
    assert bar is not None and bar.isVisibleTo(view) and bar.maximum() == 0
    view.show_screen(MENU_ZH)
    assert view.findChild(QProgressBar, "busy") is None


def test_countdown_is_visible_in_the_screen_language(make_view) -> None:
    view, _ = make_view(MENU_ZH)
    text = view.findChild(QLabel, "countdown").text()
    assert "25" in text and "秒" in text


def test_rerender_uses_the_new_model_only(make_view) -> None:
    view, _ = make_view(MENU_ZH)
    view.show_screen(PIN_EN)
    shown = visible_texts(view)
    assert "Enter your PIN" in shown and "请选择服务" not in shown
    assert view.findChild(QPushButton, "choice_1") is None


def test_long_body_line_wraps_instead_of_eliding(make_view) -> None:
    long_line = "Please take your card and your receipt before you leave the kiosk. " * 3
    short_view, _ = make_view(ScreenModel("s", "en", "T", body=("Short line.",)), width=900)
    long_view, _ = make_view(ScreenModel("s", "en", "T", body=(long_line,)), width=900)
    short_label = short_view.findChild(QLabel, "body")
    long_label = long_view.findChild(QLabel, "body")
    assert long_label.text() == long_line
    assert long_label.wordWrap()
    assert long_label.height() >= 2 * short_label.height()
    assert long_label.width() <= 900


@pytest.mark.parametrize("theme", [standard(), large_text()], ids=lambda t: t.name)
def test_sizes_meet_lobby_conventions(theme: Theme) -> None:
    assert theme.body_px >= 32 and theme.button_min_height >= 96
    assert theme.title_px > theme.body_px


def test_large_text_theme_contrast_at_least_7_to_1() -> None:
    theme = large_text()
    assert theme.body_px > standard().body_px
    for name, (fg, bg) in theme.text_pairs().items():
        assert contrast_ratio(fg, bg) >= 7.0, name


def test_standard_theme_contrast_at_least_aa() -> None:
    for name, (fg, bg) in standard().text_pairs().items():
        assert contrast_ratio(fg, bg) >= 4.5, name


def test_contrast_ratio_reference_values() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_cjk_font_has_chinese_glyphs(qapp) -> None:
    assert "Noto Sans CJK SC" in QFontDatabase.families(), "install fonts-noto-cjk"
    font = QFont()
    font.setFamilies(list(standard().font_families))
    metrics = QFontMetrics(font)
    assert all(metrics.inFontUcs4(ord(ch)) for ch in "请选择服务缴费金额¥")


@pytest.mark.parametrize(("model", "theme"), [(MENU_ZH, standard()), (PAY_EN, large_text())])
def test_render_png_is_not_blank(qapp, tmp_path: Path, model, theme) -> None:
    assert ensure_app() is qapp
    path = render_png(model, tmp_path / "shot.png", theme=theme, size=(1280, 1024))
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 1024)
    colours = {image.pixel(x, y) for x in range(0, 1280, 7) for y in range(0, 1024, 7)}
    assert len(colours) > 20  # text and buttons drawn, not a flat fill


def test_an_on_screen_receipt_is_a_scannable_qr_of_the_reference(make_view, qapp) -> None:
    from PySide6.QtWidgets import QWidget

    from screens.qr_view import QrView

    model = ScreenModel(
        screen_id="thank_you", lang="en", title="Thank you", qr="demo-kiosk-01-000007"
    )
    view, _ = make_view(model)
    qr = view.findChild(QWidget, "qrCode")
    assert isinstance(qr, QrView) and qr.data == "demo-kiosk-01-000007"
    image = qr.grab().toImage()
    dark = sum(
        1
        for x in range(0, image.width(), 4)
        for y in range(0, image.height(), 4)
        if image.pixelColor(x, y).lightness() < 128
    )
    assert dark > 50, "the code is drawn"
    assert image.pixelColor(2, 2).lightness() > 200, "with a white quiet zone"


def test_a_touch_anywhere_on_the_attract_screen_starts(make_view, qtbot) -> None:
    attract = ScreenModel(screen_id="attract", lang="en", title="Welcome", tap_key="enter")
    view, pressed = make_view(attract)
    qtbot.mouseClick(view.findChild(QLabel, "title"), Qt.MouseButton.LeftButton)
    assert pressed == [Key.ENTER]
    other = ScreenModel(screen_id="confirm", lang="en", title="Please confirm")
    view.show_screen(other)
    qtbot.mouseClick(view.findChild(QLabel, "title"), Qt.MouseButton.LeftButton)
    assert pressed == [Key.ENTER], "elsewhere a stray touch confirms nothing"
