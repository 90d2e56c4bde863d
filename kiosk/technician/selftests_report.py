"""`kiosk diag`'s work: open the configured devices, run the automatic tests, report per device.

A device is faulty when its health is not ONLINE or one of its tests FAILed; UNAVAILABLE (not
configured here) is not a fault. The same report goes into a live diagnostic bundle.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.clock import SystemClock, rfc3339
from kiosk.runtime.config import KioskConfig
from kiosk.technician.health import HealthMonitor, HealthSnapshot
from kiosk.technician.selftests import SelfTestResult, SelfTestStatus
from kiosk.technician.selftests_devices import build_suite
from kiosk.technician.selftests_rig import open_devices
from offline_queue.outbox import QueueStatus

log = logging.getLogger(__name__)


class EmptyQueue:
    """No database yet: an empty queue, not an error."""

    def status(self) -> QueueStatus:
        return QueueStatus(0, 0, 0, 0, None, None, None)


def _queue(config: KioskConfig) -> tuple[Any, Any]:
    """The kiosk's outbox (and its engine) when its database exists; a diagnostic run never
    creates one."""
    if not (config.data_dir / "kiosk.db").exists():
        return EmptyQueue(), None
    from offline_queue.db import make_engine
    from offline_queue.outbox import Outbox

    engine = make_engine(config.database_url)
    return Outbox(engine, config.kiosk_id, SystemClock()), engine


def _card_reader(config: KioskConfig, raw: dict[str, Any], on_event: Any) -> Any:
    """The EMV card reader of `[devices.card_reader]`, or None when the cabinet has none."""
    configured = config.devices.get("card_reader")
    if configured is not None:
        options = dict(configured.options)
    else:
        devices = raw.get("devices")
        table = devices.get("card_reader") if isinstance(devices, dict) else None
        if not isinstance(table, dict):
            return None
        options = dict(table)
    from drivers.card_reader.pcsc import PcscCardReader
    from kiosk.cli.card import DEFAULT_READER

    return PcscCardReader(
        "card",
        str(options.get("reader", DEFAULT_READER)),
        on_event,
        wait_ms=int(options.get("wait_ms", 100)),
        retry_s=float(options.get("retry_s", 0.2)),
    )


def _stripe_head(config: KioskConfig, on_event: Any) -> Any:
    """The hybrid reader's stripe head (`stripe_port`), or None when the cabinet has none."""
    configured = config.devices.get("card_reader")
    if configured is None:
        return None
    from kiosk.card.stripe import stripe_head
    from kiosk.clock import SystemClock

    return stripe_head(dict(configured.options), on_event, SystemClock())


def _speech() -> tuple[Any, str]:
    """espeak-ng renders the test prompt to a file; playback is reported, not needed."""
    from kiosk.speech.engine import EspeakEngine, SpeechError
    from kiosk.speech.select import has_playback_device

    try:
        engine = EspeakEngine()
    except SpeechError as exc:
        return None, str(exc)
    return engine, "" if has_playback_device() else "no sound card for headphone output"


def run_diagnostics(
    config: KioskConfig, raw: dict[str, Any], scratch: Path, *, timeout_s: float = 5.0
) -> dict[str, Any]:
    from kiosk.i18n import load_catalog
    from kiosk.runtime.registry import default_registry
    from kiosk.technician.selftests import EventTap

    tap = EventTap()
    speech, problem = _speech()
    opened = open_devices(
        config,
        default_registry(),
        load_catalog(),
        work_dir=scratch / "diag",
        card_reader=_card_reader(config, raw, tap.publish),
        card_stripe=_stripe_head(config, tap.publish),
        speech=speech,
        speech_problem=problem,
        tap=tap,
    )
    opened.selftest.timeout_s = timeout_s
    queue, engine = _queue(config)
    try:
        results = build_suite(opened.selftest).run_noninteractive()
        monitor = HealthMonitor(
            opened.devices,
            queue,
            SystemClock(),
            version=__version__,
            data_dir=config.data_dir,
            kiosk_id=config.kiosk_id,
        )
        snapshot = monitor.snapshot()
    finally:
        opened.close()
        if engine is not None:
            engine.dispose()
    return build_report(snapshot, results)


def build_report(snapshot: HealthSnapshot, results: list[SelfTestResult]) -> dict[str, Any]:
    wire = snapshot.wire()
    failed = {r.device_id for r in results if r.status is SelfTestStatus.FAIL}
    faulty = sorted({d.device_id for d in snapshot.faulty} | failed)
    devices = []
    for device in wire["devices"]:
        tests = [r.wire() for r in results if r.device_id == device["device_id"]]
        devices.append({**device, "tests": tests, "faulty": device["device_id"] in faulty})
    known = {d["device_id"] for d in devices}
    for result in results:  # tests without a device of that id (speech, an absent reader)
        if result.device_id not in known:
            known.add(result.device_id)
            tests = [r.wire() for r in results if r.device_id == result.device_id]
            devices.append(
                {
                    "device_id": result.device_id,
                    "state": "-",
                    "tests": tests,
                    "faulty": result.device_id in faulty,
                }
            )
    return {
        "kiosk_id": snapshot.kiosk_id,
        "version": snapshot.version,
        "taken_at": rfc3339(snapshot.taken_at),
        "service_state": snapshot.service_state.value,
        "degraded_reasons": list(snapshot.degraded_reasons),
        "warnings": list(snapshot.warnings),
        "tenders": list(snapshot.tenders),
        "queue": wire["queue"],
        "free_disk_bytes": snapshot.free_disk_bytes,
        "devices": devices,
        "faulty": faulty,
        "ok": not faulty,
    }


def render_text(report: dict[str, Any]) -> str:
    reasons = ", ".join(report["degraded_reasons"]) or "-"
    lines = [
        f"kiosk {report['kiosk_id']} v{report['version']} at {report['taken_at']}",
        f"service state: {report['service_state']} (reasons: {reasons})",
        "",
    ]
    for device in report["devices"]:
        mark = "FAULTY" if device["faulty"] else "ok"
        head = f"{device['device_id']:<10} {device['state']:<15} {mark}"
        if device.get("detail"):
            head += f"  {device['detail']}"
        lines.append(head)
        supplies = " ".join(f"{k}={v}" for k, v in sorted(device.get("supplies", {}).items()))
        counters = " ".join(f"{k}={v}" for k, v in sorted(device.get("counters", {}).items()))
        for label, text in (("supplies", supplies), ("counters", counters)):
            if text:
                lines.append(f"    {label}: {text}")
        if device.get("last_error"):
            error = device["last_error"]
            lines.append(f"    last error: {error['detail']} at {error['at']}")
        for test in device["tests"]:
            details = " ".join(f"{k}={v}" for k, v in sorted(test["details"].items()) if v)
            lines.append(
                f"    test {test['test']:<15} {test['status'].upper():<11} {test['code']:<20} "
                f"{test['duration_ms']:.0f} ms  {details}".rstrip()
            )
    queue = report["queue"]
    lines += [
        "",
        f"queue: pending={queue['pending']} dead={queue['dead']} "
        f"last sync={queue['last_sync_at'] or 'never'}",
        "RESULT: "
        + ("all devices ok" if report["ok"] else "FAULTY: " + ", ".join(report["faulty"])),
    ]
    return "\n".join(lines)
