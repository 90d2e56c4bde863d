"""The `kiosk` command: demo, run, the reference core and the device emulators.

Qt is imported only inside the handlers that open a window or take screenshots, through the
screens package, so every other command (and the whole kiosk package) stays headless.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.card_reader.stripe_emulator_cli import register as register_stripe_emulator
from drivers.coin.cctalk_emulator_cli import register as register_cctalk_emulator
from drivers.scanner.emulator_cli import register as register_scanner_emulator
from drivers.xfs4iot.emulator_cli import register as register_xfs4iot_emulator
from kiosk import __version__
from kiosk.cli.card import register_card_commands
from kiosk.cli.diag import register as register_diag_commands
from kiosk.cli.journal import register as register_journal_commands
from kiosk.cli.queue import register as register_queue_commands
from kiosk.errors import KioskError
from kiosk.technician.entry_cli import register as register_technician_commands

if TYPE_CHECKING:
    from kiosk.demo.env import DemoEnvironment
    from kiosk.journeys.screen_model import ScreenModel
    from kiosk.speech.recorder import VoiceRecorder

log = logging.getLogger("kiosk")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Self-service kiosk and ATM terminal."
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run with emulated devices and an embedded core system",
        description="Emulated devices and the reference core on loopback; no config needed. "
        "With a display the kiosk window opens; --headless (or no display) walks a scripted "
        "cash bill payment and writes screenshots, receipt images and summary.json.",
    )
    demo.add_argument("--headless", action="store_true", help="run the scripted journey")
    demo.add_argument("--out", type=Path, default=Path("demo-out"), help="output directory")
    demo.add_argument("--language", choices=["zh_CN", "en"], default="zh_CN")
    demo.set_defaults(handler=_demo)

    audit = commands.add_parser(
        "audit",
        help="walk every journey and check every screen as seen, heard and touched",
        description="Walks the demo kiosk through every journey in both languages, checks each "
        "screen (touch parity, sizes, contrast, speech, translation, orientation) and writes "
        "report.html; exit 1 on any finding.",
    )
    audit.add_argument("--out", type=Path, default=Path("audit-out"), help="output directory")
    audit.add_argument("--fast", action="store_true", help="the quick form `make test` runs")
    audit.set_defaults(handler=_audit)

    run = commands.add_parser(
        "run", help="run the kiosk from a config file", description="Run the kiosk."
    )
    run.add_argument("--config", type=Path, required=True, help="TOML config file")
    run.add_argument(
        "--reset-crash-loop", action="store_true", help="forget recent starts (cause fixed)"
    )
    run.set_defaults(handler=_run)

    check = commands.add_parser(
        "check-config", help="validate a config file and exit", description="Validate a config."
    )
    check.add_argument("config", type=Path)
    check.set_defaults(handler=_check_config)

    core = commands.add_parser(
        "core", help="the reference core system", description="Reference core system."
    )
    core_commands = core.add_subparsers(dest="core_command", required=True, metavar="COMMAND")
    serve = core_commands.add_parser(
        "serve",
        help="serve the core API over HTTP",
        description="Serve the core API. Kiosk tokens come from the environment variable "
        "CORE_KIOSK_TOKENS as 'kiosk-id:token,kiosk-id:token'.",
    )
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--db", default="sqlite:///core.db", help="SQLAlchemy URL")
    serve.set_defaults(handler=_core_serve)

    emulate = commands.add_parser(
        "emulate", help="device emulators", description="Device emulators on a pty."
    )
    emulators = emulate.add_subparsers(dest="device", required=True, metavar="DEVICE")
    essp = emulators.add_parser(
        "essp",
        help="eSSP banknote acceptor",
        description="eSSP banknote acceptor on a pty; type 'insert 100' to insert a note.",
    )
    essp.add_argument("--pty", action="store_true", required=True, help="serve on a pty pair")
    essp.add_argument("--link", help="also create a symlink to the pty at this path")
    essp.add_argument("--currency", default="CNY")
    essp.add_argument("--cashbox-file", type=Path, help="persist the cashbox count here")
    essp.add_argument("--denominations", default="1,5,10,20,50,100", help="note values, major")
    essp.add_argument("--escrow-timeout", type=float, default=10.0, help="seconds, then return")
    essp.set_defaults(handler=_emulate_essp)
    printer = emulators.add_parser(
        "printer",
        help="ESC/POS receipt printer",
        description="ESC/POS printer on a pty (or TCP); renders each cut receipt to PNG.",
    )
    where = printer.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a pty pair")
    where.add_argument("--tcp", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT")
    printer.add_argument("--link", help="also create a symlink to the pty at this path")
    printer.add_argument("--out", type=Path, default=Path("printer-out"))
    printer.add_argument("--paper", default="ready", help="ready|near_end|out|cover_open|offline")
    printer.add_argument("--fault", help="STATE:LINES, e.g. out:12 = paper out after 12 lines")
    printer.set_defaults(handler=_emulate_printer)
    register_cctalk_emulator(emulators)
    register_stripe_emulator(emulators)
    register_scanner_emulator(emulators)
    register_xfs4iot_emulator(emulators)
    register_queue_commands(commands)
    register_journal_commands(commands)
    register_diag_commands(commands)
    register_technician_commands(commands)
    register_card_commands(commands, emulators)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.handler(args))
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _demo(args: argparse.Namespace) -> int:
    from kiosk.demo.env import start_demo

    headless = args.headless or not _has_display()
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    env = start_demo(args.out, language=args.language, cards=True)  # cards when pcscd can run
    try:
        if headless:
            return _headless_demo(env)
        from screens.demo_window import run_demo_window

        return run_demo_window(env)
    finally:
        env.stop()


def _audit(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.demo.audit.runner import run_audit
    from screens.audit_probe import LARGE, STANDARD, AuditProbe
    from screens.snapshot import ensure_app
    from screens.theme import large_text, standard

    app = ensure_app()  # noqa: F841 - kept alive while the probes render
    probes = {
        "standard": lambda: AuditProbe(standard(), STANDARD),
        "large_text": lambda: AuditProbe(large_text(), LARGE),
    }
    result = run_audit(args.out, probes, fast=args.fast)
    for finding in result.findings:
        print(f"audit: {finding.screen_id}: {finding.rule}: {finding.detail}")
    for failure in result.failures:
        print(f"audit: tour stopped: {failure}")
    verdict = "PASS" if result.ok else "FAIL"
    print(
        f"audit: {verdict}: {len(result.screens)} screens, {result.rules} rules, "
        f"{len(result.findings)} findings; report {args.out / 'report.html'}"
    )
    return 0 if result.ok else 1


def _headless_demo(env: DemoEnvironment) -> int:
    from kiosk.demo.script import DemoFailed, run_headless_demo
    from screens.snapshot import ensure_app, render_png
    from screens.theme import standard

    app = ensure_app()  # noqa: F841 - kept alive while the journey renders screenshots
    theme = standard()
    voice = _voice_recorder(env)

    def snapshot(model: ScreenModel, path: Path) -> None:
        render_png(model, path, theme=theme)
        if voice is not None:
            voice.record(model, path.stem)  # what a blind customer hears on this screen

    try:
        summary = run_headless_demo(env, snapshot, technician=True)  # + maintenance tour
    except DemoFailed as exc:
        print(f"demo: the journey failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"demo: {summary['journey']} {summary['currency']} {summary['amount']} "
        f"txn {summary['txn_id']} synced={summary['synced']} core_ref={summary['core_ref']}"
    )
    if isinstance(tour := summary.get("technician"), dict):
        print(f"demo: maintenance mode toured, back in service: {tour['returned_to_service']}")
    print(f"demo: screenshots, voice, receipts and summary.json in {env.out_dir}/")
    return 0 if summary["synced"] else 1


def _voice_recorder(env: DemoEnvironment) -> VoiceRecorder | None:
    from kiosk.speech.engine import EspeakEngine, SpeechError
    from kiosk.speech.recorder import VoiceRecorder

    try:
        engine = EspeakEngine()
    except SpeechError as exc:
        print(f"demo: no voice files ({exc})", file=sys.stderr)
        return None
    return VoiceRecorder(env.out_dir / "voice", env.runtime.journey.catalog, engine)


def _run(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from kiosk.i18n import load_catalog
    from kiosk.runtime.app import build_kiosk
    from kiosk.runtime.config import load_config
    from kiosk.runtime.registry import default_registry
    from offline_queue.db import check_database

    config = load_config(args.config)
    check_database(config.database_url)  # corrupt: moved aside, DatabaseCorrupt, exit 2
    from kiosk.runtime.service import run_service
    from screens.app import run_window
    from screens.theme import large_text, standard

    clock, catalog = SystemClock(), load_catalog()
    theme = large_text() if config.screen.theme == "large_text" else standard()
    size = (config.screen.width, config.screen.height)
    return run_service(  # logs, crash-loop guard, watchdog and READY=1 (systemd), the window
        config,
        clock=clock,
        catalog=catalog,
        build=lambda: build_kiosk(
            config,
            clock=clock,
            registry=default_registry(),
            catalog=catalog,
            receipts_dir=config.data_dir / "receipts",
        ),
        show=lambda controller: run_window(
            controller, theme=theme, size=size, fullscreen=config.screen.fullscreen
        ),
        reset_crash_loop=args.reset_crash_loop,
    )


def _check_config(args: argparse.Namespace) -> int:
    from kiosk.runtime.config import load_config

    config = load_config(args.config)
    print(f"config ok: kiosk {config.kiosk_id}, core {config.core.url}")
    return 0


def _core_serve(args: argparse.Namespace) -> int:
    from core_system.cli import parse_tokens, serve

    try:
        tokens = parse_tokens(os.environ.get("CORE_KIOSK_TOKENS", ""))
    except ValueError as exc:
        print(f"kiosk core serve: CORE_KIOSK_TOKENS: {exc}", file=sys.stderr)
        return 2
    return serve(host=args.host, port=args.port, db_url=args.db, tokens=tokens)


def _emulate_essp(args: argparse.Namespace) -> int:
    from drivers.cash.essp_emulator_cli import run

    return run(
        link=args.link,
        currency=args.currency,
        denominations=tuple(int(v) for v in args.denominations.split(",")),
        cashbox_file=args.cashbox_file,
        escrow_timeout=args.escrow_timeout,
    )


def _emulate_printer(args: argparse.Namespace) -> int:
    from drivers.printer.emulator_cli import run

    return run(
        out_dir=args.out, link=args.link, tcp_port=args.tcp, paper=args.paper, fault=args.fault
    )


if __name__ == "__main__":
    raise SystemExit(main())
