"""Every visible text of every bill-payment screen is in its spoken script, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.ports import BillsFetched
from kiosk.journeys.screen_model import InputField, ScreenModel
from kiosk.speech.script import screen_script, speakable
from offline_queue.events import TransactionAccepted
from tests.kiosk.journey_fixtures import BILL, make_rig

CATALOG = load_catalog()


def _journey_screens(tmp_path: Path, lang_key: str) -> list[ScreenModel]:
    rig = make_rig(tmp_path)
    j = rig.journey
    seen = [j.screen()]
    steps = [
        lambda: rig.press(Key.ENTER),
        lambda: rig.press(lang_key),
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
    ]
    for step in steps:
        step()
        seen.append(j.screen())
    return seen


@pytest.mark.parametrize("lang_key", ["1", "2"])
def test_every_visible_text_is_spoken(tmp_path: Path, lang_key: str) -> None:
    screens = _journey_screens(tmp_path, lang_key)
    assert len({s.screen_id for s in screens}) >= 10
    for screen in screens:
        script = screen_script(screen, CATALOG)
        shown = [u.shows for u in script]
        for text in screen.visible_texts():
            assert any(text in s for s in shown), f"{screen.screen_id}: {text!r} is never spoken"


def test_choices_are_spoken_with_their_key_and_amounts_in_words() -> None:
    model = ScreenModel(
        screen_id="x",
        lang="en",
        title="Your bill",
        body=("Amount due ¥125.50",),
        choices=(),
    )
    script = screen_script(model, CATALOG)
    assert script[1].says == "Amount due one hundred twenty-five yuan and fifty fen"
    assert speakable("应缴 ¥125.50", "zh_CN") == "应缴 一百二十五元五角"


def test_secret_input_is_never_spoken_only_its_length() -> None:
    model = ScreenModel(
        screen_id="pin",
        lang="zh_CN",
        title="请输入密码",
        input=InputField("密码", "●●●●", 6, secret=True),
    )
    spoken = " ".join(u.says for u in screen_script(model, CATALOG))
    assert "已输入4位" in spoken
    assert "●" not in spoken


def test_dates_are_read_as_dates() -> None:
    assert speakable("Due date: 2026-11-30", "en") == "Due date: November 30, 2026"
    assert speakable("缴费截止日期: 2026-11-30", "zh_CN") == "缴费截止日期: 二零二六年十一月三十日"
    assert speakable("Period: 2026-10", "en") == "Period: 2026-10"
