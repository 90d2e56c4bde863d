"""The reference core over real HTTP on 127.0.0.1 with a real SQLite file."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from core_system.cli import parse_tokens
from core_system.server import MAX_BODY, CoreServer
from core_system.store import Store
from kiosk.money.billing import Bill, Biller

TOKENS = {"kiosk-1": "s3cret-1", "kiosk-2": "s3cret-2"}


@dataclass
class Core:
    url: str
    store: Store

    def call(self, method: str, path: str, *, kiosk: str = "kiosk-1", **kw: Any) -> Any:
        headers = {"X-Kiosk-Id": kiosk, "Authorization": f"Bearer {TOKENS.get(kiosk, 'x')}"}
        headers.update(kw.pop("headers", {}))
        return requests.request(method, self.url + path, headers=headers, timeout=5, **kw)


@pytest.fixture
def core(tmp_path: Any) -> Iterator[Core]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens=TOKENS)
    url = server.start()
    yield Core(url, store)
    server.stop()
    store.close()


def txn(seq: int = 1, amount: str = "125.50", **over: Any) -> dict[str, Any]:
    item = {
        "txn_id": str(uuid.uuid4()),
        "kiosk_id": "kiosk-1",
        "seq": seq,
        "type": "bill_payment",
        "created_at": "2026-11-23T08:15:00Z",
        "amount": amount,
        "currency": "CNY",
        "tender": {"type": "cash", "notes": {"100": 1, "20": 1, "5": 1}},
        "details": {"biller": "SGCC", "account": "1234567890"},
    }
    item.update(over)
    return item


def post(core: Core, *items: dict[str, Any]) -> list[dict[str, Any]]:
    reply = core.call("POST", "/v1/transactions", json={"transactions": list(items)})
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]


def test_health_needs_no_credential(core: Core) -> None:
    reply = requests.get(core.url + "/v1/health", timeout=5)
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", reply.json()["time"])


def test_billers_follow_the_wire_model(core: Core) -> None:
    billers = {
        b.code: b for b in map(Biller.from_wire, core.call("GET", "/v1/billers").json()["billers"])
    }
    assert set(billers) == {"SGCC", "WATER", "GAS"}
    assert billers["SGCC"].offline_allowed and str(billers["SGCC"].offline_limit.amount) == "500.00"
    assert not billers["SGCC"].partial_allowed
    assert not billers["GAS"].offline_allowed
    assert billers["WATER"].account_valid("12345678")


def test_bills_of_demo_accounts(core: Core) -> None:
    reply = core.call("GET", "/v1/bills", params={"biller": "SGCC", "account": "1234567890"})
    (bill,) = [Bill.from_wire(b) for b in reply.json()["bills"]]
    assert (bill.holder, bill.period, str(bill.amount_due.amount)) == ("张*明", "2026-10", "125.50")
    assert bill.due_date.isoformat() == "2026-11-30"
    empty = core.call("GET", "/v1/bills", params={"biller": "SGCC", "account": "1111111111"})
    assert empty.status_code == 200 and empty.json() == {"bills": []}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"biller": "SGCC"}, 400, "MISSING_PARAMETER"),
        ({"account": "1234567890"}, 400, "MISSING_PARAMETER"),
        ({"biller": "sg cc", "account": "1234567890"}, 400, "INVALID_PARAMETER"),
        ({"biller": "SGCC", "account": "12345"}, 400, "INVALID_ACCOUNT"),
        ({"biller": "NOPE", "account": "1234567890"}, 404, "UNKNOWN_BILLER"),
        ({"biller": "SGCC", "account": "5555555555"}, 404, "UNKNOWN_ACCOUNT"),
    ],
)
def test_bills_errors(core: Core, params: dict[str, str], status: int, code: str) -> None:
    reply = core.call("GET", "/v1/bills", params=params)
    assert reply.status_code == status
    assert reply.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Kiosk-Id": "", "Authorization": ""},
        {"Authorization": "Bearer wrong"},
        {"X-Kiosk-Id": "kiosk-9", "Authorization": "Bearer s3cret-1"},
        {"Authorization": "s3cret-1"},
        {"Authorization": "Bearer s3cret-2"},  # kiosk-2's token used by kiosk-1
    ],
)
def test_auth_failures_are_401(core: Core, headers: dict[str, str], caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    for method, path in [("GET", "/v1/billers"), ("POST", "/v1/transactions"), ("GET", "/nope")]:
        reply = core.call(method, path, headers=headers, json={"transactions": []})
        assert reply.status_code == 401
        assert reply.json()["error"]["code"] == "UNAUTHORIZED"
    assert "s3cret" not in caplog.text


def test_idempotent_post(core: Core) -> None:
    first = txn(1)
    (accepted,) = post(core, first)
    assert accepted["status"] == "accepted" and accepted["error"] is None
    assert re.fullmatch(r"CR\d{10}", accepted["core_ref"])
    (again,) = post(core, first)
    assert again == {**accepted, "status": "duplicate"}
    other = txn(2, amount="10.00")
    conflict, fine = post(core, {**first, "amount": "125.60"}, other)
    assert conflict["status"] == "rejected" and conflict["core_ref"] is None
    assert conflict["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    assert fine["status"] == "accepted" and fine["txn_id"] == other["txn_id"]
    assert core.store.transaction_count(first["txn_id"]) == 1


def test_amount_written_differently_is_still_a_duplicate(core: Core) -> None:
    item = txn(1, amount="20.5")
    assert post(core, item)[0]["status"] == "accepted"
    assert post(core, {**item, "amount": "20.50"})[0]["status"] == "duplicate"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "1.234"}, "MONEY_INVALID"),
        ({"amount": 12.5}, "MONEY_INVALID"),
        ({"amount": "-5.00"}, "MONEY_INVALID"),
        ({"currency": "XXX"}, "MONEY_INVALID"),
        ({"kiosk_id": "kiosk-2"}, "KIOSK_MISMATCH"),
        ({"txn_id": "not-a-uuid"}, "VALIDATION_FAILED"),
        ({"seq": 0}, "VALIDATION_FAILED"),
        ({"created_at": "2026-11-23 08:15"}, "VALIDATION_FAILED"),
        ({"tender": {"type": "card", "pan": "6222021234567890123"}}, "PAN_NOT_MASKED"),
        ({"details": {"bill_id": "B-NOPE"}}, "UNKNOWN_BILL"),
    ],
)
def test_rejected_item_never_blocks_the_batch(core: Core, change: dict, code: str) -> None:
    bad, good = {**txn(1), **change}, txn(2)
    rejected, accepted = post(core, bad, good)
    assert rejected["status"] == "rejected" and rejected["error"]["code"] == code
    assert accepted["status"] == "accepted"


def test_non_object_item_is_rejected(core: Core) -> None:
    (result,) = post(core, "junk")  # type: ignore[arg-type]
    assert result == {
        "txn_id": None,
        "status": "rejected",
        "core_ref": None,
        "error": {"code": "VALIDATION_FAILED", "message": "a transaction must be a JSON object"},
    }


def test_bill_payment_marks_the_bill_paid(core: Core) -> None:
    item = txn(
        1, details={"biller": "SGCC", "account": "1234567890", "bill_id": "B-SGCC-2026-10-0001"}
    )
    assert post(core, item)[0]["status"] == "accepted"
    assert core.store.bill_status("B-SGCC-2026-10-0001") == "paid"
    reply = core.call("GET", "/v1/bills", params={"biller": "SGCC", "account": "1234567890"})
    assert reply.json() == {"bills": []}
    mismatch = txn(2, details={"biller": "WATER", "bill_id": "B-SGCC-2026-10-0001"})
    assert post(core, mismatch)[0]["error"]["code"] == "BILL_MISMATCH"


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"{not json", 400, "MALFORMED_JSON"),
        (b"\xff\xfe", 400, "MALFORMED_JSON"),
        (b'{"transactions": NaN}', 400, "MALFORMED_JSON"),
        (b'{"transactions": {}}', 400, "VALIDATION_FAILED"),
        (b"[]", 400, "VALIDATION_FAILED"),
        (b" " * (MAX_BODY + 1), 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_bad_bodies_get_typed_errors(core: Core, data: bytes, status: int, code: str) -> None:
    reply = core.call("POST", "/v1/transactions", data=data)
    assert reply.status_code == status
    assert reply.json()["error"]["code"] == code


def test_batch_size_limit_and_routing_errors(core: Core) -> None:
    many = [txn(i) for i in range(1, 102)]
    reply = core.call("POST", "/v1/transactions", json={"transactions": many})
    assert (reply.status_code, reply.json()["error"]["code"]) == (400, "BATCH_TOO_LARGE")
    assert core.call("GET", "/v1/nothing").status_code == 404
    assert core.call("GET", "/v1/transactions").json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    dup = core.call("GET", "/v1/bills?biller=SGCC&biller=GAS&account=1234567890")
    assert dup.status_code == 400


def test_reconciliation_counts_and_totals(core: Core) -> None:
    post(core, txn(1, amount="100.00"), txn(2, amount="25.50"), txn(3, type="topup", amount="50"))
    post(core, txn(4, amount="9.99", created_at="2026-11-24T00:00:01Z"))
    reply = core.call(
        "GET", "/v1/reconciliation", params={"kiosk_id": "kiosk-1", "date": "2026-11-23"}
    )
    body = reply.json()
    assert body["count"] == 3
    assert body["types"]["bill_payment"] == {
        "count": 2,
        "totals": [{"amount": "125.50", "currency": "CNY"}],
    }
    assert body["types"]["topup"]["totals"] == [{"amount": "50.00", "currency": "CNY"}]
    other = core.call(
        "GET", "/v1/reconciliation", params={"kiosk_id": "kiosk-2", "date": "2026-11-23"}
    )
    assert other.status_code == 403
    bad = core.call("GET", "/v1/reconciliation", params={"date": "2026-13-45"})
    assert bad.status_code == 400


def test_telemetry_keeps_the_last_heartbeat(core: Core) -> None:
    reply = core.call("POST", "/v1/telemetry", json={"queue_depth": 3, "app_version": "0.1.0"})
    assert reply.status_code == 202
    core.call("POST", "/v1/telemetry", json={"queue_depth": 0})
    assert core.store.last_heartbeat("kiosk-1") == {"queue_depth": 0}
    assert core.call("POST", "/v1/telemetry", json=[1]).status_code == 400


def test_seed_is_idempotent(core: Core) -> None:
    core.store.seed_demo()
    assert len(core.store.billers()) == 3
    assert len(core.store.open_bills("SGCC", "9876543210")) == 2


def test_parse_tokens() -> None:
    assert parse_tokens("kiosk-1:a, kiosk-2:b:c") == {"kiosk-1": "a", "kiosk-2": "b:c"}
    for bad in ["", "kiosk-1", "kiosk-1:", ":x", "k:a,k:b"]:
        with pytest.raises(ValueError):
            parse_tokens(bad)
    with pytest.raises(ValueError) as info:
        parse_tokens("kiosk-1:topsecret,broken")
    assert "topsecret" not in str(info.value)
