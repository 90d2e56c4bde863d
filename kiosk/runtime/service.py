"""`kiosk run` as a service: logging, the crash-loop guard, the runtime, the watchdog, the window.

Why a module of its own: the order matters and is easy to get wrong in a CLI handler — logs
first (so everything after is recorded in the configured place), the crash-loop count before
any device is opened (an out-of-service start opens none), the liveness registry wired before
the threads start, READY=1 only from the running event loop — and the CLI only supplies how to
build the runtime and how to show a window, so tests drive this with fakes of both.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from kiosk.clock import Clock
from kiosk.i18n import Catalog
from kiosk.runtime.app import KioskRuntime
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.crash_loop import CrashLoopGuard, OutOfServiceController
from kiosk.runtime.liveness import Heartbeat, LivenessRegistry
from kiosk.runtime.log_output import config_secrets, install_logging
from kiosk.runtime.supervisor import PumpedController, SupervisedController, WatchdogPinger
from kiosk.runtime.systemd_notify import SystemdNotifier

log = logging.getLogger(__name__)

UI_MAX_SILENCE_S = 20.0  # the window pumps every 50 ms; 20 s without a pump is a hung UI
WORKER_MAX_BUSY_S = 120.0  # longer than any print job or core look-up with its retries
# The long-lived I/O loops the drivers and services run (their thread names): each must stay
# alive for the watchdog to be fed. Helpers that end on purpose ("card_reader-wake") are not here.
DEVICE_THREADS = (
    "essp-*",
    "cctalk-*",
    "stripe-*",
    "scanner-*",
    "xfs4iot *",
    "*-io",
    "*-jack",
    "outbox-sync",
    "speech",
    "daily-reconciliation",
)


@dataclass
class ServiceParts:
    """The watchdog's objects, built once per run by `run_service` (no globals)."""

    notifier: SystemdNotifier
    liveness: LivenessRegistry
    pinger: WatchdogPinger


def supervision(clock: Clock, env: Mapping[str, str] | None = None) -> ServiceParts:
    notifier = SystemdNotifier.from_environment(env)
    liveness = LivenessRegistry(clock)
    pinger = WatchdogPinger(notifier, liveness, clock, notifier.watchdog_interval_s)
    return ServiceParts(notifier, liveness, pinger)


def run_service(
    config: KioskConfig,
    *,
    clock: Clock,
    catalog: Catalog,
    build: Callable[[], KioskRuntime],
    show: Callable[[PumpedController], int],
    reset_crash_loop: bool = False,
    env: Mapping[str, str] | None = None,
) -> int:
    """Runs one kiosk until its window closes; returns the exit code."""
    install_logging(config.logging, config.data_dir, secrets=config_secrets(config, env), env=env)
    parts = supervision(clock, env)
    guard = CrashLoopGuard(config.data_dir, clock)
    if reset_crash_loop:
        guard.reset()
        log.warning("crash-loop counter reset by the technician")
    starts = guard.record_start()
    ui = parts.liveness.heartbeat("ui", UI_MAX_SILENCE_S)
    try:
        if starts.tripped:
            status = f"out of service: crash loop, {starts.describe()}"
            log.error(
                "technician alert: %s; no device opened. Fix the cause, then remove %s and "
                "restart (or run once with --reset-crash-loop)",
                status,
                guard.path,
            )
            parts.notifier.status(status)
            quiet = OutOfServiceController(catalog, config.default_language)
            controller = _supervised(quiet, parts, ui, status)
            try:
                with _stop_on_sigterm(controller):
                    return show(controller)
            finally:
                parts.notifier.stopping()
        runtime = build()
        runtime.workers.watch(parts.liveness, WORKER_MAX_BUSY_S)
        parts.notifier.status("starting: recovery, devices, sync")
        runtime.start()
        try:
            parts.liveness.watch_threads(threading.enumerate(), only=DEVICE_THREADS)
            log.info("watchdog watches %s", ", ".join(parts.liveness.names))
            controller = _supervised(runtime.controller, parts, ui, "in service")
            parts.pinger.status_source = lambda: _service_status(runtime)

            def stop_cleanly() -> None:
                _stop(parts, runtime)
                guard.forget(starts)  # no crash: this start does not count towards a loop

            controller.on_stop = stop_cleanly
            with _stop_on_sigterm(controller):
                code = show(controller)
            stop_cleanly()
            return code
        finally:
            _stop(parts, runtime)  # after a crash of the window too: devices closed, start kept
    finally:
        parts.notifier.close()


def _supervised(
    inner: PumpedController, parts: ServiceParts, ui: Heartbeat, status: str
) -> SupervisedController:
    return SupervisedController(
        inner, notifier=parts.notifier, pinger=parts.pinger, ui=ui, ready_status=status
    )


def _stop(parts: ServiceParts, runtime: KioskRuntime) -> None:
    """Once per run (a second call finds the runtime stopped and says nothing)."""
    if runtime.started:
        parts.notifier.stopping("stopping: closing devices")
        runtime.stop()


@contextmanager
def _stop_on_sigterm(controller: SupervisedController) -> Iterator[None]:
    """systemd stops a service with SIGTERM; Python's default would end the process without
    closing a device. The handler only asks: the next pump stops, between two journey steps."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (a test's worker)
        return
    previous = signal.signal(signal.SIGTERM, lambda _sig, _frame: controller.request_stop())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _service_status(runtime: KioskRuntime) -> str:
    """The attract screen's service state for `systemctl status`: "in service", "degraded:
    printer_paper_out, core_unreachable", "out of service: ..." (ids as in the technician's
    dashboard)."""
    snapshot = runtime.board.latest if runtime.board is not None else None
    if snapshot is None:
        return "in service"
    state = snapshot.service_state.value.replace("_", " ")
    reasons = ", ".join(snapshot.degraded_reasons)
    return f"{state}: {reasons}" if reasons else state
