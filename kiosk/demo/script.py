"""The scripted customer of the headless demo: a cash bill payment from attract back to attract,
then (when the demo has card services) a balance inquiry with the virtual UnionPay card and PIN.

It presses keys and inserts notes exactly as a customer would, through the same controller the
Qt window uses, and writes a screenshot of every screen it sees (the renderer is injected, so
this module stays free of Qt).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from kiosk.demo.env import DEMO_CARD_PIN, DEMO_CARD_PROFILE, DemoEnvironment
from kiosk.demo.run import DemoFailed, DemoRun, Snapshot
from kiosk.demo.technician import run_technician_tour
from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from offline_queue.models import OutboxState

log = logging.getLogger(__name__)

DEMO_BILLER = "SGCC"
DEMO_ACCOUNT = "1234567890"  # SGCC, an open bill of ¥125.50 in the reference core's seed
DEMO_NOTES = (100, 50)


def run_headless_demo(
    env: DemoEnvironment, snapshot: Snapshot, *, technician: bool = False
) -> dict[str, object]:
    """Walks the journey; returns the summary (also written to summary.json).

    `technician`: afterwards tour maintenance mode (kiosk/demo/technician.py); it prints a test
    page, so tests that count receipts leave it off. A tour that stops short is written to the
    summary's `technician` section and then raised as DemoFailed."""
    out = env.out_dir
    run = DemoRun(env, snapshot, out / "screens")
    journey = env.runtime.journey
    lang = journey.default_language
    catalog = journey.catalog
    run.wait_for("attract")
    run.press(Key.ENTER)
    run.choose(run.wait_for("language"), catalog.text(lang, f"language_{lang[:2]}"))
    menu = run.wait_for("menu")
    run.choose(menu, catalog.text(lang, "service_pay_bill"))
    billers = run.wait_for("choose_biller")
    wanted = next((b.name(lang) for b in journey.billers() if b.code == DEMO_BILLER), None)
    if wanted is None:
        raise DemoFailed(f"biller {DEMO_BILLER} not offered")
    run.choose(billers, wanted)
    run.wait_for("enter_account")
    run.press(*[Key(d) for d in DEMO_ACCOUNT])
    run.press(Key.ENTER)
    run.wait_for("bill_details")
    run.press(Key.ENTER)
    run.wait_for("insert_cash")
    emulator = env.cash_emulator
    # Like a customer who waits for the acceptor's light before feeding a note.
    _wait_until(run, lambda: emulator.enabled, what="the acceptor to be enabled")
    for value in DEMO_NOTES:
        before = journey.session.cash.total if journey.session.cash else None
        emulator.insert_note(value)
        _wait_until(
            run,
            lambda b=before: journey.session.cash is not None and journey.session.cash.total != b,
            what=f"the ¥{value} note to be credited",
        )
    run.wait_for("confirm")
    run.press(Key.ENTER)
    run.wait_for("thank_you", timeout=30)
    session = journey.session
    summary_session = {
        "txn_id": session.txn_id,
        "amount": str(session.cash.total.amount) if session.cash else "0",
        "currency": session.currency,
        "reference": session.reference,
        "receipt_printed": bool(session.printed),
    }
    run.press(Key.ENTER)
    run.wait_for("attract")
    bill_steps = list(run.steps)
    if env.cards is not None:
        card: dict[str, object] = _card_balance(run, env)
    else:
        card = {"available": False, "reason": env.card_note}
    item = env.runtime.outbox.item(session.txn_id)
    synced = item is not None and item.state is OutboxState.ACCEPTED
    at_core = env.core_store.transaction_count(session.txn_id)  # exactly once at the core
    summary = {
        "journey": "bill_payment_cash",
        "steps": bill_steps,
        **summary_session,
        "synced": bool(synced and at_core == 1),
        "core_ref": item.core_ref if item else None,
        "screenshots": [str(p.relative_to(out)) for p in run.shots],
        "receipts": [str(r.png_path.relative_to(out)) for r in env.printer_emulator.receipts],
        "card": card,
    }
    tour: dict[str, object] | None = None
    if technician:
        tour = run_technician_tour(env, snapshot, out / "screens", first=len(run.shots) + 1)
        summary["technician"] = tour
        summary["receipts"] = [  # now with the self-test's test page
            str(r.png_path.relative_to(out)) for r in env.printer_emulator.receipts
        ]
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    if tour is not None and not tour["ok"]:
        raise DemoFailed(str(tour["error"]))
    return summary


def _card_balance(run: DemoRun, env: DemoEnvironment) -> dict[str, object]:
    """Menu -> card balance -> insert the virtual card -> PIN on the pad -> balance -> take card."""
    assert env.cards is not None
    controller = env.runtime.controller
    catalog, lang = env.runtime.journey.catalog, env.runtime.journey.default_language
    first = len(run.steps)
    run.press(Key.ENTER)
    run.choose(run.wait_for("language"), catalog.text(lang, f"language_{lang[:2]}"))
    run.wait_for("menu")
    label = catalog.text(lang, "service_balance")
    _wait_until(
        run,
        lambda: label in [c.label for c in controller.current_screen().choices],
        what="card balance on the menu (reader online, core reachable)",
    )
    run.choose(controller.current_screen(), label)
    run.wait_for("card_insert_card")
    env.cards.swipe("chip_card")  # first the habit of swiping: a chip card is sent to the chip
    _wait_until(
        run,
        lambda: controller.current_screen().message == catalog.text(lang, "card_error_use_chip"),
        what="the swiped chip card to be refused with 'use the chip'",
    )
    refused = controller.current_screen().message
    _shot(run, controller.current_screen(), "card_swipe_use_chip")
    env.cards.insert()  # the customer dips the card
    run.wait_for("card_enter_pin")
    run.press(*[Key(d) for d in DEMO_CARD_PIN])  # keys go to the PIN pad only
    dots = "●" * len(DEMO_CARD_PIN)  # the pad says how many digits, never which
    _wait_until(
        run,
        lambda: (field := controller.current_screen().input) is not None and field.value == dots,
        what="the PIN pad to report every digit",
    )
    _shot(run, controller.current_screen(), "card_enter_pin_entered")
    run.press(Key.ENTER)
    shown = run.wait_for("card_show_balance")
    run.press(Key.ENTER)
    run.wait_for("card_take_card")
    env.cards.remove()  # the customer takes the card back
    run.wait_for("attract")
    kinds = [r.kind for r in env.runtime.ledger.records() if r.kind.startswith("card_")]
    return {
        "available": True,
        "journey": "balance_inquiry",
        "profile": DEMO_CARD_PROFILE,
        "masked_pan": shown.body[0] if shown.body else "",
        "balance": shown.amounts[0].amount if shown.amounts else "",
        "steps": run.steps[first:],
        "journaled": kinds,
        "receipt": None,  # the balance journey offers no paper receipt
        "chip_card_swiped": refused,
    }


def _shot(run: DemoRun, model: ScreenModel, name: str) -> None:
    """An extra screenshot of a screen whose input changed (the dots of a PIN)."""
    path = run.screens_dir / f"{len(run.shots) + 1:02d}-{name}.png"
    run.snapshot(model, path)
    run.shots.append(path)


def _wait_until(
    run: DemoRun, predicate: Callable[[], bool], *, what: str, timeout: float = 15.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.pump()
        if predicate():
            return
        time.sleep(0.02)
    raise DemoFailed(f"waited {timeout:.0f}s for {what} (inserted so far: {run.inserted()})")
