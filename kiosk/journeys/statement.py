"""Statement printing: card -> PIN -> authorization -> period -> entries -> pages -> card back.

1. the card session (kiosk/journeys/parts/card_session.py): insert or swipe, read, PIN on the
   pad, authorization with purpose "statement"; it holds the card once approved;
2. the customer picks the period (30 or 90 days); Cancel or the timeout give the card back;
3. the entries are fetched from the core with the session token of the authorization;
4. the statement is printed on separately cut pages with "Page i/n" (kiosk/documents/statement.py)
   while the card waits; then the card is given back with the printer's real outcome said.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from drivers.card_reader.emv.card_data import CardData
from kiosk.documents.common import DocContext, mask_pan
from kiosk.documents.statement import (
    LINES_PER_PAGE,
    StatementData,
    StatementEntry,
    paginate,
    statement,
)
from kiosk.events import Key, KeyPressed
from kiosk.journeys import statement_screens as screens
from kiosk.journeys.card_journey import CardJourney, Purpose, Said, State, printing_screen
from kiosk.journeys.card_ports import AuthResult, CoreRequestFailed, StatementFetched
from kiosk.journeys.ports import PrintFinished
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money

PERIODS = {"1": 30, "2": 90}  # choice key -> days, today included


class StatementJourney(CardJourney):
    purpose = Purpose.STATEMENT

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request_id = ""  # the statement fetch, then its print job
        self.period: tuple[date, date] | None = None
        self.statement_reference = ""
        self.pages = 0

    # 1 -> 2: approved, the card stays in while the period is chosen ------------------------------

    def approved(self, card: CardData, auth: AuthResult) -> None:
        self.go(State.CHOOSE_PERIOD, self.timeouts.menu)

    def on_event(self, event: object) -> None:
        match event:
            case KeyPressed(key=key) if self.state is State.CHOOSE_PERIOD:
                if key.value in PERIODS:
                    self._fetch(PERIODS[key.value])
                elif key is Key.CANCEL:
                    self.give_back("cancelled")
            case StatementFetched(request_id=rid) if rid and rid == self.request_id:
                self._print(event)
            case CoreRequestFailed(request_id=rid) if rid and rid == self.request_id:
                self.give_back("core_failed", "core_unreachable")
            case PrintFinished(job_id=job) if job and job == self.request_id:
                printed = event.result.printed
                message = "card_statement_done" if printed else "card_statement_print_failed"
                self.give_back("statement_printed", message)

    def on_timeout(self) -> None:
        if self.state is State.CHOOSE_PERIOD:
            self.give_back("customer_timeout")

    # 3: the entries ---------------------------------------------------------------------------

    def _fetch(self, days: int) -> None:
        auth = self.card.auth
        assert auth is not None
        today = self.clock.now().astimezone(ZoneInfo(self.timezone)).date()
        self.period = (today - timedelta(days=days - 1), today)
        self.request_id = str(uuid.uuid4())
        self.go(State.FETCHING)
        self.core.request_statement(self.request_id, auth.session_token, *self.period)

    # 4: the pages, then the card --------------------------------------------------------------

    def _print(self, fetched: StatementFetched) -> None:
        self._journal("statement_fetched", entries=len(fetched.entries))
        if not fetched.entries:
            self.give_back("statement_empty", "card_statement_empty")
            return
        if self.printer is None:
            self.give_back("no_printer", "card_statement_print_failed")
            return
        self.statement_reference = f"ST{self.session_id[:8].upper()}"
        data, ctx = self._statement(fetched)
        self.pages = len(paginate(ctx, data, LINES_PER_PAGE))
        self.go(State.PRINTING, said=Said("card_printing_statement", self.pages))
        self.printer.submit(self.request_id, statement(ctx, data))

    def _statement(self, fetched: StatementFetched) -> tuple[StatementData, DocContext]:
        """Oldest entry first on paper; the account is the masked PAN only."""
        card = self.card.card
        assert card is not None and self.period is not None
        start, end = self.period
        entries, currency = fetched.entries, fetched.currency
        now = self.clock.now().astimezone(ZoneInfo(self.timezone))
        ctx = DocContext(
            catalog=self.catalog,
            lang=self.lang,
            kiosk_id=self.kiosk_id,
            local_time=now.strftime("%Y-%m-%d %H:%M:%S"),
        )
        oldest = entries[-1]
        opening = Money.parse(oldest["balance"]["amount"], currency) - Money.parse(
            oldest["amount"]["amount"], currency
        )
        data = StatementData(
            reference=self.statement_reference,
            account=mask_pan(card.pan),
            period_from=start.isoformat(),
            period_to=end.isoformat(),
            opening=opening.display(),
            closing=_money(entries[0]["balance"], currency),
            entries=tuple(
                StatementEntry(e["date"], e["description"], _money(e["amount"], currency))
                for e in reversed(entries)
            ),
        )
        return data, ctx

    def own_screen(self) -> ScreenModel:
        if self.state is State.CHOOSE_PERIOD:
            return screens.choose_period(self.ctx)
        if self.state is State.FETCHING:
            return screens.fetching(self.ctx)
        return printing_screen(self.ctx, self.said)


def _money(wire: dict[str, str], currency: str) -> str:
    return Money.parse(wire["amount"], wire.get("currency", currency)).display()
