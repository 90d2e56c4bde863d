"""Technician entry: card + PIN, operator switch, hidden keys + PIN; lockout; safe points."""

from __future__ import annotations

import io
import json
import time
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from drivers.card_reader.base import CardInserted, CardRemoved
from drivers.card_reader.emv.card_data import CardData
from drivers.card_reader.emv.read import read_card
from drivers.card_reader.pcscd_runner import PrivatePcscd
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from drivers.cash.base import NoteCredited, NoteInEscrow
from drivers.sensors.operator_switch import EmulatedOperatorSwitch, OperatorSwitchChanged
from kiosk.card.startup import SETTLED
from kiosk.cli.main import main
from kiosk.clock import SystemClock
from kiosk.errors import ConfigError
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.card_ports import CardReadDone
from kiosk.journeys.kiosk_session import SessionState
from kiosk.journeys.ports import BillsFetched
from kiosk.money.journal import JournalEntry
from kiosk.runtime.app import KioskRuntime, build_kiosk
from kiosk.runtime.config import load_config, parse_config
from kiosk.runtime.registry import DeviceContext, default_registry
from kiosk.technician.entry_config import TechnicianSettings, parse_technician
from kiosk.technician.mode_router import Owner
from offline_queue.events import TransactionAccepted
from tests.e2e.card_env import pcscd  # noqa: F401 - fixture
from tests.kiosk.journey_fixtures import BILL
from tests.kiosk.technician.tech_rig import FIELD_PIN_HASH, PIN, TechRig, make_tech

TODAY = date(2026, 11, 23)
WRONG = "135791"


def card(profile: str) -> CardData:
    return read_card(VirtualCard(load_profile(profile)).process, today=TODAY)


class FakeCardReads:
    """The reader port: the router asks for a read when a card arrives at the attract screen."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str | None]] = []

    def request_read(self, request_id: str, aid: str | None = None) -> None:
        self.requests.append((request_id, aid))


def pin(rig: TechRig, digits: str = PIN) -> None:
    rig.press(*digits)
    rig.press(Key.ENTER)


def entry_results(rig: TechRig) -> list[tuple[str, str, str]]:
    return [(a["who"], a["what"], a["result"]) for a in rig.actions()]


def all_journal_text(tmp_path: Path) -> str:
    from offline_queue.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    with Session(engine) as s:
        text = "\n".join(e.data for e in s.execute(select(JournalEntry)).scalars())
    engine.dispose()
    return text


# ---------------------------------------------------------------------- the three ways in


def test_hidden_key_sequence_then_pin_opens_maintenance_mode(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    rig.hidden_sequence()
    assert rig.session.state is SessionState.ATTRACT  # the customer side never saw the keys
    prompt = rig.screen()
    assert prompt.screen_id == "tech_pin" and prompt.input is not None and prompt.input.secret
    rig.press(*PIN[:4])
    shown = rig.screen()
    assert shown.input is not None and shown.input.value == "●●●●"
    assert not any(PIN[:4] in text for text in shown.visible_texts())
    rig.press(*PIN[4:], Key.ENTER)
    menu = rig.screen()
    assert menu.screen_id == "tech_menu" and rig.router.owner is Owner.MAINTENANCE
    assert [c.key for c in menu.choices] == ["1", "2", "3", "4", "5"]
    assert entry_results(rig) == [
        ("keypad", "pin_check", "ok"),
        ("keypad", "entry", "granted"),
        ("keypad", "mode", "entered"),
    ]
    assert PIN not in all_journal_text(tmp_path)


def test_a_broken_sequence_is_an_ordinary_customer_key(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    rig.press("cancel", "cancel", "1")  # "1" breaks the sequence and wakes the kiosk
    assert rig.session.state is SessionState.LANGUAGE
    assert rig.screen().screen_id == "language"


def test_technician_card_then_pin(tmp_path: Path) -> None:
    settings = TechnicianSettings(
        pin_hash=make_tech(tmp_path / "x").entry.settings.pin_hash,
        card_ids={"9999000000000046": "T-0042"},
    )
    rig = make_tech(tmp_path, settings=settings)
    reads = FakeCardReads()
    rig.router.cards = reads
    rig.event(CardInserted("card", "3B00"))
    request_id, aid = reads.requests[-1]
    assert aid == "F04B494F534B54"  # the technician application is asked for by its AID
    rig.event(CardReadDone(request_id, card("technician")))
    prompt = rig.screen()
    assert prompt.screen_id == "tech_pin"
    assert "T-0042" in " ".join(prompt.visible_texts())
    pin(rig)
    assert rig.screen().screen_id == "tech_menu"
    assert ("T-0042", "mode", "entered") in entry_results(rig)
    assert rig.actions()[-1]["method"] == "card"


def test_a_customer_card_at_the_attract_screen_is_not_a_way_in(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    reads = FakeCardReads()
    rig.router.cards = reads
    rig.event(CardInserted("card", "3B00"))
    rig.event(CardReadDone(reads.requests[-1][0], card("unionpay_debit")))
    assert rig.screen().screen_id == "attract" and rig.actions() == []


def test_operator_switch_opens_the_mode_without_a_pin_and_closing_it_returns_to_service(
    tmp_path: Path,
) -> None:
    rig = make_tech(tmp_path)
    switch = EmulatedOperatorSwitch("operator_switch", rig.bus.publish)
    switch.open()
    switch.turn_on()
    rig.pump()
    assert rig.screen().screen_id == "tech_menu"
    switch.turn_off()
    rig.pump()
    assert rig.screen().screen_id == "attract" and rig.router.owner is Owner.CUSTOMER
    assert entry_results(rig) == [
        ("operator-switch", "entry", "granted"),
        ("operator-switch", "mode", "entered"),
        ("operator-switch", "mode", "exited"),
    ]
    assert rig.actions()[-1]["reason"] == "operator_switch_off"


# ---------------------------------------------------------------------- PIN failures


def test_three_wrong_pins_lock_entry_out_even_across_a_restart(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    rig.hidden_sequence()
    pin(rig, WRONG)
    wrong = rig.screen()
    assert wrong.screen_id == "tech_pin" and wrong.message == "密码错误"  # kiosk default zh_CN
    assert wrong.input is not None and wrong.input.hint == "还可尝试 2 次"
    pin(rig, WRONG)
    pin(rig, WRONG)
    locked = rig.screen()
    assert locked.screen_id == "tech_notice" and "2026-11-23 16:30:00" in locked.message
    rig.press(Key.CANCEL)
    assert rig.screen().screen_id == "attract"

    restarted = make_tech(tmp_path)  # a new process on the same database, same wall clock
    restarted.hidden_sequence()
    assert restarted.screen().screen_id == "tech_notice"  # no PIN prompt at all
    assert restarted.actions()[-1] | {"who": "keypad"} == {
        "who": "keypad",
        "what": "entry",
        "result": "refused",
        "method": "key_sequence",
        "reason": "locked_out",
    }
    restarted.press(Key.CANCEL)
    restarted.tick(901)  # the lockout period is over
    restarted.hidden_sequence()
    pin(restarted)
    assert restarted.screen().screen_id == "tech_menu"
    results = [(a["what"], a["result"]) for a in restarted.actions()]
    assert results[:4] == [("pin_check", "failed")] * 3 + [("lockout", "locked")]
    journal = all_journal_text(tmp_path)
    assert WRONG not in journal and PIN not in journal


def test_pin_entry_times_out_back_to_the_customer_screen(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    rig.hidden_sequence()
    rig.press("1", "2")
    rig.tick(31)
    assert rig.screen().screen_id == "attract"
    assert entry_results(rig)[-1] == ("keypad", "entry", "timed_out")


def test_without_a_pin_hash_pin_entry_is_refused(tmp_path: Path) -> None:
    rig = make_tech(tmp_path, pin_hash=None)
    rig.hidden_sequence()
    notice = rig.screen()
    assert notice.screen_id == "tech_notice"
    assert rig.actions()[-1]["reason"] == "no_pin_hash"


# ---------------------------------------------------------------------- safe points


def _to_insert_cash(rig: TechRig) -> None:
    rig.press(Key.ENTER, "2", "1", "1")  # wake, English, pay a bill, the first biller
    rig.press(*"1234567890", Key.ENTER)
    rig.event(BillsFetched(rig.base.lookup.requests[-1][0], (BILL,)))
    rig.press(Key.ENTER)


def test_entry_waits_while_money_is_in_escrow_and_takes_over_after_the_customer(
    tmp_path: Path,
) -> None:
    rig = make_tech(tmp_path)
    _to_insert_cash(rig)
    assert rig.screen().screen_id == "insert_cash"
    rig.event(NoteInEscrow("cash", 1, 10000, "CNY"))
    rig.event(OperatorSwitchChanged("operator_switch", True))
    assert rig.screen().screen_id != "tech_menu"  # the customer keeps the kiosk
    assert rig.actions()[-1]["result"] == "refused"
    assert rig.actions()[-1]["reason"] == "money_in_escrow"
    assert rig.router.holds_money_or_card()
    rig.event(NoteCredited("cash", 1, 10000, "CNY"))
    rig.event(NoteInEscrow("cash", 2, 5000, "CNY"))
    rig.event(NoteCredited("cash", 2, 5000, "CNY"))
    rig.tick()
    assert rig.router.owner is Owner.CUSTOMER and rig.router.holds_money_or_card()
    rig.press(Key.ENTER)  # pay
    rig.base.finish_print()
    job = rig.base.journey
    rig.event(TransactionAccepted(job.session.txn_id, "CR1", False))
    rig.press(Key.ENTER)  # thank you -> attract
    rig.tick()
    assert rig.session.state is SessionState.ATTRACT
    assert rig.screen().screen_id == "tech_menu"  # taken over at the safe point
    assert "payment_committed" in rig.base.kinds()  # the customer's payment completed first
    assert entry_results(rig)[-2:] == [
        ("operator-switch", "entry", "granted"),
        ("operator-switch", "mode", "entered"),
    ]


def test_entry_refused_while_a_customer_card_is_inside(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    rig.press(Key.ENTER)  # a customer wakes the kiosk
    rig.event(CardInserted("card", "3B00"))
    rig.event(OperatorSwitchChanged("operator_switch", True))
    assert rig.actions()[-1]["reason"] == "card_inside"
    rig.event(CardRemoved("card"))
    rig.tick(46)  # the customer walked away: the menu times out to attract
    assert rig.screen().screen_id == "tech_menu"


def test_switch_turned_back_before_the_safe_point_withdraws_the_request(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    rig.press(Key.ENTER)
    rig.event(OperatorSwitchChanged("operator_switch", True))
    rig.event(OperatorSwitchChanged("operator_switch", False))
    rig.tick(46)
    assert rig.screen().screen_id == "attract"
    assert [a["result"] for a in rig.actions()] == ["refused", "withdrawn"]


# ---------------------------------------------------------------------- config


def test_pin_hash_comes_from_the_environment_or_a_file_never_in_clear(tmp_path: Path) -> None:
    env_settings = parse_technician({"pin_hash_env": "TECH_PIN"}, {"TECH_PIN": FIELD_PIN_HASH})
    assert env_settings.pin_hash is not None and env_settings.pin_hash.matches(PIN)
    assert not env_settings.pin_hash.matches(WRONG)
    assert FIELD_PIN_HASH.split("$")[3] not in repr(env_settings)
    stored = tmp_path / "tech_pin_hash"
    stored.write_text(FIELD_PIN_HASH + "\n")
    assert parse_technician({"pin_hash_file": str(stored)}).pin_hash is not None
    with pytest.raises(ConfigError, match="pbkdf2_sha256"):
        parse_technician({"pin_hash_env": "TECH_PIN"}, {"TECH_PIN": PIN})  # a clear PIN
    with pytest.raises(ConfigError, match="TECH_PIN"):
        parse_technician({"pin_hash_env": "TECH_PIN"}, {})
    with pytest.raises(ConfigError, match="technician.pin_hash_evn"):
        parse_technician({"pin_hash_evn": "TECH_PIN"})  # a typo is named, not ignored
    with pytest.raises(ConfigError, match="key_sequence"):
        parse_technician({"key_sequence": ["cancel", "bogus", "x", "y"]})


def test_technician_cards_are_recognised_by_aid_and_pan_range() -> None:
    settings = TechnicianSettings()
    tech = card("technician")
    assert settings.technician_for_card(tech.aid, tech.pan) == "card-0046"
    debit = card("unionpay_debit")
    assert settings.technician_for_card(debit.aid, debit.pan) is None
    assert settings.technician_for_card(tech.aid, "9999100000000046") is None  # out of range


def test_journal_records_of_entry_are_chained(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    rig.hidden_sequence()
    pin(rig, WRONG)
    assert rig.base.ledger.check().intact
    data = json.dumps(rig.actions())
    assert WRONG not in data


def test_pin_hash_command_prints_a_hash_that_matches_and_never_the_pin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    assert main(["technician", "pin-hash", "--stdin"]) == 0
    out = capsys.readouterr().out.strip()
    assert PIN not in out
    stored = parse_technician({"pin_hash_env": "H"}, {"H": out}).pin_hash
    assert stored is not None and stored.matches(PIN)


def test_kiosk_config_carries_technician_settings_and_the_operator_switch(tmp_path: Path) -> None:
    raw = tomllib.loads((Path(__file__).resolve().parents[3] / "examples/kiosk.toml").read_text())
    raw["technician"] = {"pin_hash_env": "KIOSK_TECH_PIN_HASH", "lockout_s": 60}
    raw["devices"]["operator_switch"] = {"backend": "emulated"}
    env = {
        "KIOSK_CORE_TOKEN": "s3cret-token",
        "KIOSK_JOURNAL_KEY": "journal-seal-secret-0001",
        "KIOSK_TECH_PIN_HASH": FIELD_PIN_HASH,
        "KIOSK_PIN_KEY": "0123456789ABCDEFFEDCBA9876543210",  # the example's [devices.pinpad]
        "KIOSK_IC_CARD_KEY": "00" * 16,  # the example's [devices.ic_card_reader]
    }
    config = parse_config(raw, env)
    assert config.technician.lockout_s == 60.0
    assert config.technician.pin_hash is not None and config.technician.pin_hash.matches(PIN)
    assert FIELD_PIN_HASH.split("$")[3] not in repr(config)
    events: list[object] = []
    built = default_registry().build(
        config.devices["operator_switch"], DeviceContext(events.append, tmp_path, tmp_path)
    )
    built.device.open()
    built.device.turn_on()
    assert events == [OperatorSwitchChanged("operator_switch", True)]
    assert built.device.health().detail == "service"
    built.close()


# ---------------------------------------------------------------------- the real card path


TECH_TOML = """
[kiosk]
id = "kiosk-tech-card"
data_dir = "{data}"
default_language = "en"

[core]
url = "http://127.0.0.1:9"
token_env = "TECH_CORE_TOKEN"
read_timeout = 1

[devices.cash]
backend = "essp-emulated"

[devices.printer]
backend = "escpos-emulated"

[devices.card_reader]
backend = "pcsc"
reader = "Virtual PCD 00 00"
startup_card = "eject"

[devices.pinpad]
backend = "emulated"
pin_format = "iso0"
key_env = "TECH_PIN_KEY"

[technician]
pin_hash_env = "TECH_PIN_HASH"

[technician.cards]
"9999000000000046" = "T-0042"
"""


def _until(runtime: KioskRuntime, check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not check():
        assert time.monotonic() < deadline, f"never {what}: {runtime.controller.current_screen()}"
        runtime.controller.pump()
        time.sleep(0.02)


def test_technician_card_through_pcscd_in_the_running_kiosk(
    tmp_path: Path,
    pcscd: PrivatePcscd,  # noqa: F811 - the fixture
) -> None:
    """pcscd + vpcd + the virtual technician card, read by the kiosk's own PC/SC reader."""
    path = tmp_path / "kiosk.toml"
    path.write_text(TECH_TOML.format(data=tmp_path / "data"))
    env = {
        "TECH_CORE_TOKEN": "t",
        "TECH_PIN_KEY": "0123456789ABCDEFFEDCBA9876543210",
        "TECH_PIN_HASH": FIELD_PIN_HASH,
    }
    runtime = build_kiosk(
        load_config(path, env),
        clock=SystemClock(),
        registry=default_registry(),
        catalog=load_catalog(),
        receipts_dir=tmp_path / "receipts",
    )
    runtime.start()
    link = VpcdLink(VirtualCard(load_profile("technician")), pcscd.port)
    try:
        assert runtime.card is not None
        station = runtime.card.station
        _until(runtime, lambda: station.startup.outcome in SETTLED, "settled the start-up check")
        link.insert()
        screen = runtime.controller.current_screen
        _until(runtime, lambda: screen().screen_id == "tech_pin", "asked for the PIN")
        assert "T-0042" in " ".join(screen().visible_texts())
        for key in (*PIN, Key.ENTER):
            runtime.controller.press(Key(key))
        _until(runtime, lambda: screen().screen_id == "tech_menu", "opened the menu")
        entered = [r.data for r in runtime.ledger.records() if r.kind == "technician_action"]
        assert entered[-1] == {
            "who": "T-0042",
            "what": "mode",
            "result": "entered",
            "method": "card",
        }
    finally:
        link.remove()
        runtime.stop()
