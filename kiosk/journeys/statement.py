"""Statement steps of the card journey: period -> entries from the core -> printed statement.

Uses the printer helper's document builder (kiosk/documents/statement.py): it paginates the
entries into separately cut pages with "Page i/n" on a receipt printer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kiosk.documents.common import DocContext, mask_pan
from kiosk.documents.statement import (
    LINES_PER_PAGE,
    StatementData,
    StatementEntry,
    paginate,
    statement,
)
from kiosk.journeys.balance_states import State
from kiosk.journeys.card_ports import CardCorePort, StatementFetched
from kiosk.journeys.ports import PrintFinished, PrintPort
from kiosk.money.amount import Money

if TYPE_CHECKING:
    from kiosk.journeys.balance import CardJourney


def fetch(journey: CardJourney, core: CardCorePort, days: int, request_id: str) -> None:
    assert journey.auth is not None
    today = journey.clock.now().astimezone(ZoneInfo(journey.timezone)).date()
    journey._go(State.FETCHING)
    journey.period = (today - timedelta(days=days - 1), today)
    core.request_statement(request_id, journey.auth.session_token, *journey.period)


def _money(wire: dict[str, str], currency: str) -> str:
    return Money.parse(wire["amount"], wire.get("currency", currency)).display()


def build(journey: CardJourney, fetched: StatementFetched) -> tuple[StatementData, DocContext]:
    assert journey.card is not None
    assert journey.period is not None
    start, end = journey.period
    entries = fetched.entries
    now = journey.clock.now().astimezone(ZoneInfo(journey.timezone))
    ctx = DocContext(
        catalog=journey.catalog,
        lang=journey.lang,
        kiosk_id=journey.kiosk_id,
        local_time=now.strftime("%Y-%m-%d %H:%M:%S"),
    )
    oldest = entries[-1]
    opening = Money.parse(oldest["balance"]["amount"], fetched.currency) - Money.parse(
        oldest["amount"]["amount"], fetched.currency
    )
    data = StatementData(
        reference=journey.statement_reference,
        account=mask_pan(journey.card.pan),
        period_from=start.isoformat(),
        period_to=end.isoformat(),
        opening=opening.display(),
        closing=_money(entries[0]["balance"], fetched.currency),
        entries=tuple(
            StatementEntry(e["date"], e["description"], _money(e["amount"], fetched.currency))
            for e in reversed(entries)  # oldest first on paper
        ),
    )
    return data, ctx


def print_statement(
    journey: CardJourney, fetched: StatementFetched, printer: PrintPort | None
) -> None:
    journey.ledger.record(
        journey.session_id, "statement_fetched", {"entries": len(fetched.entries)}
    )
    if not fetched.entries:
        journey._eject("statement_empty", "card_statement_empty")
        return
    if printer is None:
        journey._eject("no_printer", "card_statement_print_failed")
        return
    journey.statement_reference = f"ST{journey.session_id[:8].upper()}"
    data, ctx = build(journey, fetched)
    document = statement(ctx, data)
    journey.pages = len(paginate(ctx, data, LINES_PER_PAGE))
    journey._say("card_printing_statement", journey.pages)
    journey._go(State.PRINTING)
    printer.submit(journey.request_id, document)


def printed_message(event: PrintFinished) -> str:
    return "card_statement_done" if event.result.printed else "card_statement_print_failed"
