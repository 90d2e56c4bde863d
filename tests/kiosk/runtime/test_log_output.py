"""[logging]: JSON lines, a rotating file that never grows past its limits, journald's priority
prefix under systemd, and the configured secrets masked in every field."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.errors import ConfigError
from kiosk.runtime.log_output import LogConfig, install_logging, parse_logging, under_journald


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_the_file_rotates_and_the_log_never_takes_more_than_its_limit(tmp_path: Path) -> None:
    config = parse_logging({"target": "file", "max_bytes": 65536, "backup_count": 2})
    install_logging(config, tmp_path, env={})
    log = logging.getLogger("kiosk.test")
    for n in range(3000):
        log.info("note %d stacked in the cashbox, channel %d", n, n % 6)
    files = sorted((tmp_path / "logs").iterdir())
    assert [f.name for f in files] == ["kiosk.jsonl", "kiosk.jsonl.1", "kiosk.jsonl.2"]
    assert all(f.stat().st_size <= 65536 for f in files)
    last = json.loads(files[0].read_text("utf-8").splitlines()[-1])
    assert last["msg"] == "note 2999 stacked in the cashbox, channel 5"
    assert last["level"] == "INFO" and last["logger"] == "kiosk.test"


def test_exceptions_are_one_json_line_with_the_traceback_in_a_field(tmp_path: Path) -> None:
    handler = install_logging(LogConfig(target="file"), tmp_path, env={})
    try:
        raise ValueError("printer said nonsense")
    except ValueError:
        logging.getLogger("kiosk.test").exception("job failed")
    handler.flush()
    lines = (tmp_path / "logs" / "kiosk.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["msg"] == "job failed" and "ValueError: printer said nonsense" in line["exc"]


def test_under_journald_lines_go_to_stderr_with_a_priority(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (tmp_path / "stream").open("w") as stream:
        st = os.fstat(stream.fileno())
        env = {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
        assert under_journald(env, stream)
        assert not under_journald({"JOURNAL_STREAM": "1:2"}, stream)  # inherited, not ours
        assert not under_journald({}, stream)
    install_logging(LogConfig(target="journal"), tmp_path, env={})
    logging.getLogger("kiosk.test").error("cash: jammed")
    err = capsys.readouterr().err.strip()
    assert err.startswith("<3>{") and json.loads(err[3:])["msg"] == "cash: jammed"
    assert not (tmp_path / "logs").exists()


def test_secrets_are_masked_even_if_some_module_logs_one(tmp_path: Path) -> None:
    handler = install_logging(
        LogConfig(target="file"), tmp_path, secrets=["s3cr3t-token", "ab"], env={}
    )
    logging.getLogger("kiosk.test").warning("bad call with %s and ab", "s3cr3t-token")
    handler.flush()
    line = json.loads((tmp_path / "logs" / "kiosk.jsonl").read_text("utf-8"))
    assert line["msg"] == "bad call with *** and ab"  # too short to be a secret: kept


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"target": "syslog"}, "logging.target"),
        ({"level": "TRACE"}, "logging.level"),
        ({"max_bytes": 10}, "logging.max_bytes"),
        ({"backup_count": 0}, "logging.backup_count"),
        ({"backup_count": True}, "logging.backup_count"),
        ({"file": 3}, "logging.file"),
    ],
)
def test_bad_values_name_their_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_logging(table)
    assert caught.value.key == key
