"""Issue 19: an invoice belongs to the kiosk that made it (CORE_API.md); another kiosk gets the
same 404 as for a reference that does not exist, so invoices cannot be read or enumerated."""

from __future__ import annotations

import requests

from tests.core_system.card_rig import Rig, card_txn, new_txn


def _invoice(rig: Rig, reference: str, kiosk: str) -> requests.Response:
    return requests.get(f"{rig.url}/v1/invoices/{reference}", headers=rig.headers(kiosk), timeout=5)


def test_only_the_kiosk_that_made_an_invoice_reads_it(rig: Rig) -> None:
    assert rig.post(card_txn(new_txn(), 7, "topup", "50.00", {}))[0]["status"] == "accepted"
    own = _invoice(rig, "k1-000007", "k1")
    assert own.status_code == 200 and own.json()["invoice"]["reference"] == "k1-000007"
    foreign = _invoice(rig, "k1-000007", "k2")
    missing = _invoice(rig, "k1-000008", "k2")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "UNKNOWN_INVOICE"
    assert foreign.content == missing.content  # existence does not leak


def test_a_kiosk_reads_none_of_another_kiosks_invoices_by_counting(rig: Rig) -> None:
    for seq in range(1, 4):
        assert rig.post(card_txn(new_txn(), seq, "topup", "5.00", {}))[0]["status"] == "accepted"
    replies = {_invoice(rig, f"k1-{seq:06d}", "k2").status_code for seq in range(1, 6)}
    assert replies == {404}
