"""`kiosk queue ...` and reconciliation, against a real kiosk database and the reference core."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.cli.main import main
from kiosk.clock import SystemClock
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from kiosk.money.reconciliation import reconcile
from offline_queue.db import make_engine
from offline_queue.events import TechnicianAlert
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox

TOKEN_ENV = "KIOSK_TEST_CORE_TOKEN"


@dataclass
class Site:
    config: Path
    db_url: str
    engine: Engine
    ledger: Ledger
    outbox: Outbox
    core_url: str
    store: Store

    def pay(self, amount: str, *, txn_type: str = "topup", bill: str | None = None) -> str:
        txn_id = str(uuid.uuid4())
        details = {"biller": "SGCC", "bill_id": bill} if bill else {"phone": "138****0000"}
        self.ledger.commit_money(
            "s-1",
            "payment_committed",
            {},
            txn_id=txn_id,
            txn_type=txn_type,
            amount=Money(Decimal(amount), "CNY"),
            tender={"type": "cash", "notes": {amount: 1}},
            details=details,
        )
        return txn_id


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens={"kiosk-7": "tok-7"})
    url = server.start()
    data = tmp_path / "data"
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nid = "kiosk-7"\ndata_dir = "{data}"\n'
        f'[core]\nurl = "{url}"\ntoken_env = "{TOKEN_ENV}"\n'
        '[devices.cash]\nbackend = "essp-emulated"\n'
        '[devices.printer]\nbackend = "escpos-emulated"\n',
        "utf-8",
    )
    monkeypatch.setenv(TOKEN_ENV, "tok-7")
    db_url = f"sqlite:///{data / 'kiosk.db'}"
    engine = make_engine(db_url)
    clock = SystemClock()
    outbox = Outbox(engine, "kiosk-7", clock)
    ledger = Ledger(engine, outbox, clock)
    outbox.create_schema()
    ledger.create_schema()
    yield Site(config, db_url, engine, ledger, outbox, url, store)
    engine.dispose()
    server.stop()
    store.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_status_sync_dead_retry_export_as_a_technician_would(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [site.pay("10.00"), site.pay("20.00")]
    poison = site.pay("30.00", txn_type="bill_payment", bill="B-NO-SUCH-BILL")
    code, out, _ = run(capsys, "queue", "status", "--json", "--config", str(site.config))
    status = json.loads(out)
    assert code == 0 and status["pending"] == 3 and status["last_success_at"] is None

    code, _, err = run(capsys, "queue", "sync", "--config", str(site.config))
    assert code == 0
    assert "3/3" in err and "drained: 2 accepted, 1 dead" in err  # the progress bar

    code, out, _ = run(capsys, "queue", "dead", "--db", site.db_url)
    assert poison in out and "UNKNOWN_BILL" in out and "30.00" in out
    monkeypatch.delenv(TOKEN_ENV)  # status/dead/retry/export need no credential
    code, out, _ = run(capsys, "queue", "status", "--config", str(site.config))
    assert "accepted   2" in out and "dead       1" in out and "UNKNOWN_BILL" in out

    code, out, _ = run(capsys, "queue", "retry", poison, "--db", site.db_url)
    assert code == 0 and "seq 3" in out
    assert site.outbox.item(poison).state.value == "pending"  # type: ignore[union-attr]
    code, _, err = run(capsys, "queue", "retry", good[0], "--db", site.db_url)
    assert code == 2 and "QUEUE_NOT_DEAD" in err

    export = tmp_path / "queue.jsonl"
    code, out, _ = run(capsys, "queue", "export", str(export), "--db", site.db_url)
    lines = [json.loads(line) for line in export.read_text("utf-8").splitlines()]
    assert [x["txn_id"] for x in lines] == [*good, poison]
    assert [x["state"] for x in lines] == ["accepted", "accepted", "pending"]
    assert lines[0]["payload"]["amount"] == "10.00" and lines[0]["core_ref"]


def test_sync_reports_failure_and_leaves_money_queued_when_the_core_is_away(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site.pay("10.00")
    config = site.config.read_text("utf-8").replace(site.core_url, "http://127.0.0.1:9")
    away = tmp_path / "away.toml"
    away.write_text(config, "utf-8")
    code, _, err = run(capsys, "queue", "sync", "--config", str(away), "--deadline", "0")
    assert code == 1 and "CORE_UNREACHABLE" in err and "deadline" in err
    assert site.outbox.status().pending == 1


def test_reconciliation_matches_explains_unsent_and_flags_real_differences(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.pay("10.00")
    site.pay("25.50")
    assert run(capsys, "queue", "sync", "--config", str(site.config))[0] == 0
    site.pay("7.00")  # journaled, not yet sent
    today = datetime.now(UTC).date().isoformat()
    code, out, _ = run(capsys, "queue", "reconcile", "--config", str(site.config), "--json")
    report = json.loads(out)
    assert code == 0 and report["matches"] is True
    assert report["kiosk_accepted"]["topup"] == {
        "count": 2,
        "totals": [{"amount": "35.50", "currency": "CNY"}],
    }
    assert report["kiosk_unsent"]["topup"]["count"] == 1
    assert report["date"] == today

    # Someone else's transaction under this kiosk's id reaches the core: a real difference.
    stray = {
        "txn_id": str(uuid.uuid4()),
        "kiosk_id": "kiosk-7",
        "seq": 99,
        "type": "topup",
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "amount": "5.00",
        "currency": "CNY",
        "tender": {"type": "cash"},
        "details": {},
    }
    requests.post(
        site.core_url + "/v1/transactions",
        json={"transactions": [stray]},
        headers={"X-Kiosk-Id": "kiosk-7", "Authorization": "Bearer tok-7"},
        timeout=5,
    ).raise_for_status()
    alerts: list[object] = []
    http = CoreHttp(site.core_url, "kiosk-7", "tok-7")
    report_obj = reconcile(
        site.engine, http, "kiosk-7", datetime.now(UTC).date(), alert=alerts.append
    )
    http.close()
    assert not report_obj.matches
    assert (
        "kiosk accepted 2 CNY 35.50, core holds 3 CNY 40.50" in report_obj.differences[0].describe()
    )
    assert isinstance(alerts[0], TechnicianAlert)
    assert alerts[0].code == "RECONCILIATION_DIFFERENCE"
    assert report_obj.seq_gaps == [{"first": 3, "last": 98}]
    heartbeat = site.store.last_heartbeat("kiosk-7")
    assert heartbeat is not None and heartbeat["reconciliation"]["matches"] is False
    code, out, _ = run(capsys, "queue", "reconcile", "--config", str(site.config))
    assert code == 1 and "DIFFERENCES" in out and "seq gaps" in out
