"""Walks through the running demo kiosk as customers do, happy paths and the paths that go wrong.

Each tour starts and ends on the attract screen and acts only as a customer can: keys, notes,
the card, the printer's paper. The screens it passes are collected by the DemoRun's snapshot
callback; the audit checks them afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.demo.env import DEMO_CARD_PIN, DemoEnvironment
from kiosk.demo.run import DemoFailed, DemoRun
from kiosk.events import Key

DEMO_BILLER = "SGCC"
DEMO_ACCOUNT = "1234567890"  # an open ¥125.50 bill in the reference core's seed (paid once)
OTHER_ACCOUNT = "9876543210"  # two open bills: the tours that pay nothing use it
UNKNOWN_ACCOUNT = "0000000000"


@dataclass(frozen=True)
class Tour:
    name: str
    walk: Callable[[DemoRun, DemoEnvironment, str], None]
    needs_cards: bool = False
    fast: bool = False  # part of the quick form `make test` runs


def _t(env: DemoEnvironment, lang: str, message_id: str) -> str:
    return env.runtime.journey.catalog.text(lang, message_id)


def _until(run: DemoRun, ok: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.pump()
        if ok():
            return
        time.sleep(0.02)
    raise DemoFailed(f"waited for {what}")


def _menu(run: DemoRun, env: DemoEnvironment, lang: str, service_id: str) -> None:
    run.wait_for("attract")
    run.press(Key.ENTER)
    run.choose(run.wait_for("language"), _t(env, lang, f"language_{lang[:2]}"))
    label = _t(env, lang, service_id)
    controller = env.runtime.controller
    _until(run, lambda: label in [c.label for c in controller.current_screen().choices], label)
    run.choose(controller.current_screen(), label)


def _to_bill(run: DemoRun, env: DemoEnvironment, lang: str, account: str = DEMO_ACCOUNT) -> None:
    _menu(run, env, lang, "service_pay_bill")
    journey = env.runtime.journey
    billers = run.wait_for("choose_biller")
    name = next(b.name(lang) for b in journey.billers() if b.code == DEMO_BILLER)
    run.choose(billers, name)
    run.wait_for("enter_account")
    run.press(*[Key(d) for d in account], Key.ENTER)


def _note(run: DemoRun, env: DemoEnvironment, value: int) -> None:
    """Like a customer who waits for the acceptor's light, then watches the total go up."""
    emulator, controller = env.cash_emulator, env.runtime.controller
    _until(run, lambda: emulator.enabled, "the acceptor to be enabled")
    before = controller.current_screen().amounts
    emulator.insert_note(value)
    _until(run, lambda: controller.current_screen().amounts != before, f"the {value} note")


def cash_bill_paid(run: DemoRun, env: DemoEnvironment, lang: str) -> None:
    _to_bill(run, env, lang)
    run.wait_for("bill_details")
    run.press(Key.ENTER)
    run.wait_for("insert_cash")
    for value in (100, 50):
        _note(run, env, value)
    run.wait_for("confirm")
    run.press(Key.ENTER)
    run.wait_for("thank_you", timeout=30)
    run.press(Key.ENTER)
    run.wait_for("attract")


def bill_wrong_accounts(run: DemoRun, env: DemoEnvironment, lang: str) -> None:
    """A mistyped account (refused on the keypad), then one the core does not know."""
    _menu(run, env, lang, "service_pay_bill")
    journey = env.runtime.journey
    billers = run.wait_for("choose_biller")
    run.choose(billers, next(b.name(lang) for b in journey.billers() if b.code == DEMO_BILLER))
    run.wait_for("enter_account")
    run.press(Key.D1, Key.D2, Key.ENTER)  # too short: told on this screen
    controller = env.runtime.controller
    _until(run, lambda: bool(controller.current_screen().message), "the refusal")
    run.press(Key.CLEAR, Key.CLEAR, *[Key(d) for d in UNKNOWN_ACCOUNT], Key.ENTER)
    run.wait_for("notice")
    run.press(Key.ENTER)
    run.wait_for("enter_account")
    run.press(Key.CANCEL)
    run.wait_for("choose_biller")
    run.press(Key.CANCEL)
    run.wait_for("attract")


def cash_cancelled_credited(run: DemoRun, env: DemoEnvironment, lang: str) -> None:
    """A customer changes their mind with ¥20 in: it is credited, with a slip."""
    _to_bill(run, env, lang, OTHER_ACCOUNT)
    run.wait_for("bill_details")
    run.press(Key.ENTER)
    run.wait_for("insert_cash")
    _note(run, env, 20)
    run.press(Key.CANCEL)
    run.wait_for("credited", timeout=30)
    run.press(Key.ENTER)
    run.wait_for("attract")


def paper_out_warned(run: DemoRun, env: DemoEnvironment, lang: str) -> None:
    """No paper: said before any money is taken; the customer goes back."""
    env.printer_emulator.set_paper("out")
    try:
        _to_bill(run, env, lang, OTHER_ACCOUNT)
        run.wait_for("bill_details")
        run.press(Key.ENTER)
        run.wait_for("printer_warning")
        run.press(Key.CANCEL)
        run.wait_for("attract")
    finally:
        env.printer_emulator.set_paper("ready")


def top_up(run: DemoRun, env: DemoEnvironment, lang: str) -> None:
    _menu(run, env, lang, "service_topup")
    choose = run.wait_for("topup_choose")
    product = next(b for b in env.runtime.journey.billers() if b.account_valid(DEMO_ACCOUNT))
    run.choose(choose, product.name(lang))
    run.wait_for("topup_enter_number")
    run.press(Key.D1, Key.D2, Key.ENTER)  # not a number this product takes
    controller = env.runtime.controller
    _until(run, lambda: bool(controller.current_screen().message), "the refusal")
    run.press(Key.CLEAR, Key.CLEAR, *[Key(d) for d in DEMO_ACCOUNT], Key.ENTER)
    run.wait_for("topup_insert_cash")
    _note(run, env, 20)
    run.press(Key.ENTER)
    run.wait_for("topup_done", timeout=30)
    run.press(Key.ENTER)
    run.wait_for("attract")


def reprint_unknown(run: DemoRun, env: DemoEnvironment, lang: str) -> None:
    _menu(run, env, lang, "service_reprint")
    run.wait_for("reprint_enter")
    run.press(Key.D9, Key.D9, Key.D9, Key.ENTER)
    controller = env.runtime.controller
    _until(run, lambda: bool(controller.current_screen().message), "not found")
    run.press(Key.CANCEL)
    run.wait_for("attract")


def card_balance_wrong_pin(run: DemoRun, env: DemoEnvironment, lang: str) -> None:
    assert env.cards is not None
    _menu(run, env, lang, "service_balance")
    run.wait_for("card_insert_card")
    env.cards.insert()
    run.wait_for("card_enter_pin")
    wrong = "0000" if DEMO_CARD_PIN != "0000" else "1111"
    run.press(*[Key(d) for d in wrong], Key.ENTER)
    controller = env.runtime.controller
    _until(run, lambda: bool(controller.current_screen().message), "the wrong PIN told")
    run.press(*[Key(d) for d in DEMO_CARD_PIN], Key.ENTER)
    run.wait_for("card_show_balance", timeout=30)
    run.press(Key.ENTER)
    run.wait_for("card_take_card")
    env.cards.remove()
    run.wait_for("attract", timeout=30)


TOURS: tuple[Tour, ...] = (
    Tour("cash bill payment", cash_bill_paid, fast=True),
    Tour("wrong and unknown accounts", bill_wrong_accounts, fast=True),
    Tour("cash cancelled and credited", cash_cancelled_credited),
    Tour("no paper, said up front", paper_out_warned),
    Tour("top-up", top_up, fast=True),
    Tour("reprint not found", reprint_unknown),
    Tour("card balance with a wrong PIN", card_balance_wrong_pin, needs_cards=True),
)
