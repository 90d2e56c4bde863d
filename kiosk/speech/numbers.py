"""Numbers and money in natural spoken language, Mandarin and English.

¥125.50 is read "一百二十五元五角" / "one hundred twenty-five yuan and fifty fen": a voice
customer must hear the amount the way a teller says it, never "one two five point five zero".
"""

from __future__ import annotations

from kiosk.money.amount import Money

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_SMALL_UNITS = ("", "十", "百", "千")
_ZH_BIG_UNITS = ("", "万", "亿", "万亿")

_EN_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))

CURRENCY_WORDS = {
    "CNY": {"zh_CN": ("元", "角", "分"), "en": ("yuan", "jiao", "fen")},
    "HKD": {"zh_CN": ("港元", "角", "分"), "en": ("Hong Kong dollars", "", "cents")},
    "USD": {"zh_CN": ("美元", "角", "分"), "en": ("dollars", "", "cents")},
    "EUR": {"zh_CN": ("欧元", "角", "分"), "en": ("euros", "", "cents")},
    "JPY": {"zh_CN": ("日元", "", ""), "en": ("yen", "", "")},
}


def zh_number(n: int) -> str:
    """An integer read in Mandarin: 10 → 十, 105 → 一百零五, 20010 → 二万零一十."""
    if n < 0:
        return "负" + zh_number(-n)
    if n == 0:
        return _ZH_DIGITS[0]
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or group < 1000):
            out += _ZH_DIGITS[0]
        out += _zh_group(group) + _ZH_BIG_UNITS[index]
        need_zero = False
    if out.startswith("一十"):
        out = out[1:]  # 十二, not 一十二
    return out


def _zh_group(n: int) -> str:
    text, zero = "", False
    for position in (3, 2, 1, 0):
        digit = n // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += _ZH_DIGITS[0]
            zero = False
        text += _ZH_DIGITS[digit] + _ZH_SMALL_UNITS[position]
    return text


def en_number(n: int) -> str:
    if n < 0:
        return "minus " + en_number(-n)
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_ONES[hundreds]} hundred" + (f" {en_number(rest)}" if rest else "")
    for scale, word in _EN_SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            return f"{en_number(high)} {word}" + (f" {en_number(rest)}" if rest else "")
    raise AssertionError("unreachable")


def money_words(money: Money, lang: str) -> str:
    """The amount as a teller reads it in `lang` ("zh_CN" or "en")."""
    words = CURRENCY_WORDS[money.currency]["zh_CN" if lang == "zh_CN" else "en"]
    minor_total = abs(money.minor)
    digits = 2 if words[2] else 0
    major, minor = divmod(minor_total, 10**digits) if digits else (minor_total, 0)
    sign = ("负" if lang == "zh_CN" else "minus ") if money.minor < 0 else ""
    if lang == "zh_CN":
        return sign + _zh_money(major, minor, words)
    return sign + _en_money(major, minor, words)


def _zh_money(major: int, minor: int, words: tuple[str, str, str]) -> str:
    jiao, fen = divmod(minor, 10)
    text = f"{zh_number(major)}{words[0]}" if major or not minor else ""
    if jiao:
        text += f"{_ZH_DIGITS[jiao]}{words[1]}"
    if fen:
        text += ("零" if major and not jiao else "") + f"{_ZH_DIGITS[fen]}{words[2]}"
    return text


def _en_money(major: int, minor: int, words: tuple[str, str, str]) -> str:
    major_text = f"{en_number(major)} {words[0]}"
    if not minor:
        return major_text
    minor_text = f"{en_number(minor)} {words[2]}"
    return f"{major_text} and {minor_text}" if major else minor_text


def spell_digits(digits: str, lang: str) -> str:
    """An account or reference number read digit by digit, so nothing is misheard."""
    if lang == "zh_CN":
        # 一 is read 幺 in numbers read digit by digit (phone and account numbers).
        return " ".join("幺" if d == "1" else _ZH_DIGITS[int(d)] for d in digits if d.isdigit())
    return " ".join(_EN_ONES[int(d)] for d in digits if d.isdigit())
