"""Reprinting a receipt by reference: from this kiosk's journal or from the core over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core_system.server import CoreServer
from core_system.store import Store
from drivers.printer.base import PaperStatus, PrintResult
from drivers.printer.document import Columns, QrCode, Text
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.ports import PrintFinished
from kiosk.journeys.reprint import ReferenceScanned, ReprintJourney, RState
from kiosk.journeys.reprint_source import ReceiptLookup
from offline_queue.events import TransactionAccepted
from offline_queue.http import CoreHttp
from tests.kiosk.journey_fixtures import Rig, make_rig

TOKENS = {"kiosk-test": "tok-1", "kiosk-other": "tok-2"}


class InlineSource:
    """ReceiptLookup.find run at once, its answer handed straight back to the journey."""

    def __init__(self, lookup: ReceiptLookup) -> None:
        self.lookup = lookup
        self.journey: ReprintJourney | None = None

    def request(self, request_id: str, reference: str) -> None:
        assert self.journey is not None
        self.journey.handle(self.lookup.find(request_id, reference))


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens=TOKENS)
    url = server.start()
    yield url, store
    server.stop()
    store.close()


def _paid(rig: Rig) -> str:
    """A bill paid and its receipt confirmed on this kiosk; returns the reference."""
    j = rig.journey
    rig.to_insert_cash()
    rig.note(100)
    rig.note(50)
    rig.press(Key.ENTER)
    rig.finish_print(printed=True)
    j.handle(TransactionAccepted(j.session.txn_id, "CR1", False))
    return j.session.reference


def _journey(rig: Rig, http: CoreHttp | None) -> tuple[ReprintJourney, InlineSource]:
    source = InlineSource(ReceiptLookup(rig.ledger, http, bus=None, worker=None))  # type: ignore[arg-type]
    journey = ReprintJourney(
        kiosk_id="kiosk-test",
        lang="en",
        catalog=load_catalog(),
        clock=rig.clock,
        ledger=rig.ledger,
        source=source,
        printer=rig.printer,
    )
    source.journey = journey
    return journey, source


def _press(journey: ReprintJourney, *keys: str) -> None:
    for key in keys:
        journey.handle(KeyPressed(Key(key)))


def test_keypad_digits_reprint_the_journaled_receipt_marked_as_reprint(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    reference = _paid(rig)
    assert reference.endswith("-000001")
    journey, _ = _journey(rig, None)
    _press(journey, "1", "enter")
    assert journey.state is RState.PRINTING
    _, document, _ = rig.printer.jobs[-1]
    texts = [b.text for b in document.blocks if isinstance(b, Text)]
    assert "*** REPRINT ***" in texts
    amounts = {b.left: b.right for b in document.blocks if isinstance(b, Columns)}
    assert amounts["Total paid"] == "¥150.00" and amounts["Reference"] == reference
    assert any(isinstance(b, QrCode) and b.data == reference for b in document.blocks)
    # not "reprinted" until the printer confirms
    assert "reprinted" not in " ".join(journey.screen().visible_texts())
    journey.handle(PrintFinished(rig.printer.jobs[-1][0], PrintResult(True, PaperStatus.READY)))
    assert journey.state is RState.RESULT
    assert "Your receipt has been reprinted" in " ".join(journey.screen().visible_texts())
    assert rig.kinds()[-1] == "receipt_reprinted"


def test_unknown_reference_says_so_and_lets_the_customer_retype(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    journey, _ = _journey(rig, None)
    _press(journey, "4", "2", "enter")
    assert journey.state is RState.ENTER
    assert "No receipt has that reference" in journey.screen().message
    journey.handle(ReferenceScanned("not a reference"))
    assert journey.state is RState.ENTER and rig.printer.jobs == []


def _posted(http: CoreHttp, kiosk_id: str, seq: int) -> dict:
    txn = {
        "txn_id": str(uuid.uuid4()),
        "kiosk_id": kiosk_id,
        "seq": seq,
        "type": "bill_payment",
        "created_at": "2026-11-23T08:15:00Z",
        "amount": "150.00",
        "currency": "CNY",
        "tender": {"type": "cash", "notes": {"100": 1, "50": 1}},
        "details": {
            "biller": "SGCC",
            "account": "1234567890",
            "bill_id": "B-SGCC-2026-10-0001",
            "amount_due": {"amount": "125.50", "currency": "CNY"},
            "prepayment": {"amount": "24.50", "currency": "CNY"},
        },
    }
    [result] = http.post_json("/v1/transactions", {"transactions": [txn]})["results"]
    assert result["status"] == "accepted", result
    return txn


def test_a_scanned_reference_missing_here_comes_from_the_core_but_only_this_kiosks(
    tmp_path: Path, core: tuple[str, Store]
) -> None:
    """The journal lost it (a replaced disk): the core reprints it; another kiosk's receipt is
    not this kiosk's to print (CORE_API.md: an invoice belongs to the kiosk that made it)."""
    url, store = core
    other = CoreHttp(url, "kiosk-other", "tok-2", verify=False)
    rig = make_rig(tmp_path)
    http = CoreHttp(url, "kiosk-test", "tok-1", verify=False)
    txn = _posted(http, "kiosk-test", 7)
    _posted(other, "kiosk-other", 8)
    journey, _ = _journey(rig, http)
    journey.handle(ReferenceScanned("kiosk-test-000007"))
    assert journey.state is RState.PRINTING, rig.ledger.records()[-1].data
    _, document, _ = rig.printer.jobs[-1]
    amounts = {b.left: b.right for b in document.blocks if isinstance(b, Columns)}
    assert amounts["Total paid"] == "¥150.00" and amounts["Prepayment"] == "¥24.50"
    assert amounts["Txn"] == txn["txn_id"]
    journey.handle(ReferenceScanned("kiosk-other-000008"))  # ignored while printing
    journey.handle(PrintFinished(rig.printer.jobs[-1][0], PrintResult(True, PaperStatus.READY)))
    _press(journey, "enter")
    journey.handle(ReferenceScanned("kiosk-other-000008"))
    assert journey.state is RState.ENTER
    assert "No receipt has that reference" in journey.screen().message
    http.close()
    other.close()


def test_core_down_is_not_called_not_found(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    http = CoreHttp("http://127.0.0.1:9", "kiosk-test", "tok-1", verify=False, connect_timeout=0.5)
    journey, _ = _journey(rig, http)
    journey.handle(ReferenceScanned("kiosk-other-000001"))
    assert "cannot be looked up right now" in journey.screen().message
    http.close()


def test_printer_out_shows_the_receipt_as_qr_instead(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    reference = _paid(rig)
    rig.printer.status = PaperStatus.PAPER_OUT
    jobs = len(rig.printer.jobs)
    journey, _ = _journey(rig, None)
    _press(journey, "1", "enter")
    assert journey.state is RState.RESULT and len(rig.printer.jobs) == jobs
    screen = journey.screen()
    assert screen.qr == reference and "could not be printed" in " ".join(screen.visible_texts())
    assert rig.kinds()[-1] == "receipt_reprint_failed"


def test_printer_stopping_mid_reprint_is_not_called_reprinted(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    _paid(rig)
    journey, _ = _journey(rig, None)
    _press(journey, "1", "enter")
    result = PrintResult(False, PaperStatus.PAPER_OUT, "incomplete", incomplete=True)
    journey.handle(PrintFinished(rig.printer.jobs[-1][0], result))
    assert "reprinted" not in " ".join(journey.screen().visible_texts())
    assert journey.screen().qr
