"""The diagnostic bundle: complete, signed, tamper-evident, and never carrying a secret."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kiosk.cli.main import main
from kiosk.money import journal
from offline_queue.db import make_engine

TOKEN = "core-token-Zq8xVv3pLm2Nw7Rt"
PIN_KEY = "0123456789ABCDEFFEDCBA9876543210"
JOURNAL_KEY = "journal-seal-key-7f3a9c1e5b2d"
CONFIG = """
[kiosk]
id = "kiosk-0042"
data_dir = "{data}"

[core]
url = "https://core.example.com"
token_env = "T_CORE_TOKEN"

[devices.cash]
backend = "essp-emulated"

[devices.printer]
backend = "escpos-emulated"

[devices.card_reader]
backend = "pcsc"
reader = "Virtual PCD 00 00"

[devices.pinpad]
backend = "emulated"
key_env = "T_PIN_KEY"

[journal]
key_env = "T_JOURNAL_KEY"
"""


@pytest.fixture
def kiosk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True)
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(data=data), "utf-8")
    monkeypatch.setenv("T_CORE_TOKEN", TOKEN)
    monkeypatch.setenv("T_PIN_KEY", PIN_KEY)
    monkeypatch.setenv("T_JOURNAL_KEY", JOURNAL_KEY)
    # a careless log line and a journal record that leaked secrets: the bundle must not carry them
    (data / "logs" / "kiosk.log").write_text(
        f"08:00 INFO started\n08:01 DEBUG Authorization: Bearer {TOKEN}\n", "utf-8"
    )
    engine = make_engine(f"sqlite:///{data / 'kiosk.db'}")
    journal.JournalBase.metadata.create_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        for days, kind in ((30, "old_session"), (1, "session_started"), (0, "note_stacked")):
            journal.append(
                session,
                at=now - timedelta(days=days),
                session_id="s1",
                kind=kind,
                data={"note": "100", "debug": f"pinkey={PIN_KEY} seal={JOURNAL_KEY}"},
                seal_key=JOURNAL_KEY.encode(),
            )
    engine.dispose()
    (data / "health.json").write_text(json.dumps({"service_state": "degraded"}), "utf-8")
    return config


def _bundle(config: Path, out: Path, *extra: str) -> int:
    return main(["diag", "bundle", "--config", str(config), "--out", str(out), *extra])


def test_bundle_holds_every_part_and_no_secret_anywhere(kiosk: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    assert _bundle(kiosk, out) == 0
    raw = out.read_bytes()
    with zipfile.ZipFile(out) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    assert set(members) == {
        "journal.jsonl",
        "journal_check.json",
        "logs/kiosk.log",
        "device_status.json",
        "config.json",
        "environment.json",
        "queue.json",
        "manifest.json",
        "manifest.hmac",
    }
    for secret in (TOKEN, PIN_KEY, JOURNAL_KEY):
        for form in (secret.encode(), secret.encode().hex().encode()):
            assert form not in raw
            assert not [n for n, data in members.items() if form in data], secret
    # default slice: the last 7 days, not the 30-day-old record
    kinds = [json.loads(line)["kind"] for line in members["journal.jsonl"].splitlines()]
    assert kinds == ["session_started", "note_stacked"]
    assert b"[REDACTED]" in members["logs/kiosk.log"] and b"started" in members["logs/kiosk.log"]
    config = json.loads(members["config.json"])
    assert config["core"]["token_env"] == "T_CORE_TOKEN"  # which variable, never its value
    assert json.loads(members["environment.json"])["T_PIN_KEY"] == "set"
    assert json.loads(members["journal_check.json"])["intact"] is True
    assert json.loads(members["device_status.json"])["service_state"] == "degraded"
    assert json.loads(members["queue.json"])["pending"] == 0
    manifest = json.loads(members["manifest.json"])
    assert manifest["kiosk_id"] == "kiosk-0042" and len(manifest["files"]) == 7


def test_explicit_range_selects_the_old_day(kiosk: Path, tmp_path: Path) -> None:
    day = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    out = tmp_path / "old.zip"
    assert _bundle(kiosk, out, "--from", day, "--to", day) == 0
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("journal.jsonl").splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["old_session"]


def _rewrite(src: Path, dst: Path, change: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = change.get(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
        for name, data in change.items():
            if name not in zin.namelist() and data is not None:
                zout.writestr(name, data)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"queue.json": b'{"pending": 0, "dead": 0}'}, "queue.json: content changed"),
        ({"logs/kiosk.log": None}, "logs/kiosk.log: missing"),
        ({"extra.txt": b"planted"}, "extra.txt: not in the manifest"),
        ({"manifest.json": b'{"files": {}}'}, "manifest HMAC does not match"),
    ],
)
def test_verify_bundle_detects_tampering(
    kiosk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict, problem: str
) -> None:
    out, bad = tmp_path / "b.zip", tmp_path / "bad.zip"
    assert _bundle(kiosk, out) == 0
    assert main(["diag", "verify-bundle", str(out), "--config", str(kiosk)]) == 0
    _rewrite(out, bad, change)
    capsys.readouterr()
    assert main(["diag", "verify-bundle", str(bad), "--config", str(kiosk), "--json"]) == 1
    assert problem in json.loads(capsys.readouterr().out)["problems"]


def test_verify_with_the_wrong_key_fails(
    kiosk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "b.zip"
    assert _bundle(kiosk, out) == 0
    monkeypatch.setenv("OTHER_KEY", "not-the-journal-seal-key")
    assert main(["diag", "verify-bundle", str(out), "--key-env", "OTHER_KEY"]) == 1


def test_no_seal_key_refuses_to_write_an_unsigned_bundle(
    kiosk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("T_JOURNAL_KEY")
    assert _bundle(kiosk, tmp_path / "b.zip") == 2
    assert not (tmp_path / "b.zip").exists()
