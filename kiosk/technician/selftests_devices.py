"""The automatic self-tests, one function per device, and `build_suite` that picks them.

Each test goes through the device's real driver path (the printer test prints a real test page,
the note test lets a note reach escrow and returns it). Blocking: run them on a worker, and run
the printer test on the printer's worker in the running kiosk (no print job may interleave).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.base import DeviceState
from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited, CoinRejected
from kiosk.documents.common import DocContext
from kiosk.documents.technician import test_page
from kiosk.errors import KioskError
from kiosk.speech.script import Utterance
from kiosk.technician.selftests import (
    CARD,
    COIN,
    HEADPHONE,
    INTERACTIVE,
    NOTE,
    PRINTER,
    SPEECH,
    STRIPE,
    EventTap,
    SelfTestStatus,
    SelfTestSuite,
    TestFn,
    timed,
    unavailable,
)

PASS, FAIL = SelfTestStatus.PASS, SelfTestStatus.FAIL
Outcome = tuple[SelfTestStatus, str, dict[str, Any]]


@dataclass
class SelfTestDevices:
    """What the suite may touch; None = not configured on this kiosk (UNAVAILABLE)."""

    tap: EventTap = field(default_factory=EventTap)
    printer: Any = None  # drivers.printer.base.ReceiptPrinter
    doc_context: Callable[[], DocContext] | None = None  # language/kiosk for the test page
    cash: Any = None  # drivers.cash.essp_driver.EsspAcceptor
    cash_emulator: Any = None  # EsspEmulator: inserts the test note itself
    coin: Any = None  # drivers.coin.cctalk_driver.CcTalkCoinAcceptor
    coin_emulator: Any = None  # CcTalkEmulator: drops the test coin itself
    card: Any = None  # drivers.card_reader.pcsc.PcscCardReader
    stripe: Any = None  # drivers.card_reader.stripe_serial.StripeSerialReader
    speech: Any = None  # a SpeechEngine with render() (EspeakEngine)
    speech_problem: str = ""  # why there is no engine
    headphone: Any = None
    work_dir: Path = Path(".")
    timeout_s: float = 5.0


def _offline(health: Any, prefix: str) -> Outcome | None:
    if health.state is DeviceState.ONLINE:
        return None
    return FAIL, f"{prefix}_{health.state.value.upper()}", {"detail": health.detail}


def printer_test(devices: SelfTestDevices) -> Outcome:
    printer = devices.printer
    try:
        status = printer.status()
    except KioskError as exc:
        return FAIL, exc.code, {"detail": str(exc)}
    if not status.can_print:
        return FAIL, status.value.upper(), {"paper": status.value}
    if devices.doc_context is None:
        return FAIL, "NO_DOCUMENT_CONTEXT", {}
    ctx = devices.doc_context()
    reference = f"{ctx.kiosk_id}-TEST-{int(time.time())}"
    try:
        result = printer.print_document(test_page(ctx, reference))
    except KioskError as exc:
        return FAIL, exc.code, {"detail": str(exc)}
    details = {"paper": result.status.value, "reference": reference, "detail": result.detail}
    if result.printed:
        return PASS, "OK", details
    code = "PRINT_INCOMPLETE" if result.incomplete else result.status.value.upper()
    return FAIL, code, details


def note_test(devices: SelfTestDevices) -> Outcome:
    """Enable, a note to escrow, return it: the acceptor reads and returns without credit."""
    acceptor, emulator, tap = devices.cash, devices.cash_emulator, devices.tap
    health = acceptor.health()
    if (bad := _offline(health, "CASH")) is not None:
        return bad
    values = acceptor.capabilities.denominations_minor
    details: dict[str, Any] = {"denominations": ",".join(str(v) for v in values)}
    if emulator is None:  # a real validator: a note needs a hand; comms and counters only
        try:
            counters = acceptor.read_counters()
        except (KioskError, FutureTimeout) as exc:
            return FAIL, "CASH_NO_REPLY", {**details, "detail": str(exc)}
        return PASS, "COMMS_OK", {**details, "stacked_lifetime": counters.stacked}
    mark = tap.mark()
    acceptor.enable()
    try:
        deadline = time.monotonic() + devices.timeout_s
        while not emulator.enabled and time.monotonic() < deadline:
            time.sleep(0.02)
        if not emulator.enabled:
            return FAIL, "CASH_NOT_ENABLED", details
        emulator.insert_note(emulator.denominations[0])
        kinds = (NoteInEscrow, NoteCredited, AcceptorStateChanged)
        seen = tap.wait_for(mark, lambda e: isinstance(e, kinds), devices.timeout_s)
        if isinstance(seen, AcceptorStateChanged):
            return FAIL, f"CASH_{seen.state.value.upper()}", {**details, "detail": seen.detail}
        if not isinstance(seen, NoteInEscrow):
            return FAIL, "NO_ESCROW", details
        details.update(value_minor=seen.value_minor, channel=seen.channel)
        acceptor.reject_escrow()
        kinds2 = (NoteReturned, NoteCredited)
        end = tap.wait_for(mark, lambda e: isinstance(e, kinds2), devices.timeout_s)
    finally:
        acceptor.disable()
    if isinstance(end, NoteCredited):
        return FAIL, "NOTE_STACKED", details  # money in the cashbox: reconcile it
    if end is None:
        return FAIL, "NOT_RETURNED", details
    return PASS, "OK", {**details, "returned": end.reason}


def coin_test(devices: SelfTestDevices) -> Outcome:
    """Comms and coin table; with the emulator, a coin dropped while inhibited must come back
    (a coin acceptor has no escrow: an accepted test coin would be unaccounted money)."""
    from drivers.coin.cctalk_protocol import CcTalkError, Header

    coin, emulator, tap = devices.coin, devices.coin_emulator, devices.tap
    if (bad := _offline(coin.health(), "COIN")) is not None:
        return bad
    try:
        coin.transact(Header.SIMPLE_POLL)
    except CcTalkError as exc:
        return FAIL, "COIN_NO_REPLY", {"detail": str(exc)}
    details: dict[str, Any] = {
        "coins": ",".join(str(v) for v in sorted(coin.values_minor.values()))
    }
    if emulator is None:
        return PASS, "COMMS_OK", details
    mark = tap.mark()
    coin.disable()
    channel = min(coin.values_minor) if coin.values_minor else 1
    if emulator.insert_coin(channel):
        return FAIL, "COIN_ACCEPTED_WHILE_INHIBITED", details
    kinds = (CoinRejected, CoinCredited)
    seen = tap.wait_for(mark, lambda e: isinstance(e, kinds), devices.timeout_s)
    if isinstance(seen, CoinCredited):
        return FAIL, "COIN_CREDITED", details
    if seen is None:
        return FAIL, "NO_REJECT_EVENT", details
    return PASS, "OK", {**details, "returned": seen.reason}


def card_test(devices: SelfTestDevices) -> Outcome:
    from drivers.card_reader.emv.read import read_card
    from drivers.card_reader.errors import CardError

    reader = devices.card
    deadline = time.monotonic() + devices.timeout_s  # a reader just started needs a moment
    while reader.health().state is not DeviceState.ONLINE and time.monotonic() < deadline:
        time.sleep(0.05)
    if (bad := _offline(reader.health(), "CARD_READER")) is not None:
        return bad
    details: dict[str, Any] = {"reader": reader.reader_name or ""}
    if not reader.card_present:
        return PASS, "READER_OK_NO_CARD", details
    atr = ""

    def job(transmit: Any, card_atr: str) -> Any:
        nonlocal atr
        atr = card_atr
        return read_card(transmit, today=_today())

    try:
        card = reader.submit(job).result(devices.timeout_s * 6)
    except (CardError, FutureTimeout) as exc:
        return FAIL, getattr(exc, "code", "CARD_TIMEOUT"), {**details, "atr": atr}
    summary = card.summary()
    return PASS, "OK", {**details, "atr": atr, "aid": summary["aid"], "label": summary["label"]}


def stripe_test(devices: SelfTestDevices) -> Outcome:
    """The head answers its status query on its serial link (a swipe needs a technician's
    card: `kiosk card swipe` reads one)."""
    head = devices.stripe
    deadline = time.monotonic() + devices.timeout_s  # a head just opened answers within 2 s
    while head.health().state is not DeviceState.ONLINE and time.monotonic() < deadline:
        time.sleep(0.05)
    health = head.health()
    if (bad := _offline(health, "STRIPE_HEAD")) is not None:
        return bad
    counters = health.counters
    details = {key: str(counters.get(key, 0)) for key in ("swipes", "swipes_refused")}
    return PASS, "OK", {"port": head.port, **details}


def _today() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


def speech_test(devices: SelfTestDevices) -> Outcome:
    engine = devices.speech
    path = devices.work_dir / "selftest-speech.wav"
    prompts = [Utterance("", "语音测试", "zh_CN"), Utterance("", "Speech test", "en")]
    try:
        engine.render(prompts, path, _settings())
    except (KioskError, OSError) as exc:
        return FAIL, "SPEECH_RENDER_FAILED", {"detail": str(exc)}
    size = path.stat().st_size if path.exists() else 0
    ok = size > 1000 and path.read_bytes()[:4] == b"RIFF"
    details = {"wav_bytes": size, "playback": devices.speech_problem or "ok"}
    path.unlink(missing_ok=True)
    if not ok:
        return FAIL, "SPEECH_SILENT", details
    if devices.headphone is not None and devices.speech_problem:
        # Voice guidance is offered (there is a jack) but nothing can be heard: a fault.
        return FAIL, "SPEECH_NO_PLAYBACK", details
    return PASS, "OK", details


def _settings() -> Any:
    from kiosk.speech.engine import SpeechSettings

    return SpeechSettings()


def headphone_test(devices: SelfTestDevices) -> Outcome:
    health = devices.headphone.health()
    if (bad := _offline(health, "JACK")) is not None:
        return bad
    return PASS, "OK", {"jack": health.detail}


def build_suite(devices: SelfTestDevices) -> SelfTestSuite:
    """A test per configured device; the others report UNAVAILABLE with the reason."""
    plan: list[tuple[str, str, Any, Callable[[SelfTestDevices], Outcome], str]] = [
        (PRINTER, "printer", devices.printer, printer_test, "no printer configured"),
        (CARD, "card", devices.card, card_test, "no card reader configured"),
        (STRIPE, "card_reader.stripe", devices.stripe, stripe_test, "no stripe head configured"),
        (NOTE, "cash", devices.cash, note_test, "no note acceptor configured"),
        (COIN, "coin", devices.coin, coin_test, "no coin acceptor configured"),
        (SPEECH, "speech", devices.speech, speech_test, devices.speech_problem or "no engine"),
        (HEADPHONE, "headphone", devices.headphone, headphone_test, "no headphone jack"),
    ]
    tests: dict[str, TestFn] = {}
    ids: dict[str, str] = {}
    for name, device_id, device, fn, why in plan:
        ids[name] = device_id
        if device is None:
            tests[name] = _const(unavailable(name, device_id, why))
        else:
            tests[name] = timed(name, device_id, _bind(fn, devices))
    for name in INTERACTIVE:
        ids[name] = name
        tests[name] = _const(unavailable(name, name, "interactive: run it from maintenance mode"))
    return SelfTestSuite(tests, ids)


def _bind(fn: Callable[[SelfTestDevices], Outcome], devices: SelfTestDevices) -> Any:
    def body() -> Outcome:
        try:
            return fn(devices)
        except KioskError as exc:  # a driver error is a failed test, not a crash
            return FAIL, exc.code, {"detail": str(exc)}

    return body


def _const(result: Any) -> TestFn:
    return lambda: result
