"""Start-up faults end in a typed error and exit code 2, never a traceback or a crash loop
(issue 19 #10): a TOML file nested 5,000 deep, a corrupt SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.errors import ConfigError
from kiosk.runtime.config import load_config
from offline_queue.db import DatabaseCorrupt, check_database
from tests.kiosk.test_config import ENV, EXAMPLE


def deep_toml(tmp_path: Path) -> Path:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    return path


def test_a_5000_deep_array_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = deep_toml(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(path, ENV)
    assert str(path) in str(info.value)


def test_check_config_and_queue_tools_exit_2_on_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deep_toml(tmp_path)
    assert main(["check-config", str(path)]) == 2
    assert main(["queue", "status", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "RecursionError" not in err
    assert str(path) in err


def kiosk_config(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text("utf-8").replace('"/var/lib/kiosk"', f'"{tmp_path / "data"}"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, "utf-8")
    return path


def corrupt_database(data: Path) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    db = data / "kiosk.db"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    conn.close()
    raw = bytearray(db.read_bytes())
    raw[4096 : 4096 * 3] = b"\xde\xad" * 4096  # pages smashed, header intact
    db.write_bytes(bytes(raw))
    (data / "kiosk.db-wal").write_bytes(b"the last commits, maybe")
    return db


def test_a_corrupt_database_is_moved_aside_and_the_kiosk_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    db = corrupt_database(tmp_path / "data")
    config = kiosk_config(tmp_path)
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_CORRUPT" in err and "Traceback" not in err
    assert not db.exists()
    kept = sorted(p.name for p in db.parent.iterdir())
    assert any(n.startswith("kiosk.db.corrupt-") and n.endswith("-wal") for n in kept), kept
    assert any(n.startswith("kiosk.db.corrupt-") and not n.endswith("-wal") for n in kept)
    # Started again (a supervisor), it still refuses: a fresh empty database would restart
    # the seq counter and forget money that is not yet at the core.
    assert main(["run", "--config", str(config)]) == 2
    assert "DATABASE_CORRUPT" in capsys.readouterr().err
    assert not db.exists()


def test_a_garbage_file_is_corrupt_too(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    db.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(DatabaseCorrupt) as info:
        check_database(f"sqlite:///{db}")
    assert info.value.code == "DATABASE_CORRUPT" and str(tmp_path) in str(info.value)


def test_a_healthy_or_missing_database_passes(tmp_path: Path) -> None:
    check_database(f"sqlite:///{tmp_path}/new.db")  # a fresh kiosk: nothing to check
    conn = sqlite3.connect(tmp_path / "ok.db")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    check_database(f"sqlite:///{tmp_path}/ok.db")
    assert (tmp_path / "ok.db").exists()


def test_a_healthy_database_with_its_log_passes_and_the_log_is_untouched(tmp_path: Path) -> None:
    from sqlalchemy import text

    from offline_queue.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x)"))
        conn.execute(text("INSERT INTO t VALUES ('committed, in the WAL only')"))
    wal = tmp_path / "kiosk.db-wal"
    before = wal.read_bytes()
    check_database(f"sqlite:///{tmp_path}/kiosk.db")  # while the kiosk's engine is open
    assert wal.read_bytes() == before
    engine.dispose()


def test_queue_tools_on_a_garbage_database_exit_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kiosk.db"
    db.write_bytes(b"this is not a database at all" * 100)
    assert main(["queue", "status", "--db", f"sqlite:///{db}"]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_UNUSABLE" in err and "Traceback" not in err
    assert db.exists()  # a tool reports; only the kiosk's start-up moves a database aside
