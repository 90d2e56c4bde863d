"""The statement journey's own steps after the card session approved: the period, the fetch,
the pages, and every way they end with the card given back (or already gone)."""

from __future__ import annotations

from pathlib import Path

from drivers.card_reader.base import CardRemoved
from drivers.printer.base import PaperStatus, PrintResult
from kiosk.events import Key, KeyPressed
from kiosk.journeys.card_journey import Purpose, State
from kiosk.journeys.card_ports import CoreRequestFailed, StatementFetched
from kiosk.journeys.parts.card_session import CardState
from kiosk.journeys.ports import PrintFinished
from tests.kiosk.test_balance_journey import Rig

ENTRY = {
    "date": "2026-11-20",
    "description": "Supermarket",
    "amount": {"amount": "-12.50", "currency": "CNY"},
    "balance": {"amount": "987.50", "currency": "CNY"},
}


def at_period(tmp_path: Path) -> Rig:
    rig = Rig(tmp_path, Purpose.STATEMENT)
    rig.to_pin()
    rig.type_pin("1234")
    rig.authorize(approved=True, tries_left=3, retain_card=False, session_token="tok")
    assert rig.journey.state is State.CHOOSE_PERIOD
    screen = rig.journey.screen()
    assert screen.screen_id == "card_choose_period" and screen.cancel_label
    return rig


def message(rig: Rig, message_id: str) -> str:
    return rig.journey.catalog.text("en", message_id)


def test_an_empty_statement_gives_the_card_back_and_says_so(tmp_path: Path) -> None:
    rig = at_period(tmp_path)
    rig.send(KeyPressed(Key.D1))
    assert rig.journey.state is State.FETCHING and not rig.journey.screen().cancel_label
    rid, start, end = rig.core.statements[0]
    assert (end - start).days == 29
    rig.send(StatementFetched(rid, (), "CNY"))
    assert rig.journey.card.state is CardState.TAKE_CARD and rig.printer.jobs == []
    assert rig.journey.screen().message == message(rig, "card_statement_empty")


def test_a_core_failure_while_fetching_gives_the_card_back(tmp_path: Path) -> None:
    rig = at_period(tmp_path)
    rig.send(KeyPressed(Key.D2))
    rig.send(CoreRequestFailed(rig.core.statements[0][0], "CORE_UNREACHABLE", transient=True))
    assert rig.journey.card.state is CardState.TAKE_CARD and rig.reader.ejects == 1
    assert rig.journey.screen().message == message(rig, "core_unreachable")


def test_a_failed_print_is_said_on_the_take_card_screen(tmp_path: Path) -> None:
    rig = at_period(tmp_path)
    rig.send(KeyPressed(Key.D1))
    rig.send(StatementFetched(rig.core.statements[0][0], (ENTRY,), "CNY"))
    assert rig.journey.screen().message.startswith(message(rig, "card_printing_statement"))
    job_id, _ = rig.printer.jobs[0]
    rig.send(PrintFinished(job_id, PrintResult(printed=False, status=PaperStatus.PAPER_OUT)))
    screen = rig.journey.screen()
    assert rig.journey.card.state is CardState.TAKE_CARD
    assert screen.message == message(rig, "card_statement_print_failed")
    assert screen.tone.value == "error"


def test_a_card_pulled_while_fetching_ends_and_the_late_entries_change_nothing(
    tmp_path: Path,
) -> None:
    rig = at_period(tmp_path)
    rig.send(KeyPressed(Key.D1))
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.DONE
    assert rig.journey.screen().message == message(rig, "card_error_removed")
    rig.send(StatementFetched(rig.core.statements[0][0], (ENTRY,), "CNY"))
    assert rig.printer.jobs == [] and rig.journey.state is State.DONE


def test_no_period_chosen_in_time_gives_the_card_back(tmp_path: Path) -> None:
    rig = at_period(tmp_path)
    rig.clock.advance(rig.journey.timeouts.menu + 1)
    rig.journey.tick()
    assert rig.journey.card.state is CardState.TAKE_CARD
    ejected = [r for r in rig.ledger.records() if r.kind == "card_ejected"]
    assert ejected[0].data["reason"] == "customer_timeout"


def test_a_customer_who_leaves_at_the_period_gets_the_card_back(tmp_path: Path) -> None:
    rig = at_period(tmp_path)
    rig.journey.abandon()
    assert rig.journey.card.state is CardState.TAKE_CARD
    ejected = [r for r in rig.ledger.records() if r.kind == "card_ejected"]
    assert ejected[0].data["reason"] == "cancelled"
    rig.send(CardRemoved("card"))
    assert rig.journey.done
