"""The main loop's side of the watchdog: READY=1 once the attract screen is up, WATCHDOG=1 pings
only while every thread the kiosk depends on is fresh, STATUS= lines that say why not.

`SupervisedController` wraps the journey controller the window pumps (screens/ sees the same
KioskController protocol), so the pings come from the UI thread's own loop: a UI thread that
hangs stops pumping, and with it the pings, and systemd restarts the kiosk after WatchdogSec=.
A stalled worker or device thread stops the pings the same way, through the liveness registry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from kiosk.clock import Clock
from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from kiosk.runtime.liveness import Heartbeat, LivenessRegistry, Stall
from kiosk.runtime.systemd_notify import SystemdNotifier

log = logging.getLogger(__name__)

STATUS_INTERVAL_S = 5.0  # how often STATUS= is refreshed when systemd set no watchdog


class PumpedController(Protocol):
    """What the window drives (screens/controller.py KioskController) plus `voice`."""

    voice: Any

    def press(self, key: Key) -> None: ...
    def pump(self) -> ScreenModel | None: ...
    def current_screen(self) -> ScreenModel: ...
    def blanked(self) -> bool: ...
    def set_waker(self, waker: Callable[[], None] | None) -> None: ...

    @property
    def large_text(self) -> bool: ...


class WatchdogPinger:
    """Pings at most every `interval_s` (half of WatchdogSec=), and only with no stall."""

    def __init__(
        self,
        notifier: SystemdNotifier,
        liveness: LivenessRegistry,
        clock: Clock,
        interval_s: float | None,
    ) -> None:
        self._notifier = notifier
        self._liveness = liveness
        self._clock = clock
        self.interval_s = interval_s
        self._last: float | None = None
        self.stalled: list[Stall] = []
        self.in_service_status = "in service"
        # What STATUS= says while every thread is fresh (the service board's state, wired by
        # kiosk/runtime/service.py); sent again only when it changes.
        self.status_source: Callable[[], str] | None = None
        self.status_sent = ""

    def tick(self) -> bool:
        """Called on every pump; True when a WATCHDOG=1 was sent this time."""
        now = self._clock.monotonic()
        interval = self.interval_s or STATUS_INTERVAL_S
        if self._last is not None and now - self._last < interval:
            return False
        self._last = now
        stalls = self._liveness.stalls()
        if stalls:
            if [s.name for s in stalls] != [s.name for s in self.stalled]:  # said once
                text = "; ".join(str(s) for s in stalls)
                log.error("technician alert: watchdog not fed, systemd will restart: %s", text)
                self._notifier.status(f"stalled: {text}")
            self.stalled = stalls
            return False
        if self.stalled:
            log.warning("watchdog: every thread fresh again, pings resumed")
        status = self.status_source() if self.status_source else self.in_service_status
        if self.stalled or status != self.status_sent:
            self._notifier.status(status)
            self.status_sent = status
        self.stalled = []
        if self.interval_s is None:
            return False
        self._notifier.watchdog()
        return True


class SupervisedController:
    """The journey controller with the UI heartbeat, READY=1 and the watchdog on its pump."""

    def __init__(
        self,
        inner: PumpedController,
        *,
        notifier: SystemdNotifier,
        pinger: WatchdogPinger,
        ui: Heartbeat,
        ready_status: str = "in service",
    ) -> None:
        self._inner = inner
        self._notifier = notifier
        self._pinger = pinger
        self._ui = ui
        self._ready_status = ready_status
        pinger.in_service_status = pinger.status_sent = ready_status  # READY=1 says it
        self.ready = False
        self._stop_requested = False
        self.on_stop: Callable[[], None] = lambda: None

    def request_stop(self) -> None:
        """From the SIGTERM handler: stop at the next pump, between two journey steps."""
        self._stop_requested = True

    @property
    def voice(self) -> Any:
        return self._inner.voice

    @property
    def large_text(self) -> bool:
        return self._inner.large_text

    def press(self, key: Key) -> None:
        self._inner.press(key)

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        self._inner.set_waker(waker)

    def current_screen(self) -> ScreenModel:
        return self._inner.current_screen()

    def blanked(self) -> bool:
        return self._inner.blanked()

    def pump(self) -> ScreenModel | None:
        if self._stop_requested:
            # `systemctl stop`: close the devices now — a SystemExit raised in a Qt slot ends the
            # process without unwinding to the caller's `finally`.
            self._stop_requested = False
            self.on_stop()
            raise SystemExit(0)
        self._ui.beat()
        model = self._inner.pump()
        if not self.ready and self._inner.current_screen().screen_id == "attract":
            self.ready = True  # pumped by the running event loop: the window is up
            self._notifier.ready(self._ready_status)
            log.info("ready: %s", self._ready_status)
        self._pinger.tick()
        return model
