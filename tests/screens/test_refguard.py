"""The guard against PySide6 6.12's dropped references keeps None's count above its floor."""

from __future__ import annotations

import sys

import pytest

from screens import refguard


@pytest.mark.skipif(not refguard.NEEDED, reason="None and True are immortal from Python 3.12")
def test_a_count_below_the_floor_is_raised_and_one_above_is_left(monkeypatch) -> None:
    before = sys.getrefcount(None)
    monkeypatch.setattr(refguard, "FLOOR", before + 1000)
    monkeypatch.setattr(refguard, "BATCH", 5000)
    assert refguard.top_up() >= 5000
    assert sys.getrefcount(None) >= before + 4900
    monkeypatch.setattr(refguard, "FLOOR", 0)
    assert refguard.top_up() == 0


def test_the_window_pump_and_the_renderer_run_the_guard() -> None:
    import inspect

    from screens import snapshot, window

    assert "refguard.top_up()" in inspect.getsource(window.KioskWindow._pump)
    assert "refguard.top_up()" in inspect.getsource(snapshot.render_png)
