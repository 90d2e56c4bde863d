"""Demo mode's world: the reference core on loopback and emulated devices, no config needed.

Everything runs for real: the core is an HTTP server on 127.0.0.1, the banknote acceptor is the
eSSP driver talking to the emulator over a pty pair, and the printer is python-escpos writing to
the printer emulator, which renders each cut receipt to PNG.

With `cards=True` (what `kiosk demo` asks for) and when a private pcscd can run here (root), the
card path is real too: a private pcscd with vpcd, the virtual UnionPay debit card (inserted and
removed by the script or the demo panel), the PC/SC driver, the emulated PIN pad and the core's
card endpoints, sharing a PIN key made for this run only. Without root the demo runs without
card services and says why (`card_note`).

Maintenance mode is in the demo too: the emulated cabinet operator switch (panel button, or the
script's last act) and a technician PIN (DEMO_TECHNICIAN_PIN, documented like the card PIN) for
the hidden key sequence. Only a salted PBKDF2 hash of that PIN, made at start with the same
helper as `kiosk technician pin-hash`, reaches the config, through the environment mapping the
`[technician] pin_hash_env` loader reads: no hash is written in code or on disk.
The coin acceptor is the ccTalk driver talking to its emulator over a pty pair.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core_system.cards import CardIssuer
from core_system.server import CoreServer
from core_system.store import Store
from drivers.card_reader.pcscd_runner import SOCKET_ENV, PcscdUnavailable, PrivatePcscd, can_run
from drivers.card_reader.stripe_emulator import StripeEmulator
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from drivers.cash.essp_emulator import EsspEmulator
from drivers.coin.cctalk_emulator import CcTalkEmulator
from drivers.printer.emulator import PrinterEmulator
from drivers.sensors.headphone import EmulatedHeadphoneJack
from drivers.sensors.operator_switch import EmulatedOperatorSwitch
from kiosk.card.config import SecretKey
from kiosk.clock import SystemClock
from kiosk.errors import KioskError
from kiosk.i18n import load_catalog
from kiosk.runtime.app import KioskRuntime, build_kiosk
from kiosk.runtime.config import CoreConfig, DeviceConfig, KioskConfig, ScreenConfig, TimeoutConfig
from kiosk.runtime.registry import default_registry
from kiosk.technician.entry_config import (
    MIN_ITERATIONS,
    TechnicianSettings,
    hash_pin,
    parse_technician,
)

log = logging.getLogger(__name__)
DEMO_KIOSK_ID = "demo-kiosk-01"
DEMO_CARD_PROFILE = "unionpay_debit"  # drivers/card_reader/virtual_card/profiles/
DEMO_CARD_PAN = "6228480012345678903"  # that profile's PAN (tag 5A)
DEMO_CARD_PIN = "1234"  # a documented demo PIN (docs/card.md), like the seeded bill accounts
DEMO_CARD_BALANCE = "3256.80"
DEMO_STRIPE_PAN = "6210948000000029"  # CARDS["stripe_only"] of the stripe head emulator
DEMO_STRIPE_BALANCE = "618.20"
DEMO_READER = "Virtual PCD 00 00"  # vpcd slot 0
DEMO_TECHNICIAN_PIN = "0000"  # a documented demo PIN (README, docs/technician.md), demo only
DEMO_PIN_HASH_ENV = "KIOSK_DEMO_TECHNICIAN_PIN_HASH"  # a name in the demo's own env mapping
# The field's floor, as any kiosk: the config loader refuses fewer (issue 19 #11). A fraction
# of a second at start and at each PIN check.
DEMO_PIN_ITERATIONS = MIN_ITERATIONS
DEMO_COIN_CHANNEL_1_YUAN = 3  # drivers/coin/cctalk_emulator.py DEFAULT_COINS: 3 = CN100A


def demo_technician() -> TechnicianSettings:
    """[technician] for the demo: PIN DEMO_TECHNICIAN_PIN (4 digits), hashed with a fresh salt
    on every start and handed over in an env mapping, exactly as a provisioned kiosk gets it."""
    pin_hash = hash_pin(DEMO_TECHNICIAN_PIN, secrets.token_bytes(16), DEMO_PIN_ITERATIONS)
    table = {"pin_hash_env": DEMO_PIN_HASH_ENV, "pin_length": len(DEMO_TECHNICIAN_PIN)}
    return parse_technician(table, {DEMO_PIN_HASH_ENV: pin_hash})


@dataclass
class DemoCards:
    """The demo's card world: its own pcscd, the virtual card for vpcd slot 0 and the hybrid
    reader's stripe head on a pty (the demo's stripe-only card and a chip card to swipe)."""

    pcscd: PrivatePcscd
    link: VpcdLink
    issuer: CardIssuer
    workdir: Path
    owns_workdir: bool
    stripe: StripeEmulator

    def insert(self) -> None:
        if not self.link.inserted:
            self.link.insert()

    def remove(self) -> None:
        self.link.remove()

    def swipe(self, card: str) -> bool:
        """A customer swipes `card` (a name in drivers/card_reader/stripe_emulator.CARDS)."""
        return self.stripe.swipe_card(card)

    def stop(self) -> None:
        self.stripe.stop()
        self.link.remove()
        self.pcscd.stop()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class DemoEnvironment:
    out_dir: Path
    core: CoreServer
    core_store: Store
    runtime: KioskRuntime
    cards: DemoCards | None = None
    card_note: str = ""  # why there are no card services in this demo, or ""

    @property
    def cash_emulator(self) -> EsspEmulator:
        return self.runtime.cash.emulator

    @property
    def printer_emulator(self) -> PrinterEmulator:
        return self.runtime.printer.emulator

    @property
    def headphone(self) -> EmulatedHeadphoneJack | None:
        return self.runtime.headphone.emulator if self.runtime.headphone else None

    @property
    def coin_emulator(self) -> CcTalkEmulator | None:
        coins = self.runtime.coins
        return coins.built.emulator if coins is not None else None

    @property
    def operator_switch(self) -> EmulatedOperatorSwitch | None:
        wiring = self.runtime.technician
        if wiring is None or wiring.switch is None:
            return None
        return wiring.switch.emulator

    def insert_coin_1_yuan(self) -> None:
        """A ¥1 coin drops in (refused and returned when no journey is taking cash)."""
        if self.coin_emulator is not None:
            self.coin_emulator.insert_coin(DEMO_COIN_CHANNEL_1_YUAN)

    def toggle_operator_switch(self) -> bool:
        """The cabinet key turned: on asks for maintenance mode (at a safe point), off leaves.
        Returns the switch's new position (True = service)."""
        switch = self.operator_switch
        if switch is None:
            return False
        if switch.on:
            switch.turn_off()
        else:
            switch.turn_on()
        return switch.on

    def stop(self) -> None:
        self.runtime.stop()
        if self.cards is not None:
            self.cards.stop()
        self.core.stop()
        self.core_store.close()


def _pcscd_workdir() -> Path | None:
    """Where the demo's pcscd serves. libpcsclite reads PCSCLITE_CSOCK_NAME once per process,
    so a path already set (an earlier demo or card test in this process) is reused; None when
    it points somewhere a private pcscd cannot serve."""
    current = os.environ.get(SOCKET_ENV)
    if not current:
        # The same per-process path as tests/e2e/card_env.py, so a demo and card tests can
        # share one test process whichever of them talks to pcscd first.
        workdir = Path(tempfile.gettempdir()) / f"kiosk-pcscd-{os.getpid()}"
        os.environ[SOCKET_ENV] = str(workdir / "run" / "pcscd.comm")  # before pyscard is used
        return workdir
    path = Path(current)
    if path.name != "pcscd.comm" or path.parent.name != "run":
        return None
    return path.parent.parent


def _start_cards(pin_key: bytes) -> tuple[DemoCards | None, str]:
    reason = can_run()
    if reason:
        return None, reason
    try:  # a data file: a build that left the profiles out runs the demo without cards
        card = VirtualCard(load_profile(DEMO_CARD_PROFILE))
    except (OSError, KioskError) as exc:
        return None, f"virtual card profile {DEMO_CARD_PROFILE} unavailable: {exc}"
    owns = not os.environ.get(SOCKET_ENV)
    workdir = _pcscd_workdir()
    if workdir is None:
        return None, f"{SOCKET_ENV} points to a pcscd the demo does not own"
    pcscd = PrivatePcscd(workdir)
    try:
        pcscd.start()
    except PcscdUnavailable as exc:
        return None, str(exc)
    issuer = CardIssuer(SystemClock(), pin_keys={DEMO_KIOSK_ID: ("iso0", pin_key)})
    issuer.enrol(DEMO_CARD_PAN, DEMO_CARD_PIN, DEMO_CARD_BALANCE)
    issuer.enrol(DEMO_STRIPE_PAN, DEMO_CARD_PIN, DEMO_STRIPE_BALANCE)
    link = VpcdLink(card, pcscd.port)
    stripe = StripeEmulator()
    stripe.start()
    return DemoCards(pcscd, link, issuer, workdir, owns, stripe), ""


def start_demo(
    out_dir: Path,
    *,
    language: str = "zh_CN",
    timeouts: TimeoutConfig | None = None,
    cards: bool = False,
) -> DemoEnvironment:
    """Starts the core and a kiosk wired to emulated devices; the caller must `stop()` it.

    `cards`: also the card path (pcscd + vpcd + virtual card) when this machine allows it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state_dir = out_dir / "state"
    for stale in (state_dir, out_dir / "screens", out_dir / "receipts"):
        shutil.rmtree(stale, ignore_errors=True)
    state_dir.mkdir(parents=True)
    token = secrets.token_urlsafe(24)  # per run; never written to disk or logs

    store = Store(f"sqlite:///{state_dir / 'core.db'}")
    store.create_schema()
    store.seed_demo()
    devices = {
        "cash": DeviceConfig("cash", "essp-emulated"),
        "printer": DeviceConfig("printer", "escpos-emulated"),
        "headphone": DeviceConfig("headphone", "emulated"),
        "coin": DeviceConfig("coin", "cctalk-emulated"),
        "operator_switch": DeviceConfig("operator_switch", "emulated"),
    }
    demo_cards, card_note = None, "not asked for"
    if cards:
        pin_key = secrets.token_bytes(16)  # per run, shared with the core; never on disk
        demo_cards, card_note = _start_cards(pin_key)
        if demo_cards is not None:
            reader = {
                "reader": DEMO_READER,
                "startup_card": "retain",
                "stripe_port": demo_cards.stripe.slave_path,
            }
            devices["card_reader"] = DeviceConfig("card_reader", "pcsc", reader)
            devices["pinpad"] = DeviceConfig(
                "pinpad", "emulated", {"pin_format": "iso0", "key": SecretKey(pin_key)}
            )
        else:
            log.warning("demo without card services: %s", card_note)
    issuer = demo_cards.issuer if demo_cards is not None else None
    core = CoreServer(store, kiosk_tokens={DEMO_KIOSK_ID: token}, cards=issuer)
    runtime: KioskRuntime | None = None
    try:  # whatever fails, nothing started here outlives the call (pcscd above all)
        core_url = core.start()
        config = KioskConfig(
            kiosk_id=DEMO_KIOSK_ID,
            currency="CNY",
            data_dir=state_dir,
            default_language=language,
            core=CoreConfig(url=core_url, token=token, read_timeout=5.0),
            devices=devices,
            screen=ScreenConfig(fullscreen=False),
            timeouts=timeouts or TimeoutConfig(),
            technician=demo_technician(),
        )
        runtime = build_kiosk(
            config,
            clock=SystemClock(),
            registry=default_registry(),
            catalog=load_catalog(),
            receipts_dir=out_dir / "receipts",
        )
        runtime.start()
    except BaseException:
        if runtime is not None:
            runtime.stop()
        if demo_cards is not None:
            demo_cards.stop()
        core.stop()
        raise
    return DemoEnvironment(out_dir, core, store, runtime, demo_cards, card_note)
