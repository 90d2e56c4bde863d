"""What a screen says: the voice rendering of the one ScreenModel.

Every visible text of the screen is in the script (`shows`), paired with how it is spoken
(`says`): amounts in words, account numbers digit by digit, and each choice as "press 1 for …"
with the same key the screen shows. Secret input is never spoken, only its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import InvalidOperation

from kiosk.i18n import Catalog
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import SYMBOLS, Money
from kiosk.speech.numbers import money_words, spell_digits, zh_number

_AMOUNT_RE = re.compile(r"(-?)(HK\$|\$|€|¥)([0-9][0-9,]*(?:\.[0-9]+)?)")
_LONG_DIGITS_RE = re.compile(r"\d{5,}")
_MASKED_CJK = re.compile(r"(?<=[\u3400-\u9fff])[*＊]+(?=[\u3400-\u9fff])")
# an English sentence: two words of letters or more
_ENGLISH_LINE = re.compile(r"[A-Za-z]{2,}[ ,.'-]+[A-Za-z]{2,}")
# a masked card or account number: mask characters (with digits and spaces), then its last digits
_MASKED_NUMBER = re.compile(r"(?:\b[0-9]+ ?)?[*●•]{2,}[ *●•]*([0-9]{2,4})\b")
# a run of Chinese (with the masks and marks inside a masked name such as 张*明)
_CJK_RUN = re.compile(r"([\u3400-\u9fff][\u3400-\u9fff*＊·・\s]*[\u3400-\u9fff]|[\u3400-\u9fff])")
_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_SYMBOL_CURRENCY = {"¥": "CNY", "$": "USD", "€": "EUR", "HK$": "HKD"}


@dataclass(frozen=True)
class Utterance:
    shows: str  # the visible text this utterance renders ("" for spoken-only hints)
    says: str  # the words to speak, in the screen's language
    lang: str


def speakable(text: str, lang: str, currency_hint: str = "CNY") -> str:
    """Rewrites amounts and long digit runs into words a listener can follow."""

    def amount(match: re.Match[str]) -> str:
        sign, symbol, number = match.groups()
        currency = currency_hint if symbol == SYMBOLS.get(currency_hint) else None
        currency = currency or _SYMBOL_CURRENCY.get(symbol, currency_hint)
        try:
            money = Money.parse(sign + number.replace(",", ""), currency)
        except (InvalidOperation, ValueError, ArithmeticError):
            return match.group(0)
        return money_words(money, lang)

    if lang == "zh_CN":  # a masked name (张*明) is read as a listener would: 张某明
        text = _MASKED_CJK.sub(lambda m: "某" * len(m.group(0)), text)
    text = _MASKED_NUMBER.sub(lambda m: _masked_words(m.group(1), lang), text)
    text = _AMOUNT_RE.sub(amount, text)
    text = _DATE_RE.sub(lambda m: _date_words(m, lang), text)
    return _LONG_DIGITS_RE.sub(lambda m: spell_digits(m.group(0), lang), text)


def _masked_words(last: str, lang: str) -> str:
    """**** **** **** 0123 → "number ending in zero one two three": never a run of asterisks."""
    if lang == "zh_CN":
        return f"尾号{spell_digits(last, lang)}"
    return f"number ending in {spell_digits(last, lang)}"


def _date_words(match: re.Match[str], lang: str) -> str:
    """2026-11-30 → 二零二六年十一月三十日 / November 30, 2026."""
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    if lang == "zh_CN":
        year_digits = "".join("零一二三四五六七八九"[int(d)] for d in match.group(1))
        return f"{year_digits}年{zh_number(month)}月{zh_number(day)}日"
    return f"{_EN_MONTHS[month - 1]} {day}, {year}"


def screen_script(model: ScreenModel, catalog: Catalog, currency: str = "CNY") -> list[Utterance]:
    lang = model.lang
    t = catalog.text

    def line(text: str, says: str | None = None) -> Utterance:
        return Utterance(text, speakable(says if says is not None else text, lang, currency), lang)

    def lines(text: str) -> list[Utterance]:
        """A Chinese name on an English screen is said by the Mandarin voice, and an English
        sentence on a Chinese screen (the bilingual attract) by the English voice."""
        if lang == "zh_CN" and _ENGLISH_LINE.search(text) and not _CJK_RUN.search(text):
            return [Utterance(text, speakable(text, "en", currency), "en")]
        if lang == "zh_CN" or not _CJK_RUN.search(text):
            return [line(text)]
        parts = [p for p in _CJK_RUN.split(text) if p.strip()]
        out = []
        for n, part in enumerate(parts):
            part_lang = "zh_CN" if _CJK_RUN.fullmatch(part) else lang
            out.append(Utterance(text if n == 0 else "", speakable(part, part_lang), part_lang))
        return out

    script = [*lines(model.title)]
    for text in model.body:
        script += lines(text)
    script += [line(f"{a.label} {a.amount}") for a in model.amounts]
    if model.input is not None:
        field = model.input
        script.append(line(field.label))
        if field.secret:
            spoken = t(lang, "voice_entered_secret", count=len(field.value))
            script.append(Utterance(field.value, spoken, lang))  # "●●●●" shown, length said
        elif field.value:
            digits = spell_digits(field.value, lang) if field.value.isdigit() else field.value
            script.append(
                Utterance(field.value, t(lang, "voice_entered_digits", digits=digits), lang)
            )
        else:
            script.append(Utterance("", t(lang, "voice_nothing_entered"), lang))
        if field.hint:
            script.append(line(field.hint))
    for c in model.choices:
        if c.enabled:  # a language choice is offered in its own language
            said = t(c.lang or lang, "voice_press_choice", label=c.label, key=c.key)
            script.append(Utterance(f"{c.key} {c.label}", said, c.lang or lang))
        else:  # in its place, with its number, and why it cannot be chosen
            script.append(Utterance(f"{c.key} {c.label}", f"{c.key}, {c.label}", lang))
    for text in (model.message, model.countdown_text):
        if text:
            script.append(line(text))
    hints = (
        (model.enter_label, "voice_press_enter"),
        (model.clear_label, "voice_press_clear"),
        (model.cancel_label, "voice_press_cancel"),
    )
    script += [
        Utterance(label, t(lang, message_id, label=label), lang)
        for label, message_id in hints
        if label
    ]
    if model.language_label:
        script.append(Utterance(model.language_label, t(lang, "voice_press_language"), lang))
    if model.theme_label:
        script.append(Utterance(model.theme_label, t(lang, "voice_press_theme"), lang))
    return script
