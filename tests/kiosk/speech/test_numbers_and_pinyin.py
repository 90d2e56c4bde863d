"""Amounts are read as a teller says them; Mandarin polyphones are read right."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.money.amount import Money
from kiosk.speech.numbers import en_number, money_words, spell_digits, zh_number
from kiosk.speech.pinyin import OVERRIDES, to_pinyin


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        ("125.50", "一百二十五元五角", "one hundred twenty-five yuan and fifty fen"),
        ("100.05", "一百元零五分", "one hundred yuan and five fen"),
        ("0.50", "五角", "fifty fen"),
        ("1005.00", "一千零五元", "one thousand five yuan"),
        ("12.00", "十二元", "twelve yuan"),
        ("20010.00", "二万零一十元", "twenty thousand ten yuan"),
        ("1.10", "一元一角", "one yuan and ten fen"),
    ],
)
def test_money_in_words(amount: str, zh: str, en: str) -> None:
    money = Money(Decimal(amount), "CNY")
    assert money_words(money, "zh_CN") == zh
    assert money_words(money, "en") == en


@pytest.mark.parametrize(
    ("n", "zh", "en"),
    [
        (0, "零", "zero"),
        (10, "十", "ten"),
        (101, "一百零一", "one hundred one"),
        (110000, "十一万", "one hundred ten thousand"),
        (100000001, "一亿零一", "one hundred million one"),
    ],
)
def test_integers(n: int, zh: str, en: str) -> None:
    assert zh_number(n) == zh
    assert en_number(n) == en


def test_account_numbers_are_read_digit_by_digit_with_yao_for_one() -> None:
    assert spell_digits("1023", "zh_CN") == "幺 零 二 三"
    assert spell_digits("1023", "en") == "one zero two three"


# The polyphone regression list: a bank lobby's words, read the way a teller reads them.
POLYPHONES = {
    "银行": "yin2 hang2",
    "重新输入": "chong2 xin1 shu1 ru4",
    "长度": "chang2 du4",
    "还需放入": "hai2 xu1 fang4 ru4",
    "还款": "huan2 kuan3",
    "余额": "yu2 e2",
    "音量调大": "yin1 liang4 tiao2 da4",
    "重要": "zhong4 yao4",
    "行长": "hang2 zhang3",
    "进行": "jin4 xing2",
    "切换语言": "qie1 huan4 yu3 yan2",
}


@pytest.mark.parametrize(("text", "pinyin"), POLYPHONES.items())
def test_polyphones(text: str, pinyin: str) -> None:
    assert to_pinyin(text) == pinyin


def test_every_override_is_exercised_by_its_own_phrase() -> None:
    for phrase, reading in OVERRIDES.items():
        assert to_pinyin(phrase) == reading


def test_digits_and_punctuation_become_words_and_pauses() -> None:
    assert to_pinyin("还剩 12 秒") == "hai2 sheng4 shi2 er4 miao3"
    assert to_pinyin("缴费成功，谢谢！") == "jiao3 fei4 cheng2 gong1, xie4 xie4."
    assert to_pinyin("户号 1234567890").startswith("hu4 hao4 yao1 er4 san1")
