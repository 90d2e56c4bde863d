"""Scan your bill, in the bill payment, driven by events and a fake clock: a scanned bill goes
straight to the look-up; each refused code is told (and journaled) and the customer can key the
account instead; a scanner that is unplugged or absent takes the choice away with nothing lost."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.scanner.base import CodeScanned, ScanFailed, ScannerStateChanged
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment import State
from kiosk.journeys.bill_payment_scan import ScannerOffer
from kiosk.journeys.ports import BillLookupFailed, BillsFetched
from kiosk.journeys.screen_model import Tone
from kiosk.money.bill_code import BillCode
from tests.kiosk.journey_fixtures import BILL, Rig, make_rig

CODE = "BP1/SGCC/1234567890/12550/B-SGCC-2026-10-0001/04"
CATALOG = load_catalog()


@dataclass
class FakeScanner:
    up: bool = True

    def offer(self) -> ScannerOffer:
        return ScannerOffer("scanner", lambda: self.up)


@pytest.fixture
def scanner() -> FakeScanner:
    return FakeScanner()


@pytest.fixture
def rig(tmp_path: Path, scanner: FakeScanner) -> Rig:
    made = make_rig(tmp_path)
    made.journey.scanner = scanner.offer()
    return made


def scan(rig: Rig, text: str) -> None:
    rig.journey.handle(CodeScanned("scanner", text))


def records(rig: Rig, kind: str) -> list[dict[str, object]]:
    return [r.data for r in rig.ledger.records() if r.kind == kind]


def test_scanning_is_the_first_screen_and_a_scanned_bill_goes_to_the_look_up(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    assert j.state is State.SCAN_BILL
    screen = j.screen()
    assert (screen.screen_id, screen.title) == ("scan_bill", "Scan your bill")
    assert [(c.key, c.label) for c in screen.choices] == [("1", "Key the account number instead")]
    assert screen.cancel_label and screen.language_label

    scan(rig, CODE)
    assert j.state is State.FETCHING_BILL
    assert rig.lookup.requests[-1][1:] == ("SGCC", "1234567890")
    j.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert j.state is State.BILL_DETAILS
    assert j.session.biller is not None and j.session.biller.code == "SGCC"
    assert records(rig, "bill_scanned") == [{"biller": "SGCC", "bill_id": "B-SGCC-2026-10-0001"}]
    assert "1234567890" not in str(records(rig, "bill_scanned"))
    rig.press(Key.ENTER)
    assert j.state is State.INSERT_CASH  # and on as a keyed bill would go


def tampered() -> str:
    return CODE[:-2] + "57"


@pytest.mark.parametrize(
    ("event", "message_id", "code"),
    [
        (CodeScanned("scanner", "6901234567892"), "bill_code_foreign", "BILL_CODE_FOREIGN"),
        (
            CodeScanned("scanner", BillCode("TELCO", "138", 100, "B-1").text()),
            "bill_code_foreign",
            "BILL_CODE_FOREIGN",
        ),
        (CodeScanned("scanner", tampered()), "bill_code_tampered", "BILL_CODE_TAMPERED"),
        (CodeScanned("scanner", "BP1/SGCC//"), "bill_code_unreadable", "BILL_CODE_UNREADABLE"),
        (ScanFailed("scanner", "SCANNER_GARBAGE"), "bill_code_unreadable", "BILL_CODE_UNREADABLE"),
    ],
)
@pytest.mark.parametrize("lang_key", ["1", "2"])
def test_a_refused_code_is_told_and_the_customer_keys_the_account_instead(
    rig: Rig, event: object, message_id: str, code: str, lang_key: str
) -> None:
    j = rig.journey
    rig.press(Key.ENTER, lang_key)
    j.handle(event)
    assert j.state is State.SCAN_BILL
    screen = j.screen()
    lang = "zh_CN" if lang_key == "1" else "en"
    assert screen.message == CATALOG.text(lang, message_id)
    assert screen.tone is Tone.ERROR
    assert screen.message in screen.visible_texts()  # so voice mode says it
    assert [r["code"] for r in records(rig, "bill_scan_refused")] == [code]
    assert rig.lookup.requests == []

    rig.press("1")  # key the account instead
    assert j.state is State.CHOOSE_BILLER
    rig.press("1")
    assert j.state is State.ENTER_ACCOUNT
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    assert j.state is State.FETCHING_BILL
    assert rig.lookup.requests[-1][1:] == ("SGCC", "1234567890")


def test_after_a_refusal_a_good_scan_still_reads_and_a_key_clears_the_message(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    scan(rig, tampered())
    rig.press(Key.D5)  # means nothing here, but the message has been seen
    assert j.state is State.SCAN_BILL and j.screen().message == ""
    scan(rig, CODE.lower())  # a wedge scanner with Caps Lock on
    assert j.state is State.FETCHING_BILL


def test_a_scanned_account_the_core_does_not_know_is_keyed_again_from_what_was_scanned(
    rig: Rig,
) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    scan(rig, BillCode("SGCC", "5555555555", 100, "B-X").text())
    j.handle(BillLookupFailed(rig.lookup.requests[-1][0], "UNKNOWN_ACCOUNT", transient=False))
    assert j.state is State.NOTICE
    rig.press(Key.ENTER)
    assert j.state is State.ENTER_ACCOUNT
    assert j.screen().input is not None and j.screen().input.value == "5555555555"


def test_the_scanner_unplugged_on_the_scan_screen_takes_the_customer_to_keying(
    rig: Rig, scanner: FakeScanner
) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    scanner.up = False
    j.handle(ScannerStateChanged("scanner", DeviceState.OFFLINE, "serial port lost"))
    assert j.state is State.CHOOSE_BILLER
    assert j.screen().message == CATALOG.text("en", "bill_scan_unavailable")
    assert records(rig, "bill_scan_unavailable") == [{}]
    rig.press("1")
    assert j.state is State.ENTER_ACCOUNT  # nothing lost: the keyed path goes on as before
    scan(rig, CODE)  # a late scan on another screen is not taken
    assert j.state is State.ENTER_ACCOUNT and rig.lookup.requests == []

    j.to_attract()
    rig.press(Key.ENTER, "2")
    assert j.state is State.CHOOSE_BILLER, "no scan choice while the scanner is offline"
    scanner.up = True
    j.to_attract()
    rig.press(Key.ENTER, "2")
    assert j.state is State.SCAN_BILL, "offered again once it is back"


def test_a_scanner_gone_without_its_event_reaching_the_journey_is_noticed_on_the_tick(
    rig: Rig, scanner: FakeScanner
) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    scanner.up = False
    j.tick()
    assert j.state is State.CHOOSE_BILLER


def test_another_devices_events_do_not_reach_the_scan_step(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    j.handle(ScannerStateChanged("other_scanner", DeviceState.OFFLINE))
    j.handle(CodeScanned("other_scanner", CODE))
    assert j.state is State.SCAN_BILL


def test_the_scan_screen_counts_down_and_times_out_to_attract(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    rig.clock.advance(j.timeouts.menu - j.timeouts.warning + 1)
    j.tick()
    assert j.screen().countdown is not None
    rig.clock.advance(j.timeouts.warning)
    j.tick()
    assert j.state is State.ATTRACT


def test_cancel_on_the_scan_screen_returns_to_attract(rig: Rig) -> None:
    rig.press(Key.ENTER, "2", Key.CANCEL)
    assert rig.journey.state is State.ATTRACT


def test_without_a_scanner_the_journey_is_unchanged(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.press(Key.ENTER, "2")
    assert rig.journey.state is State.CHOOSE_BILLER
    rig.journey.handle(CodeScanned("scanner", CODE))
    assert rig.journey.state is State.CHOOSE_BILLER and rig.journey.screen().message == ""


def test_a_scanned_bill_that_is_not_the_one_due_first_is_said_on_the_bill_screen(
    rig: Rig,
) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    scan(rig, BillCode("SGCC", "1234567890", 9640, "B-SGCC-2026-11-0009").text())
    j.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert j.state is State.BILL_DETAILS
    screen = j.screen()
    assert screen.message == CATALOG.text("en", "bill_scan_other_bill")
    assert screen.amounts[0].amount == "¥125.50", "the core's bill, never the code's amount"


def test_the_scanned_bill_itself_shows_no_note_and_a_keyed_account_forgets_the_scan(
    rig: Rig,
) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2")
    scan(rig, BillCode(BILL.biller, BILL.account, BILL.amount_due.minor, BILL.bill_id).text())
    j.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert j.screen().message == ""
    j.to_attract()
    rig.press(Key.ENTER, "2")
    scan(rig, BillCode("SGCC", "5555555555", 100, "B-X").text())
    j.handle(BillLookupFailed(rig.lookup.requests[-1][0], "UNKNOWN_ACCOUNT", transient=False))
    rig.press(Key.ENTER)  # the notice: key the account again
    for _ in range(10):
        rig.press(Key.CLEAR)
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    j.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert j.state is State.BILL_DETAILS and j.screen().message == ""


@pytest.mark.parametrize("lang_key", ["1", "2"])
def test_a_blind_customer_hears_the_scan_screen_and_each_refusal_as_what_changed(
    rig: Rig, lang_key: str
) -> None:
    from kiosk.speech.script import screen_script

    j = rig.journey
    rig.press(Key.ENTER, lang_key)
    before = j.screen()
    said = [u.says for u in screen_script(before, CATALOG)]
    lang = before.lang
    assert CATALOG.text(lang, "scan_title") in said[0]
    assert any(CATALOG.text(lang, "scan_key_instead") in s for s in said), "1: key instead"
    scan(rig, tampered())
    after = j.screen()
    old = {u.shows for u in screen_script(before, CATALOG)}
    new = [u for u in screen_script(after, CATALOG) if u.shows and u.shows not in old]
    assert [u.shows for u in new] == [CATALOG.text(lang, "bill_code_tampered")]


def test_a_second_refusal_reads_as_a_new_line_so_voice_mode_says_it_again(rig: Rig) -> None:
    from kiosk.speech.script import screen_script

    j = rig.journey
    rig.press(Key.ENTER, "2")
    scan(rig, tampered())
    first = j.screen()
    scan(rig, tampered().replace("1234567890", "1234567809"))
    second = j.screen()
    reason = CATALOG.text("en", "bill_code_tampered")
    assert first.message == reason
    assert second.message == f"Scan 2: {reason}"
    old = {u.shows for u in screen_script(first, CATALOG)}
    assert [u.shows for u in screen_script(second, CATALOG) if u.shows not in old] == [
        second.message
    ]
    assert len(records(rig, "bill_scan_refused")) == 2
