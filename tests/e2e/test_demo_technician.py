"""The headless demo's maintenance-mode tour, in the full demo world: what a technician notices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from kiosk.demo.env import start_demo
from kiosk.demo.script import DemoFailed, run_headless_demo
from kiosk.demo.technician import run_technician_tour
from kiosk.journeys.screen_model import ScreenModel
from screens.snapshot import ensure_app, render_png
from screens.theme import standard

pytestmark = pytest.mark.e2e


def test_the_demo_tours_maintenance_mode_and_leaves_the_kiosk_in_service(tmp_path: Path) -> None:
    ensure_app()
    theme = standard()
    env = start_demo(tmp_path, language="en")
    try:
        summary = run_headless_demo(
            env, lambda m, p: render_png(m, p, theme=theme), technician=True
        )
        screen_after = env.runtime.controller.current_screen()
    finally:
        env.stop()
    tour = summary["technician"]
    assert tour == json.loads((tmp_path / "summary.json").read_text("utf-8"))["technician"]
    assert tour["ok"] is True and "error" not in tour
    steps = tour["steps"]
    # PIN prompt first, then menu and dashboard, the self-test, the cashbox, out, switch, out
    for screen in ("tech_pin", "tech_menu", "tech_dashboard", "tech_selftest_result"):
        assert screen in steps
    assert steps.index("tech_pin") < steps.index("tech_menu") < steps.index("tech_dashboard")
    assert "tech_cashbox_review" in steps and "tech_cashbox_done" not in steps
    assert steps[0] == "attract" and steps[-1] == "attract" and steps.count("attract") == 3
    from kiosk.speech.select import has_playback_device

    # Voice guidance is offered (the demo cabinet has a jack): with no sound card to play it,
    # the dashboard says so rather than "all devices working" (the services stay in service).
    audible = has_playback_device()
    assert tour["dashboard"] == {
        "service": "Service state: in service",
        "message": "All devices are working" if audible else "1 device(s) faulted: Voice guidance",
    }
    # the cashbox shows what the customer's payment put in it, and nothing was exchanged
    assert tour["cashbox"]["Total: booked / counted"] == "¥150.00 / ¥150.00"
    assert "cashbox_exchange:cancelled" in tour["journaled"]
    assert not any(j.startswith("cashbox_exchange:committed") for j in tour["journaled"])
    # the printer self-test passed and its test page came out of the emulated printer
    selftest = tour["selftest"]
    assert (selftest["test"], selftest["status"], selftest["code"]) == ("printer", "pass", "OK")
    assert selftest["receipt_matches"] is True
    test_page = tmp_path / selftest["receipt"]
    assert test_page.is_file() and selftest["receipt"] in summary["receipts"]
    assert len(summary["receipts"]) == 2  # the customer's receipt, then the test page
    with Image.open(test_page) as page:
        assert page.width == 576 and page.getextrema() != ((255, 255),) * 3
    # the operator switch opened the menu without a PIN and closing it put the kiosk back
    assert tour["operator_switch_menu"] == "Technician: operator-switch"
    assert tour["returned_to_service"] is True
    assert screen_after.screen_id == "attract" and "out of service" not in screen_after.message
    assert tour["journaled"].count("mode:exited") == 2
    assert "pin_check:ok" in tour["journaled"]
    # every screenshot the summary names is a real picture in screens/
    names = tour["screenshots"]
    for wanted in ("tech_menu", "tech_dashboard", "tech_selftest_printer", "attract_in_service"):
        assert any(n.endswith(f"-{wanted}.png") for n in names)
    for name in names:
        with Image.open(tmp_path / "screens" / name) as shot:
            assert shot.size == (1280, 1024) and shot.getextrema() != ((255, 255),) * 3
    first = int(names[0].split("-", 1)[0])
    assert first == len(summary["screenshots"]) + 1  # numbered after the customer's screens


def test_a_failing_self_test_stops_the_tour_loudly(tmp_path: Path) -> None:
    env = start_demo(tmp_path, language="en")
    try:
        env.printer_emulator.set_paper("out")
        tour = run_technician_tour(env, lambda m, p: None, tmp_path / "screens")
    finally:
        env.stop()
    assert tour["ok"] is False
    assert "printer self-test" in tour["error"] and "PAPER_OUT" in tour["error"]
    assert tour["selftest"]["status"] == "fail"
    assert tour["returned_to_service"] is False
    assert tour["steps"][-1] == "tech_selftest_result"  # where it stopped, for the reader


def test_the_demo_run_fails_when_the_tour_does_and_says_why_in_summary(tmp_path: Path) -> None:
    env = start_demo(tmp_path, language="en")

    def paper_runs_out_at_the_pin_prompt(model: ScreenModel, path: Path) -> None:
        if model.screen_id == "tech_pin":  # after the customer's receipt, before the test page
            env.printer_emulator.set_paper("out")

    try:
        with pytest.raises(DemoFailed, match="printer self-test"):
            run_headless_demo(env, paper_runs_out_at_the_pin_prompt, technician=True)
    finally:
        env.stop()
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert summary["synced"] is True
    assert summary["technician"]["ok"] is False and summary["technician"]["error"]
