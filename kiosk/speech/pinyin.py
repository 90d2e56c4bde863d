"""Mandarin text → tone-numbered pinyin for espeak-ng's `cmn-latn-pinyin` voice.

Debian's `cmn` voice reads tone digits as English words, so the kiosk feeds pinyin with tone
numbers instead. pypinyin picks readings by phrase; the few phrases it gets wrong for a bank
lobby are pinned in OVERRIDES (regression-tested), applied without touching pypinyin's global
dictionaries. Digits are read as Chinese numbers (short runs) or digit by digit (long runs).
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

from kiosk.speech.numbers import spell_digits, zh_number

# Phrases whose reading must not depend on pypinyin's phrase statistics.
OVERRIDES: dict[str, str] = {
    "银行": "yin2 hang2",
    "重新": "chong2 xin1",
    "长度": "chang2 du4",
    "还需": "hai2 xu1",
    "还剩": "hai2 sheng4",
    "还款": "huan2 kuan3",
    "余额": "yu2 e2",
    "调大": "tiao2 da4",
    "调小": "tiao2 xiao3",
    "行号": "hang2 hao4",
    "切换": "qie1 huan4",
}
_OVERRIDE_RE = re.compile("|".join(sorted(map(re.escape, OVERRIDES), key=len, reverse=True)))
_DIGITS_RE = re.compile(r"\d+")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_PUNCT = {"，": ",", "。": ".", "！": ".", "？": "?", "：": ",", "；": ",", "、": ",", "/": ","}


def read_digits(match: re.Match[str]) -> str:
    digits = match.group(0)
    return zh_number(int(digits)) if len(digits) <= 4 else spell_digits(digits, "zh_CN")


def to_pinyin(text: str) -> str:
    """`请放入纸币` → `qing3 fang4 ru4 zhi3 bi4`; punctuation becomes pauses."""
    text = _DIGITS_RE.sub(read_digits, text)
    words: list[str] = []
    position = 0
    for match in _OVERRIDE_RE.finditer(text):
        words += _plain(text[position : match.start()])
        words.append(OVERRIDES[match.group(0)])
        position = match.end()
    words += _plain(text[position:])
    spoken = " ".join(w for w in words if w)
    return re.sub(r"\s+([,.?])", r"\1", spoken).strip()


def _plain(text: str) -> list[str]:
    out: list[str] = []
    for piece in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True):
        piece = piece.strip()
        if not piece:
            continue
        out.append("".join(_PUNCT.get(ch, ch) for ch in piece))
    return out


def has_han(text: str) -> bool:
    return _HAN_RE.search(text) is not None
