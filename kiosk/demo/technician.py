"""The headless demo's technician: a tour of maintenance mode once the customers have gone.

A newcomer should see that maintenance mode works in the running kiosk, not only in its unit
tests, so this presses the keys a technician presses, into the same controller the Qt window
uses, and photographs the real screens:

1. the hidden key sequence at the attract screen, then the demo technician PIN on the keypad
   (the cabinet's operator switch needs no PIN: the key to the cabinet is the credential);
2. the maintenance menu, the device dashboard, back;
3. the printer self-test (a test page comes out of the emulated printer as a receipt PNG);
4. the cashbox review (booked notes; left with Back, so no exchange is committed);
5. "exit and return to service" from the menu, back to the attract screen;
6. the operator switch turned on (straight into the menu), then off: back in service.

Menu entries are chosen by the label shown beside their number, as a technician reading the
screen would, so the tour follows whatever keys the screens offer. Every step waits for its
screen and raises DemoFailed when it does not come; the caller records that in summary.json.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.demo.env import DEMO_TECHNICIAN_PIN, DemoEnvironment
from kiosk.demo.run import DemoFailed, DemoRun, Snapshot
from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from kiosk.technician.audit import KIND as AUDIT_KIND
from kiosk.technician.audit import SESSION as AUDIT_SESSION
from kiosk.technician.mode_router import Owner, TechnicianRouter

SELFTEST = "printer"  # the self-test the tour runs: its proof is a receipt PNG


class _Tour:
    """Steps through maintenance mode; every screen the technician sees is in `run.steps`."""

    def __init__(self, env: DemoEnvironment, snapshot: Snapshot, screens_dir: Path, first: int):
        self.env = env
        self.snapshot = snapshot
        self.screens_dir = screens_dir
        self.first = first
        # screens are photographed on purpose below, once their content has arrived
        self.run = DemoRun(env, lambda model, path: None, screens_dir)
        self.shots: list[Path] = []
        if env.runtime.technician is None:
            raise DemoFailed("this kiosk has no maintenance mode wired")
        self.router: TechnicianRouter = env.runtime.technician.router

    @property
    def controller(self) -> Any:
        return self.env.runtime.controller

    def shot(self, name: str) -> ScreenModel:
        model = self.controller.current_screen()
        path = self.screens_dir / f"{self.first + len(self.shots):02d}-{name}.png"
        self.snapshot(model, path)
        self.shots.append(path)
        return model

    def until(self, predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.run.pump()
            if predicate():
                return
            time.sleep(0.02)
        seen = self.controller.current_screen().screen_id
        raise DemoFailed(f"technician tour: waited {timeout:.0f}s for {what}, screen is {seen}")

    def menu_choice(self, message_id: str) -> None:
        """Presses the number the menu shows beside this entry (in the screen's language)."""
        menu = self.run.wait_for("tech_menu")
        self.run.choose(menu, self.env.runtime.journey.catalog.text(menu.lang, message_id))

    def back_to_menu(self) -> None:
        self.run.press(Key.CANCEL)
        self.run.wait_for("tech_menu")

    def in_service(self) -> bool:
        """Customers own the kiosk again and the attract screen is not 'out of service'."""
        screen = self.controller.current_screen()
        closed = self.env.runtime.journey.catalog.text(screen.lang, "attract_out_of_service")
        return (
            screen.screen_id == "attract"
            and self.router.owner is Owner.CUSTOMER
            and closed not in screen.message
        )


def run_technician_tour(
    env: DemoEnvironment, snapshot: Snapshot, screens_dir: Path, *, first: int = 1
) -> dict[str, object]:
    """Tours maintenance mode; returns the summary's `technician` section.

    Never raises for a step that went wrong: the section then has `ok: false` and `error`, so
    summary.json says where the tour stopped; the caller turns that into a failed demo."""
    tour: _Tour | None = None
    section: dict[str, object] = {"ok": False}
    try:
        tour = _Tour(env, snapshot, screens_dir, first)
        _walk(tour, section)  # fills the section as it goes: a failure keeps what was reached
        section["ok"] = True
    except DemoFailed as exc:
        error = str(exc)
        section["error"] = error if error.startswith("technician") else f"technician tour: {error}"
    if tour is not None:
        section["steps"] = tour.run.steps
        section["screenshots"] = [p.name for p in tour.shots]
        section["journaled"] = _audited(env)
        section.setdefault("returned_to_service", False)
    return section


def _walk(tour: _Tour, out: dict[str, object]) -> None:
    run, env = tour.run, tour.env
    run.wait_for("attract")
    run.steps.append("attract")  # where the technician finds the kiosk
    # 1. hidden keys + PIN: the keys are swallowed at the attract screen, customers see nothing
    run.press(*tour.router.entry.settings.key_sequence)
    run.wait_for("tech_pin")
    run.press(*[Key(d) for d in DEMO_TECHNICIAN_PIN])
    dots = "●" * len(DEMO_TECHNICIAN_PIN)
    tour.until(
        lambda: (box := tour.controller.current_screen().input) is not None and box.value == dots,
        "the PIN prompt to show every digit as a dot",
    )
    tour.shot("tech_pin_entered")
    run.press(Key.ENTER)
    run.wait_for("tech_menu")
    tour.shot("tech_menu")
    # 2. the dashboard, once the first health reading has come back from the worker
    tour.menu_choice("tech_menu_dashboard")
    tour.until(
        lambda: (s := tour.controller.current_screen()).screen_id == "tech_dashboard" and s.body,
        "the device dashboard with its first health reading",
    )
    board = tour.shot("tech_dashboard")
    out["dashboard"] = {"service": board.body[0], "message": board.message}
    tour.back_to_menu()
    # 3. the printer self-test: a test page through the real driver and the emulated printer
    out["selftest"] = outcome = _printer_selftest(tour)
    if outcome["status"] != "pass" or not outcome.get("receipt_matches"):
        raise DemoFailed(f"technician tour: {SELFTEST} self-test {outcome}")
    # 4. the cashbox as booked; Back leaves it untouched (no exchange, no settlement printed)
    tour.menu_choice("tech_menu_cashbox")
    review = run.wait_for("tech_cashbox_review")
    tour.shot("tech_cashbox_review")
    out["cashbox"] = {line.label: line.amount for line in review.amounts}
    tour.back_to_menu()
    # 5. exit from the menu: customers get the kiosk back
    tour.menu_choice("tech_menu_exit")
    run.wait_for("attract")
    if not tour.in_service():
        raise DemoFailed("technician tour: after Exit the kiosk is not in service")
    # 6. the cabinet's operator switch: on opens the menu without a PIN, off closes it
    if not env.toggle_operator_switch():
        raise DemoFailed("technician tour: the demo has no operator switch to turn on")
    switched = run.wait_for("tech_menu")
    out["operator_switch_menu"] = switched.body[0] if switched.body else ""
    tour.shot("tech_menu_operator_switch")
    if env.toggle_operator_switch():
        raise DemoFailed("technician tour: the operator switch did not turn off")
    run.wait_for("attract")
    tour.until(tour.in_service, "the kiosk back in service after the switch went off")
    tour.shot("attract_in_service")
    out["returned_to_service"] = True


def _printer_selftest(tour: _Tour) -> dict[str, object]:
    run, env = tour.run, tour.env
    printer = env.printer_emulator
    before = len(printer.receipts)
    tour.menu_choice("tech_menu_selftests")
    run.choose(run.wait_for("tech_selftests"), SELFTEST)
    result_screen = run.wait_for("tech_selftest_result", timeout=30)
    result = tour.router.mode.result
    if result is None:
        raise DemoFailed(f"technician tour: the {SELFTEST} self-test crashed: {result_screen.body}")
    tour.shot(f"tech_selftest_{SELFTEST}")
    reference = str(dict(result.details).get("reference", ""))
    outcome: dict[str, object] = {
        "test": result.test,
        "status": result.status.value,
        "code": result.code,
        "reference": reference,
    }
    if result.status.value != "pass":
        return outcome  # the caller records it, then fails the tour
    tour.until(lambda: len(printer.receipts) > before, "the test page to come out of the printer")
    receipt = printer.receipts[-1]
    outcome["receipt"] = str(receipt.png_path.relative_to(env.out_dir))
    # the page that came out is this test's: its reference is printed on it
    outcome["receipt_matches"] = bool(reference) and reference in "\n".join(receipt.lines)
    run.press(Key.CANCEL)
    run.wait_for("tech_selftests")
    tour.back_to_menu()
    return outcome


def _audited(env: DemoEnvironment) -> list[str]:
    """What the journal says the technician did (who/what/result, never a PIN)."""
    records = env.runtime.ledger.records(session_id=AUDIT_SESSION)
    return [f"{r.data['what']}:{r.data['result']}" for r in records if r.kind == AUDIT_KIND]
