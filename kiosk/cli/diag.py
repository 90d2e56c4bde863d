"""`kiosk diag`: device self-tests, the diagnostic bundle and its check, for the technician.

    kiosk diag [--config FILE] [--json]           open the devices, run the automatic
                                                  self-tests, print a per-device report;
                                                  exit 1 when any device is faulty
    kiosk diag bundle --config FILE --out FILE    zip: journal slice (--from/--to, default the
                                                  last 7 days), logs, device status, redacted
                                                  config, queue, manifest + HMAC
    kiosk diag verify-bundle FILE                 check the manifest HMAC and every file hash

`kiosk diag` opens the devices itself: stop the kiosk first. Without --config it runs against
the emulators (what a healthy report looks like). None of these needs the core credential; the
bundle is signed with the journal seal key (the variable `[journal] key_env` names, or
--key-env, default KIOSK_JOURNAL_KEY).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import tomllib
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError, KioskError

DEFAULT_KEY_ENV = "KIOSK_JOURNAL_KEY"
PLACEHOLDER = "00" * 16  # valid as a token, a seal key and a 16-byte hex PIN key


def register(commands: Any) -> None:
    """Adds `diag` to the top-level subcommands (called once from kiosk.cli.build_parser)."""
    diag = commands.add_parser(
        "diag",
        help="device self-tests and the diagnostic bundle",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diag.add_argument("--config", type=Path, help="the kiosk's TOML config (default: emulators)")
    diag.add_argument("--json", action="store_true", help="machine-readable output")
    diag.add_argument("--timeout", type=float, default=5.0, help="seconds per device step")
    diag.add_argument(
        "--force", action="store_true", help="run even though the kiosk looks like it is running"
    )
    diag.set_defaults(handler=_diag)
    sub = diag.add_subparsers(dest="diag_command", metavar="COMMAND")
    bundle = sub.add_parser("bundle", help="write the diagnostic bundle (zip)")
    bundle.add_argument("--config", type=Path, required=True, help="the kiosk's TOML config")
    bundle.add_argument("--out", type=Path, required=True, help="zip file to write")
    bundle.add_argument("--from", dest="first", type=date.fromisoformat, help="YYYY-MM-DD (UTC)")
    bundle.add_argument("--to", dest="last", type=date.fromisoformat, help="YYYY-MM-DD (UTC)")
    bundle.add_argument("--key-env", help="variable with the seal key (default: from config)")
    bundle.add_argument(
        "--live", action="store_true", help="open the devices for a live status (kiosk stopped)"
    )
    bundle.set_defaults(handler=_bundle)
    verify = sub.add_parser("verify-bundle", help="check a bundle's HMAC and file hashes")
    verify.add_argument("file", type=Path)
    verify.add_argument("--config", type=Path, help="the kiosk's config (names the key variable)")
    verify.add_argument("--key-env", help=f"variable with the seal key (default {DEFAULT_KEY_ENV})")
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(handler=_verify)


# -- config without credentials -----------------------------------------------------------------


def read_raw(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError("(file)", f"a readable TOML file at {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("(file)", f"valid TOML ({exc})") from exc


def load_without_secrets(raw: dict[str, Any]) -> Any:
    """The validated config, with a placeholder for every secret variable that is not set in
    this shell: the self-tests and the bundle never talk to the core or take a PIN."""
    from kiosk.runtime.config import parse_config
    from kiosk.runtime.config_keys import IC_CARD_KEY_ENV

    env = dict(os.environ)
    ic_card = raw.get("devices", {}).get("ic_card_reader") if isinstance(raw, dict) else None
    implied = [IC_CARD_KEY_ENV] if isinstance(ic_card, dict) and "key_file" not in ic_card else []
    for variable in [*_env_names(raw), *implied]:  # the IC-card key variable has a default name
        if not env.get(variable):
            env[variable] = PLACEHOLDER
    return parse_config(raw, env)


def _env_names(node: Any) -> list[str]:
    names: list[str] = []
    if isinstance(node, dict):
        for name, value in node.items():
            if name.endswith("_env") and isinstance(value, str) and value:
                names.append(value)
            names += _env_names(value)
    return names


def key_env_name(raw: dict[str, Any] | None, override: str | None) -> str:
    if override:
        return override
    table = (raw or {}).get("journal", {})
    name = table.get("key_env") if isinstance(table, dict) else None
    return name if isinstance(name, str) and name else DEFAULT_KEY_ENV


# -- kiosk diag ---------------------------------------------------------------------------------


def _diag(args: argparse.Namespace) -> int:
    from kiosk.technician.selftests_report import render_text, run_diagnostics

    with tempfile.TemporaryDirectory(prefix="kiosk-diag-") as scratch:
        if args.config is None:
            from kiosk.technician.selftests_rig import emulated_config

            raw: dict[str, Any] = {}
            config = emulated_config(Path(scratch) / "data")
        else:
            raw = read_raw(args.config)
            config = load_without_secrets(raw)
            if not args.force:
                refuse_if_running(config)
        report = run_diagnostics(config, raw, Path(scratch), timeout_s=args.timeout)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_text(report))
    return 0 if report["ok"] else 1


class KioskRunning(KioskError):
    code = "KIOSK_RUNNING"


def refuse_if_running(config: Any) -> None:
    """Two programs driving one serial device would garble both (and a note could move): the
    running kiosk rewrites health.json every `[telemetry] refresh_s`, so a fresh one means it
    is up. --force overrides (a kiosk that died a moment ago)."""
    import time

    path = config.data_dir / "health.json"
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return
    if age < 3 * config.telemetry.refresh_s + 1:
        raise KioskRunning(
            f"the kiosk is running ({path} updated {age:.0f} s ago): stop it first, "
            "or pass --force if it has just stopped"
        )


# -- kiosk diag bundle / verify-bundle ----------------------------------------------------------


def _bundle(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from kiosk.technician.bundle import BundleWriter
    from kiosk.technician.bundle_redact import secret_values
    from kiosk.technician.bundle_sources import collect
    from offline_queue.db import make_engine

    raw = read_raw(args.config)
    config = load_without_secrets(raw)
    key = os.environ.get(key_env_name(raw, args.key_env), "").encode()
    if not key:
        raise ConfigError(
            "journal.key_env", f"{key_env_name(raw, args.key_env)} set: it signs the bundle"
        )
    clock = SystemClock()
    today = clock.now().astimezone(UTC).date()
    last = args.last or today
    first = args.first or last - timedelta(days=6)
    if last < first:
        raise ConfigError("--to", "a date on or after --from")
    extra = [key, config.core.token, config.journal_key, *_device_keys(config)]
    secrets = [s for s in secret_values(raw, extra=extra) if s != PLACEHOLDER.encode()]
    live = None
    if args.live:
        refuse_if_running(config)
        from kiosk.technician.selftests_report import run_diagnostics

        with tempfile.TemporaryDirectory(prefix="kiosk-diag-") as scratch:
            live = run_diagnostics(config, raw, Path(scratch), timeout_s=5.0)
    writer = BundleWriter(secrets)
    engine = make_engine(config.database_url)
    try:
        collect(
            writer,
            raw_config=raw,
            engine=engine,
            data_dir=config.data_dir,
            kiosk_id=config.kiosk_id,
            clock=clock,
            first=first,
            last=last,
            key=key,
            live_status=live,
        )
    finally:
        engine.dispose()
    header = {
        "kiosk_id": config.kiosk_id,
        "created_at": clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "journal_from": first.isoformat(),
        "journal_to": last.isoformat(),
    }
    manifest = writer.write(args.out, key, header)
    print(f"diagnostic bundle {args.out}: {len(manifest['files'])} files, signed")
    return 0


def _device_keys(config: Any) -> list[bytes]:
    """Key material held in device options (the PIN pad's key, as a SecretKey)."""
    keys = []
    for device in config.devices.values():
        for value in device.options.values():
            if hasattr(value, "reveal"):
                keys.append(value.reveal())
    return keys


def _verify(args: argparse.Namespace) -> int:
    from kiosk.technician.bundle import verify_bundle

    raw = read_raw(args.config) if args.config else None
    name = key_env_name(raw, args.key_env)
    key = os.environ.get(name, "").encode()
    if not key:
        raise ConfigError("--key-env", f"{name} set to the journal seal key")
    check = verify_bundle(args.file, key)
    if args.json:
        print(json.dumps(check.wire()))
    elif check.ok:
        print(f"bundle intact: manifest HMAC valid, {check.files} files match their hashes")
    else:
        print(f"bundle NOT intact: {'; '.join(check.problems)}", file=sys.stderr)
    return 0 if check.ok else 1
