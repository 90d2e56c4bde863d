"""The card services are part of the running kiosk: config file -> build_kiosk -> start -> menu.

Real pcscd + vpcd + the virtual card, the PC/SC driver, the emulated PIN pad fed by the kiosk's
keypad, the reference core over HTTP verifying the PIN block with the key the config loaded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core_system.cards import CardIssuer
from core_system.server import CoreServer
from core_system.store import Store
from drivers.card_reader.base import CardInserted
from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.pcscd_runner import PrivatePcscd
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from kiosk.card.startup import SETTLED
from kiosk.clock import SystemClock
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.screen_model import ScreenModel
from kiosk.runtime.app import KioskRuntime, build_kiosk
from kiosk.runtime.config import load_config
from kiosk.runtime.registry import default_registry
from tests.e2e.card_env import pcscd, pcscd_restored  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e
KIOSK_ID = "kiosk-e2e-card"
PIN = "739164"  # distinctive, so a scan for it cannot match a timestamp by chance
PAN = "6228480012345678903"  # the unionpay_debit profile
KEYS = {"iso0": "0123456789ABCDEFFEDCBA9876543210", "iso4": "00112233445566778899AABBCCDDEEFF" * 2}
TOKEN = "e2e-card-token-0001"


def _toml(
    data_dir: Path,
    core_url: str,
    reader: str,
    pin_format: str,
    startup: str,
    take: float,
    stripe: str = "",
) -> str:
    stripe_line = f'stripe_port = "{stripe}"' if stripe else ""
    return f"""
[kiosk]
id = "{KIOSK_ID}"
data_dir = "{data_dir}"
default_language = "en"

[core]
url = "{core_url}"
token_env = "E2E_CORE_TOKEN"
read_timeout = 5

[devices.cash]
backend = "essp-emulated"

[devices.printer]
backend = "escpos-emulated"

[devices.card_reader]
backend = "pcsc"
reader = "{reader}"
startup_card = "{startup}"
take_timeout = {take}
{stripe_line}

[devices.pinpad]
backend = "emulated"
pin_format = "{pin_format}"
key_env = "E2E_PIN_KEY"
"""


@dataclass
class Rig:
    tmp_path: Path
    daemon: PrivatePcscd
    issuer: CardIssuer
    core_url: str
    runtime: KioskRuntime | None = None
    card: VpcdLink | None = None

    def kiosk(
        self,
        *,
        pin_format: str = "iso0",
        reader: str = "Virtual PCD 00 00",
        startup: str = "retain",
        core_url: str = "",
        take_timeout: float = 30.0,
        stripe_port: str = "",
    ) -> KioskRuntime:
        path = self.tmp_path / "kiosk.toml"
        url = core_url or self.core_url
        data = self.tmp_path / "data"
        path.write_text(_toml(data, url, reader, pin_format, startup, take_timeout, stripe_port))
        env = {"E2E_CORE_TOKEN": TOKEN, "E2E_PIN_KEY": KEYS[pin_format]}
        config = load_config(path, env)
        self.runtime = build_kiosk(
            config,
            clock=SystemClock(),
            registry=default_registry(),
            catalog=load_catalog(),
            receipts_dir=self.tmp_path / "receipts",
        )
        self.runtime.start()
        return self.runtime

    def insert(self) -> None:
        self.card = VpcdLink(VirtualCard(load_profile("unionpay_debit")), self.daemon.port)
        self.card.insert()

    def insert_before_start(self) -> None:
        """A card that has sat in the reader for a while: pcscd already knows it is there."""
        self.insert()
        probe = PcscCardReader("probe", "Virtual PCD 00 00", lambda event: None)
        probe.start()
        try:
            deadline = time.monotonic() + 10
            while not probe.card_present:
                assert time.monotonic() < deadline, "pcscd never saw the card"
                time.sleep(0.02)
        finally:
            probe.stop()

    def remove(self) -> None:
        if self.card is not None:
            self.card.remove()


@pytest.fixture
def rig(tmp_path: Path, pcscd: PrivatePcscd) -> Iterator[Rig]:  # noqa: F811
    clock = SystemClock()
    keys = {KIOSK_ID: ("iso0", bytes.fromhex(KEYS["iso0"]))}
    issuer = CardIssuer(clock, pin_keys=keys, auto_enrol=False)
    issuer.enrol(PAN, PIN, "12345.67")
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens={KIOSK_ID: TOKEN}, clock=clock, cards=issuer)
    rig = Rig(tmp_path, pcscd, issuer, server.start())
    try:
        yield rig
    finally:
        rig.remove()
        if rig.runtime is not None:
            rig.runtime.stop()
        server.stop()
        store.close()


def _pump_until(runtime: KioskRuntime, check, what: str, timeout: float = 15.0) -> ScreenModel:
    controller = runtime.controller
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        controller.pump()
        screen = controller.current_screen()
        if check(screen):
            return screen
        time.sleep(0.02)
    raise AssertionError(f"never saw {what}: still {controller.current_screen().screen_id}")


def _screen(runtime: KioskRuntime, screen_id: str, timeout: float = 15.0) -> ScreenModel:
    return _pump_until(runtime, lambda s: s.screen_id == screen_id, screen_id, timeout)


def _press(runtime: KioskRuntime, *keys: Key) -> None:
    for key in keys:
        runtime.controller.press(key)
        runtime.controller.pump()


def _menu(runtime: KioskRuntime) -> list[str]:
    _screen(runtime, "attract")
    _press(runtime, Key.ENTER, Key.D2)  # wake, English
    return [c.label for c in _screen(runtime, "menu").choices]


def _card_kinds(runtime: KioskRuntime) -> list[str]:
    return [r.kind for r in runtime.ledger.records() if r.kind.startswith("card_")]


def _recovered(runtime: KioskRuntime) -> str:
    """Pumps until the start-up card question is answered and applied; returns the outcome."""
    assert runtime.card is not None
    check = runtime.card.station.startup
    _pump_until(runtime, lambda s: check.outcome in SETTLED, "the start-up card check")
    return check.outcome


def _checked(runtime: KioskRuntime) -> None:
    """Waits for the card services' first core probe to answer."""
    assert runtime.card is not None
    station = runtime.card.station
    _pump_until(runtime, lambda s: station.core_checked, "the core probe's answer")


def _offered(runtime: KioskRuntime, label: str) -> ScreenModel:
    return _pump_until(
        runtime, lambda s: label in [c.label for c in s.choices], f"{label!r} on the menu"
    )


@pytest.mark.parametrize("pin_format", ["iso0", "iso4"])
def test_balance_through_the_menu_with_a_real_card_and_the_pin_pad(
    rig: Rig, pin_format: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig.issuer._keys[KIOSK_ID] = (pin_format, bytes.fromhex(KEYS[pin_format]))
    runtime = rig.kiosk(pin_format=pin_format)
    _menu(runtime)
    menu = _offered(runtime, "Card balance")
    labels = [c.label for c in menu.choices]
    assert labels.index("Card balance") == 2 and "Print a statement" in labels
    _press(runtime, Key.digit(labels.index("Card balance") + 1))
    _screen(runtime, "card_insert_card")
    rig.insert()
    _screen(runtime, "card_enter_pin")
    seen: list[ScreenModel] = []
    for count, digit in enumerate(PIN, 1):
        _press(runtime, Key(digit))
        dots = "●" * count  # the pad reports each digit's arrival, never the digit
        shown = _pump_until(
            runtime, lambda s, d=dots: s.input is not None and s.input.value == d, dots
        )
        seen.append(shown)
    _press(runtime, Key.ENTER)
    shown = _screen(runtime, "card_show_balance")
    assert shown.amounts[0].amount == "¥12,345.67" and shown.private
    assert shown.body == ("622848*********8903",)
    _press(runtime, Key.ENTER)
    _screen(runtime, "card_take_card")
    rig.remove()
    _screen(runtime, "attract")

    ledger = runtime.ledger
    kinds = [r.kind for r in ledger.records()]
    assert {"card_read", "card_authorized", "card_ejected", "card_taken"} <= set(kinds)
    # No PIN digit string anywhere: logs, journal, the kiosk database, the screens shown.
    assert PIN not in caplog.text
    assert all(PIN not in repr(r.data) for r in ledger.records())
    assert PIN.encode() not in (rig.tmp_path / "data" / "kiosk.db").read_bytes()
    assert all(PIN not in text for model in seen for text in model.visible_texts())


def test_balance_receipt_reaches_the_printer_with_the_masked_pan_only(rig: Rig) -> None:
    runtime = rig.kiosk()
    labels = [c.label for c in _offered_after_menu(runtime, "Card balance").choices]
    _press(runtime, Key.digit(labels.index("Card balance") + 1))
    _screen(runtime, "card_insert_card")
    rig.insert()
    _screen(runtime, "card_enter_pin")
    _press(runtime, *[Key(d) for d in PIN], Key.ENTER)
    shown = _screen(runtime, "card_show_balance")
    assert [(c.key, c.label) for c in shown.choices] == [("1", "Print a receipt")]
    _press(runtime, Key.D1)
    _screen(runtime, "card_take_card")  # the card comes out first, the printer works meanwhile
    [receipt] = runtime.printer.emulator.wait_for_receipts(1)
    text = "\n".join(receipt.lines)
    assert "**** **** **** 8903" in text and PAN not in text and "12,345.67" in text
    assert KIOSK_ID in text
    rig.remove()
    _screen(runtime, "card_receipt_done")
    assert "balance_receipt_printed" in [r.kind for r in runtime.ledger.records()]


def test_statement_is_printed_from_the_menu(rig: Rig) -> None:
    runtime = rig.kiosk()
    labels = [c.label for c in _offered_after_menu(runtime, "Print a statement").choices]
    _press(runtime, Key.digit(labels.index("Print a statement") + 1))
    _screen(runtime, "card_insert_card")
    rig.insert()
    _screen(runtime, "card_enter_pin")
    _press(runtime, *[Key(d) for d in PIN], Key.ENTER)
    _screen(runtime, "card_choose_period")
    _press(runtime, Key.D1)  # the last 30 days
    _screen(runtime, "card_take_card", timeout=30)
    receipts = runtime.printer.emulator.wait_for_receipts(1)
    text = "\n".join(line for receipt in receipts for line in receipt.lines)
    assert "**** **** **** 8903" in text and PAN not in text  # masked, never the full PAN
    rig.remove()
    _screen(runtime, "attract")


def _offered_after_menu(runtime: KioskRuntime, label: str) -> ScreenModel:
    _menu(runtime)
    return _offered(runtime, label)


def test_a_card_left_by_a_dead_run_is_retained_and_blocks_card_services_until_taken(
    rig: Rig,
) -> None:
    rig.insert_before_start()  # the previous process died with a customer's card in the reader
    runtime = rig.kiosk(startup="retain")
    assert _recovered(runtime) == "retain"
    assert _card_kinds(runtime) == ["card_found_at_startup", "card_retain_ordered", "card_retained"]
    _menu(runtime)
    _checked(runtime)
    assert runtime.card.station.core_reachable(), "only the card blocks the services"
    runtime.controller.pump()
    labels = [c.label for c in runtime.controller.current_screen().choices]
    assert "Card balance" not in labels and "Pay a utility bill" in labels
    rig.remove()  # a technician takes it out
    _offered(runtime, "Card balance")


def test_a_card_left_by_a_dead_run_is_ejected_when_the_policy_says_so(rig: Rig) -> None:
    rig.insert_before_start()
    runtime = rig.kiosk(startup="eject")
    assert _recovered(runtime) == "eject"
    assert _card_kinds(runtime) == ["card_found_at_startup", "card_ejected"]
    rig.remove()
    _menu(runtime)
    _offered(runtime, "Card balance")
    assert _card_kinds(runtime)[-1] == "card_taken"


@pytest.mark.parametrize("broken", ["reader", "core"])
def test_card_services_are_hidden_when_the_reader_or_the_core_is_away(
    rig: Rig, broken: str
) -> None:
    if broken == "reader":
        runtime = rig.kiosk(reader="No Such Reader*")
    else:
        runtime = rig.kiosk(core_url="http://127.0.0.1:9")  # nothing listens on discard
    _menu(runtime)
    _checked(runtime)
    runtime.controller.pump()
    labels = [c.label for c in runtime.controller.current_screen().choices]
    assert "Card balance" not in labels and "Print a statement" not in labels


def test_a_start_up_card_nobody_takes_is_retained_after_the_take_timeout(rig: Rig) -> None:
    rig.insert_before_start()
    runtime = rig.kiosk(startup="eject", take_timeout=0.2)
    assert _recovered(runtime) == "eject"
    time.sleep(0.3)  # the technician does not come: the take time runs out
    _menu(runtime)  # the menu's availability check is the station's clock between customers
    retained = [r for r in runtime.ledger.records() if r.kind == "card_retained"]
    assert [r.data["reason"] for r in retained] == ["not_taken"]
    rig.remove()
    _offered(runtime, "Card balance")


def test_a_card_dipped_before_choosing_is_read_and_other_readers_are_ignored(rig: Rig) -> None:
    runtime = rig.kiosk()
    _menu(runtime)
    labels = [c.label for c in _offered(runtime, "Card balance").choices]
    _press(runtime, Key.digit(labels.index("Card balance") + 1))
    _screen(runtime, "card_insert_card")
    # A second reader (the IC-card recharge slot) reporting a card is not this journey's card.
    runtime.bus.publish(CardInserted("ic_card_reader", "3B00"))
    runtime.controller.pump()
    assert runtime.controller.current_screen().screen_id == "card_insert_card"
    _press(runtime, Key.CANCEL)
    _screen(runtime, "attract")
    rig.insert()  # the customer dips first, then chooses the service
    reader = runtime.card.station.reader
    _pump_until(runtime, lambda s: reader.card_present, "the card in the reader")
    _press(runtime, Key.ENTER, Key.D2)
    labels = [c.label for c in _offered(runtime, "Card balance").choices]
    _press(runtime, Key.digit(labels.index("Card balance") + 1))
    _screen(runtime, "card_enter_pin")


def test_a_reader_away_at_start_is_checked_for_a_card_once_it_is_back(
    rig: Rig,
    pcscd_restored: PrivatePcscd,  # noqa: F811
) -> None:
    pcscd_restored.stop()  # pcscd not up yet when the kiosk starts (right after boot)
    runtime = rig.kiosk()
    assert runtime.card is not None
    check = runtime.card.station.startup
    _pump_until(runtime, lambda s: check.outcome == "unknown", "the unanswered check")
    assert not runtime.card.balance.available()
    pcscd_restored.start()
    assert _recovered(runtime) == "none"  # asked again when the reader came back Online
    _menu(runtime)
    _offered(runtime, "Card balance")


def test_a_bill_is_paid_by_card_from_the_menu_and_reaches_the_core_once(rig: Rig) -> None:
    """The bill journey shares the station's reader, pad and card core with balance."""
    runtime = rig.kiosk()
    _offered_after_menu(runtime, "Card balance")  # the station is up: card is a tender now
    _press(runtime, Key.D1)  # pay a utility bill
    _screen(runtime, "choose_biller")
    _press(runtime, Key.D1, *[Key(d) for d in "1234567890"], Key.ENTER)
    bill = _screen(runtime, "bill_details")
    assert any("card" in c.label.lower() for c in bill.choices)
    _press(runtime, Key.D2)
    _screen(runtime, "card_insert_card")
    rig.insert()
    _screen(runtime, "card_enter_pin")
    _press(runtime, *[Key(d) for d in PIN], Key.ENTER)
    _screen(runtime, "card_take_card", timeout=20)
    rig.remove()
    _screen(runtime, "attract", timeout=30)
    [receipt] = runtime.printer.emulator.wait_for_receipts(1)
    text = "\n".join(receipt.lines)
    assert "8903" in text and PAN not in text and "125.50" in text
    deadline = time.monotonic() + 15
    while runtime.outbox.status().pending:
        assert time.monotonic() < deadline, "the card payment never synced"
        time.sleep(0.05)
    [payment] = [r for r in runtime.ledger.records() if r.kind == "payment_committed"]
    assert payment.data["tender"] == "card"
    assert str(rig.issuer.balance(PAN)) == "12220.17"  # 12,345.67 - 125.50, charged once
