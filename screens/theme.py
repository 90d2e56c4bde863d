"""Colours, fonts and sizes for the kiosk screens, plus the Qt style sheet built from them.

Kept free of PySide6 imports so the contrast rules can be checked (and tested) without a display.
Sizes follow the lobby conventions in ARCHITECTURE.md: body text >= 32 px, buttons >= 96 px tall.
"""

from __future__ import annotations

from dataclasses import dataclass

FONT_FAMILIES: tuple[str, ...] = ("Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", "sans-serif")


@dataclass(frozen=True)
class Theme:
    """Everything a renderer needs to draw a screen; two factories give the supported looks."""

    name: str
    background: str
    text: str
    muted: str  # hints and secondary text; still must pass contrast on `background`
    header_bg: str
    header_text: str
    panel_bg: str  # amounts card, input field
    border: str
    button_bg: str
    button_text: str
    button_border: str
    badge_bg: str  # the number-key disc beside each choice
    badge_text: str
    disabled_text: str
    enter_bg: str
    enter_text: str
    cancel_bg: str
    cancel_text: str
    info_bg: str
    info_text: str
    success_bg: str
    success_text: str
    warning_bg: str
    warning_text: str
    error_bg: str
    error_text: str
    font_families: tuple[str, ...] = FONT_FAMILIES
    body_px: int = 34
    title_px: int = 48
    small_px: int = 28
    amount_px: int = 38
    input_px: int = 52
    button_min_height: int = 104
    badge_px: int = 68
    border_px: int = 2
    spacing: int = 20

    def css_font_family(self) -> str:
        """The family list in style-sheet syntax, CJK font first so Chinese is never tofu."""
        return ", ".join(f'"{f}"' if f != "sans-serif" else f for f in self.font_families)

    def tone_colours(self, tone: str) -> tuple[str, str]:
        """(background, text) for a message tone; the view also adds an icon, never colour alone."""
        return {
            "info": (self.info_bg, self.info_text),
            "success": (self.success_bg, self.success_text),
            "warning": (self.warning_bg, self.warning_text),
            "error": (self.error_bg, self.error_text),
        }[tone]

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Every (fg, bg) pair the view draws text with, so tests can hold each to a minimum."""
        return {
            "body": (self.text, self.background),
            "muted": (self.muted, self.background),
            "header": (self.header_text, self.header_bg),
            "panel": (self.text, self.panel_bg),
            "button": (self.button_text, self.button_bg),
            "badge": (self.badge_text, self.badge_bg),
            "enter": (self.enter_text, self.enter_bg),
            "cancel": (self.cancel_text, self.cancel_bg),
            "info": (self.info_text, self.info_bg),
            "success": (self.success_text, self.success_bg),
            "warning": (self.warning_text, self.warning_bg),
            "error": (self.error_text, self.error_bg),
        }


def standard() -> Theme:
    """Bank-style light theme: navy header, white cards, green Enter, red Cancel."""
    return Theme(
        name="standard",
        background="#F2F4F7",
        text="#111827",
        muted="#4B5563",
        header_bg="#0B3A6E",
        header_text="#FFFFFF",
        panel_bg="#FFFFFF",
        border="#C5CCD6",
        button_bg="#FFFFFF",
        button_text="#0B1F3A",
        button_border="#0B3A6E",
        badge_bg="#0B3A6E",
        badge_text="#FFFFFF",
        disabled_text="#6B7280",
        enter_bg="#146C2E",
        enter_text="#FFFFFF",
        cancel_bg="#B42318",
        cancel_text="#FFFFFF",
        info_bg="#E0ECFA",
        info_text="#0B3A6E",
        success_bg="#DDF3E4",
        success_text="#0F5223",
        warning_bg="#FFF1C2",
        warning_text="#5C3B00",
        error_bg="#FDE2E0",
        error_text="#8A1C12",
    )


def large_text() -> Theme:
    """High-contrast theme for low vision: yellow/white on black, everything larger (>= 7:1)."""
    return Theme(
        name="large_text",
        background="#000000",
        text="#FFFFFF",
        muted="#E5E5E5",
        header_bg="#000000",
        header_text="#FFE600",
        panel_bg="#111111",
        border="#FFFFFF",
        button_bg="#000000",
        button_text="#FFFFFF",
        button_border="#FFE600",
        badge_bg="#FFE600",
        badge_text="#000000",
        disabled_text="#A3A3A3",
        enter_bg="#00E05A",
        enter_text="#000000",
        cancel_bg="#FF6B6B",
        cancel_text="#000000",
        info_bg="#000000",
        info_text="#7FD4FF",
        success_bg="#000000",
        success_text="#5CFF8F",
        warning_bg="#000000",
        warning_text="#FFE600",
        error_bg="#000000",
        error_text="#FF8A8A",
        body_px=44,
        title_px=58,
        small_px=36,
        amount_px=48,
        input_px=64,
        button_min_height=120,
        badge_px=80,
        border_px=4,
        spacing=22,
    )


def _channel(c: int) -> float:
    s = c / 255.0
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a "#RRGGBB" colour."""
    h = colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"expected #RRGGBB, got {colour!r}")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG contrast ratio (1..21) between two "#RRGGBB" colours; order does not matter."""
    a, b = relative_luminance(fg), relative_luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def stylesheet(t: Theme) -> str:
    """The Qt style sheet for a ScreenView; widgets are selected by objectName and `role`."""
    b = t.border_px
    tones = "".join(
        f'#message[tone="{tone}"] {{ background: {bg}; border: {b}px solid {fg};'
        " }\n"
        f'#message[tone="{tone}"] QLabel {{ color: {fg}; }}\n'
        f'#message[tone="{tone}"] #messageIcon {{ color: {bg}; background: {fg}; }}\n'
        for tone in ("info", "success", "warning", "error")
        for bg, fg in [t.tone_colours(tone)]
    )
    return (
        tones
        + f"""
#screenView {{ background: {t.background}; }}
#contentScroll, #content {{ background: {t.background}; }}
QWidget {{ font-family: {t.css_font_family()}; color: {t.text}; }}
QLabel {{ background: transparent; font-size: {t.body_px}px; }}
#header {{ background: {t.header_bg}; border-bottom: {b}px solid {t.border}; }}
#title {{ color: {t.header_text}; font-size: {t.title_px}px; font-weight: 700; }}
#countdown {{ color: {t.header_bg}; background: {t.header_text}; border-radius: 12px;
  font-size: {t.small_px}px; font-weight: 700; padding: 6px 18px; }}
#countdownIcon {{ color: {t.header_text}; font-size: {t.title_px}px; }}
QLabel[role="body"] {{ font-size: {t.body_px}px; }}
#amounts {{ background: {t.panel_bg}; border: {b}px solid {t.border}; border-radius: 14px; }}
QLabel[role="amountLabel"], QLabel[role="amountValue"] {{ font-size: {t.amount_px}px; }}
QLabel[emphasis="true"] {{ font-weight: 700; font-size: {t.amount_px + 6}px; }}
#inputLabel {{ font-size: {t.body_px}px; font-weight: 700; }}
#inputValue {{ background: {t.panel_bg}; border: {b + 1}px solid {t.button_border};
  border-radius: 12px; font-size: {t.input_px}px; font-weight: 700; padding: 10px 24px;
  letter-spacing: 6px; }}
#inputHint {{ color: {t.muted}; font-size: {t.small_px}px; }}
QPushButton {{ font-size: {t.body_px}px; min-height: {t.button_min_height}px;
  border-radius: 14px; padding: 0 28px; }}
QPushButton[role="choice"], QPushButton[role="keypad"], #language, #clear, #theme {{
  background: {t.button_bg}; color: {t.button_text};
  border: {b}px solid {t.button_border}; }}
QPushButton[role="choice"]:pressed, QPushButton[role="keypad"]:pressed {{
  background: {t.info_bg}; }}
QPushButton:disabled {{ border-color: {t.disabled_text}; color: {t.disabled_text}; }}
QLabel[role="choiceText"] {{ color: {t.button_text}; font-size: {t.body_px}px;
  font-weight: 600; }}
QLabel[role="choiceText"]:disabled {{ color: {t.disabled_text}; }}
QLabel[role="badge"] {{ background: {t.badge_bg}; color: {t.badge_text};
  border-radius: {t.badge_px // 2}px; font-size: {t.body_px}px; font-weight: 700; }}
QLabel[role="badge"]:disabled {{ background: {t.disabled_text}; }}
QPushButton[role="keypad"], QPushButton[role="keypadClear"], QPushButton[role="keypadEnter"] {{
  min-height: {t.button_min_height}px; max-height: {t.button_min_height}px;
  min-width: {t.button_min_height * 4 // 3}px; max-width: {t.button_min_height * 4 // 3}px; }}
QPushButton[role="keypad"] {{ font-size: {t.input_px - 6}px; font-weight: 700; padding: 0; }}
QPushButton[role="keypadClear"] {{ background: {t.warning_bg}; color: {t.warning_text};
  border: {b}px solid {t.warning_text}; font-weight: 700; padding: 0; }}
QPushButton[role="keypadEnter"] {{ background: {t.enter_bg}; color: {t.enter_text};
  border: {b}px solid {t.enter_bg}; font-weight: 700; padding: 0; }}
#cancel {{ background: {t.cancel_bg}; color: {t.cancel_text}; font-weight: 700;
  border: {b}px solid {t.cancel_bg}; }}
#enter {{ background: {t.enter_bg}; color: {t.enter_text}; font-weight: 700;
  border: {b}px solid {t.enter_bg}; }}
#bottomBar {{ background: {t.panel_bg}; border-top: {b}px solid {t.border}; }}
#message {{ border-radius: 14px; }}
#messageIcon {{ font-family: "DejaVu Sans", {t.css_font_family()}; font-weight: 700;
  font-size: {t.body_px - 4}px; border-radius: {t.badge_px * 3 // 8}px; }}
#messageText {{ font-size: {t.body_px}px; font-weight: 600; }}
QProgressBar#busy {{ border: {b}px solid {t.border}; border-radius: 10px;
  background: {t.panel_bg}; min-height: 28px; max-height: 28px; }}
QProgressBar#busy::chunk {{ background: {t.badge_bg}; border-radius: 8px; }}
"""
    )
