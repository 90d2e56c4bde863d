"""The services menu: attract → language → menu → a service → attract, and who gets which event."""

from __future__ import annotations

from pathlib import Path

from drivers.cash.base import NoteCredited
from drivers.coin.base import CoinCredited
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment import State
from kiosk.journeys.kiosk_session import KioskSession, MenuEntry, SessionState
from kiosk.journeys.ports import BillsFetched
from kiosk.journeys.screen_model import ScreenModel
from tests.kiosk.journey_fixtures import BILL, Rig, make_rig


def _session(rig: Rig) -> KioskSession:
    return KioskSession(
        entries=(MenuEntry("service_pay_bill", rig.journey),),
        fallback=rig.journey,
        catalog=load_catalog(),
        clock=rig.clock,
        timeouts=rig.journey.timeouts,
        default_language="zh_CN",
    )


def _press(session: KioskSession, *keys: Key | str) -> None:
    for key in keys:
        session.handle(KeyPressed(Key(key) if isinstance(key, str) else key))


def test_menu_starts_the_bill_payment_in_the_chosen_language_and_returns_to_attract(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    session = _session(rig)
    assert session.screen().screen_id == "attract"
    _press(session, Key.ENTER, "2")
    menu = session.screen()
    assert menu.screen_id == "menu" and menu.title == "Choose a service"
    assert [c.label for c in menu.choices] == ["Pay a utility bill"]
    _press(session, "1")
    assert session.state is SessionState.SERVICE
    assert session.screen().screen_id == "choose_biller"
    assert session.screen().title == "Choose what to pay"
    _press(session, Key.CANCEL)
    assert rig.journey.state is State.ATTRACT
    assert session.state is SessionState.ATTRACT and session.active is None


def test_cash_events_between_customers_go_to_the_fallback_and_are_accounted(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    session = _session(rig)
    session.handle(NoteCredited("cash", 3, 1000, "CNY"))
    assert rig.outbox.status().pending == 1, "an unexpected note is queued and flagged"


class CashlessService:
    """A service that takes no cash (like reprint or balance): it records what reaches it."""

    timeout_factor = 1.0

    def __init__(self) -> None:
        self.seen: list[object] = []
        self.done = True

    def begin(self, lang: str) -> None:
        self.done = False

    def handle(self, event: object) -> None:
        self.seen.append(event)

    def tick(self) -> None:
        pass

    def screen(self) -> ScreenModel:
        return ScreenModel(screen_id="cashless", lang="en", title="Reprint")

    def abandon(self) -> None:
        self.done = True

    def available(self) -> bool:
        return True


def test_a_coin_dropped_during_a_cashless_service_is_still_booked(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    cashless = CashlessService()
    session = KioskSession(
        entries=(MenuEntry("service_reprint", cashless),),
        fallback=rig.journey,
        catalog=load_catalog(),
        clock=rig.clock,
        timeouts=rig.journey.timeouts,
        default_language="zh_CN",
    )
    _press(session, Key.ENTER, "2", "1")
    assert session.active is cashless
    session.handle(CoinCredited("coin", 1, 100, "CNY", event_counter=1))
    assert not any(isinstance(e, CoinCredited) for e in cashless.seen)
    assert rig.outbox.status().pending == 1, "the coin is queued as a flagged deposit"


def test_results_reach_the_active_service_and_the_menu_times_out(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    session = _session(rig)
    _press(session, Key.ENTER, "1", "1", "1")
    _press(session, *"1234567890", Key.ENTER)
    session.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert session.screen().screen_id == "bill_details"
    other = make_rig(tmp_path / "other")
    idle = _session(other)
    _press(idle, Key.ENTER)
    other.clock.advance(idle.timeouts.menu - idle.timeouts.warning + 1)
    idle.tick()
    assert idle.screen().countdown is not None
    other.clock.advance(idle.timeouts.warning)
    idle.tick()
    assert idle.state is SessionState.ATTRACT


def test_without_any_available_service_the_attract_screen_says_so(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.lookup.listed = ()
    session = _session(rig)
    assert "out of service" in session.screen().message


def test_a_service_that_cannot_be_used_now_keeps_its_number_and_says_why(
    tmp_path: Path,
) -> None:
    """Menu numbers never move: a customer (or a blind customer's memory) can rely on them."""
    rig = make_rig(tmp_path)
    reprint = CashlessService()
    session = KioskSession(
        entries=(MenuEntry("service_pay_bill", rig.journey), MenuEntry("service_reprint", reprint)),
        fallback=rig.journey,
        catalog=load_catalog(),
        clock=rig.clock,
        timeouts=rig.journey.timeouts,
        default_language="zh_CN",
    )
    rig.lookup.listed = ()  # no billers from the core: bill payment cannot be offered
    _press(session, Key.ENTER, "2")
    menu = session.screen()
    assert [(c.key, c.label, c.enabled) for c in menu.choices] == [
        ("1", "Pay a utility bill (not available now)", False),
        ("2", "Reprint a receipt", True),
    ]
    _press(session, "1")
    assert session.state is SessionState.MENU
    assert (
        session.screen().message == "That service is not available right now. Please choose another"
    )
    _press(session, "2")
    assert session.active is reprint


def test_large_text_is_reset_for_the_next_customer(tmp_path: Path) -> None:
    from kiosk.events import EventBus
    from kiosk.runtime.controller import JourneyController

    rig = make_rig(tmp_path)
    controller = JourneyController(EventBus(), _session(rig))
    controller.pump()
    for key in (Key.ENTER, Key.THEME, Key.D2):
        controller.press(key)
        controller.pump()
    assert controller.large_text and controller.current_screen().screen_id == "menu"
    controller.press(Key.CANCEL)
    controller.pump()
    assert controller.current_screen().screen_id == "attract"
    assert not controller.large_text, "large text stays on for no one but its customer"
