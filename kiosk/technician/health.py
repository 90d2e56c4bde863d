"""One consistent picture of the kiosk's health: devices, queue, core, disk, service state.

Built in the composition root from the runtime's devices, outbox and clock (no globals), and
read by the technician dashboard, the attract screen's service banner and the telemetry
heartbeat, so all three show the same thing. `snapshot()` asks each device for its health, which
may touch the wire (the printer's status query is bounded to a fraction of a second): call it
from a worker thread, never the UI thread.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from drivers.base import DeviceHealth, DeviceState
from kiosk.clock import Clock, rfc3339
from kiosk.errors import KioskError
from kiosk.technician.service_state import ServiceState, derive_service_status
from offline_queue.outbox import QueueStatus

log = logging.getLogger(__name__)


class HealthSource(Protocol):
    """Any device: drivers all have `health()`."""

    def health(self) -> DeviceHealth: ...


class QueueSource(Protocol):
    def status(self) -> QueueStatus: ...


@dataclass(frozen=True)
class LastError:
    detail: str
    at: datetime


@dataclass(frozen=True)
class HealthSnapshot:
    taken_at: datetime
    devices: tuple[DeviceHealth, ...]
    queue_pending: int
    queue_dead: int
    oldest_pending_age_s: float | None
    last_sync_at: datetime | None
    core_reachable: bool
    version: str
    uptime_s: float
    free_disk_bytes: int
    service_state: ServiceState
    degraded_reasons: tuple[str, ...]
    # beyond the agreed interface (defaults keep it stable for consumers):
    last_errors: Mapping[str, LastError] = field(default_factory=dict)  # device id -> last error
    tenders: tuple[str, ...] = ()
    paper_receipts: bool = True
    warnings: tuple[str, ...] = ()
    kiosk_id: str = ""

    def device(self, device_id: str) -> DeviceHealth | None:
        return next((d for d in self.devices if d.device_id == device_id), None)

    @property
    def faulty(self) -> tuple[DeviceHealth, ...]:
        return tuple(d for d in self.devices if d.state is not DeviceState.ONLINE)

    def wire(self) -> dict[str, Any]:
        """The telemetry heartbeat body (JSON-ready), as CORE_API.md's /v1/telemetry lists."""
        return {
            "kind": "heartbeat",
            "kiosk_id": self.kiosk_id,
            "taken_at": rfc3339(self.taken_at),
            "service_state": self.service_state.value,
            "degraded_reasons": list(self.degraded_reasons),
            "warnings": list(self.warnings),
            "tenders": list(self.tenders),
            "paper_receipts": self.paper_receipts,
            "devices": [
                {
                    "device_id": d.device_id,
                    "state": d.state.value,
                    "detail": d.detail,
                    "supplies": dict(d.supplies),
                    "counters": dict(d.counters),
                    "last_error": _error_wire(self.last_errors.get(d.device_id)),
                }
                for d in self.devices
            ],
            "queue": {
                "pending": self.queue_pending,
                "dead": self.queue_dead,
                "oldest_pending_age_s": self.oldest_pending_age_s,
                "last_sync_at": None if self.last_sync_at is None else rfc3339(self.last_sync_at),
            },
            "core_reachable": self.core_reachable,
            "version": self.version,
            "uptime_s": round(self.uptime_s, 1),
            "free_disk_bytes": self.free_disk_bytes,
        }


def _error_wire(error: LastError | None) -> dict[str, str] | None:
    return None if error is None else {"detail": error.detail, "at": rfc3339(error.at)}


class HealthMonitor:
    """Reads every device's health and adds what the kiosk knows about it.

    `supplies` and `counters` add per-device extras a driver cannot know (the cashbox count
    from the journal, notes per denomination); errors (a device leaving ONLINE, or a state
    event fed to `observe`) are remembered with their time and counted per device.
    """

    def __init__(
        self,
        devices: Mapping[str, HealthSource],
        outbox: QueueSource,
        clock: Clock,
        *,
        version: str,
        data_dir: Path,
        kiosk_id: str = "",
        supplies: Mapping[str, Callable[[], Mapping[str, str]]] | None = None,
        counters: Mapping[str, Callable[[], Mapping[str, int]]] | None = None,
        core_reachable: Callable[[], bool] | None = None,
        stale_after_s: float = 60.0,
    ) -> None:
        self._devices = dict(devices)
        self._outbox = outbox
        self._clock = clock
        self._version = version
        self._data_dir = data_dir
        self._kiosk_id = kiosk_id
        self._supplies = dict(supplies or {})
        self._counters = dict(counters or {})
        self._core_reachable = core_reachable
        self._stale_after_s = stale_after_s
        self._started = clock.monotonic()
        self._lock = threading.Lock()
        self._last_errors: dict[str, LastError] = {}
        self._error_counts: dict[str, int] = {}
        self._last_state: dict[str, tuple[DeviceState, str]] = {}

    @property
    def device_ids(self) -> tuple[str, ...]:
        return tuple(self._devices)

    def observe(self, event: object) -> None:
        """Feed device state events (anything with device_id, state, detail) to remember
        errors between snapshots: a fault that cleared before the technician arrived still
        shows as the last error, with its time."""
        device_id = getattr(event, "device_id", None)
        state = getattr(event, "state", None)
        if isinstance(device_id, str) and isinstance(state, DeviceState):
            self._note(device_id, state, str(getattr(event, "detail", "")))

    def _note(self, device_id: str, state: DeviceState, detail: str) -> None:
        with self._lock:
            if self._last_state.get(device_id) == (state, detail):
                return
            self._last_state[device_id] = (state, detail)
            if state is not DeviceState.ONLINE:
                self._last_errors[device_id] = LastError(detail or state.value, self._clock.now())
                self._error_counts[device_id] = self._error_counts.get(device_id, 0) + 1

    def _device_health(self, device_id: str, device: HealthSource) -> DeviceHealth:
        try:
            health = device.health()
        except (KioskError, OSError) as exc:
            health = DeviceHealth(device_id, DeviceState.OFFLINE, f"health not readable: {exc}")
        self._note(device_id, health.state, health.detail)
        supplies = dict(health.supplies)
        counters = dict(health.counters)
        for extra, target in ((self._supplies, supplies), (self._counters, counters)):
            source = extra.get(device_id)
            if source is None:
                continue
            try:
                target.update(source())
            except (KioskError, OSError, ValueError) as exc:
                log.warning("%s: extra health not read: %s", device_id, exc)
        with self._lock:
            counters["errors"] = self._error_counts.get(device_id, 0)
        return replace(health, supplies=supplies, counters=counters)

    def snapshot(self) -> HealthSnapshot:
        devices = tuple(self._device_health(k, d) for k, d in self._devices.items())
        queue = self._outbox.status()
        age = queue.oldest_pending_age_s
        reachable = (
            self._core_reachable()
            if self._core_reachable is not None
            else age is None or age < self._stale_after_s
        )
        status = derive_service_status(devices, core_reachable=reachable)
        try:
            free = shutil.disk_usage(self._data_dir).free
        except OSError:
            free = 0
        with self._lock:
            errors = dict(self._last_errors)
        return HealthSnapshot(
            taken_at=self._clock.now(),
            devices=devices,
            queue_pending=queue.pending + queue.in_flight,
            queue_dead=queue.dead,
            oldest_pending_age_s=age,
            last_sync_at=queue.last_success_at,
            core_reachable=reachable,
            version=self._version,
            uptime_s=max(0.0, self._clock.monotonic() - self._started),
            free_disk_bytes=free,
            service_state=status.state,
            degraded_reasons=status.reasons,
            last_errors=errors,
            tenders=tuple(sorted(status.tenders)),
            paper_receipts=status.paper_receipts,
            warnings=status.warnings,
            kiosk_id=self._kiosk_id,
        )


# Reasons a customer cannot act on are not put on the attract screen (the dashboard and
# telemetry still carry them): the queue takes payments while the core is away.
_NOT_FOR_CUSTOMERS = frozenset({"core_unreachable"})


class ServiceBoard:
    """The latest snapshot, for readers that must never block: the attract screen's banner
    and the services menu read it on the UI thread; the telemetry worker refreshes it."""

    def __init__(self, catalog: Any) -> None:
        self._catalog = catalog
        self._lock = threading.Lock()
        self._latest: HealthSnapshot | None = None
        self._status = derive_service_status(())  # until the first snapshot: nothing known

    def update(self, snapshot: HealthSnapshot) -> None:
        status = derive_service_status(snapshot.devices, core_reachable=snapshot.core_reachable)
        with self._lock:
            self._latest, self._status = snapshot, status

    @property
    def latest(self) -> HealthSnapshot | None:
        with self._lock:
            return self._latest

    def offers(self, label_id: str) -> bool:
        """Menu gate: printing-only services need paper; nothing is offered out of service.
        Before the first snapshot everything is offered (the journeys still check devices)."""
        with self._lock:
            return self._latest is None or self._status.offers(label_id)

    def allows(self, tender: str) -> bool:
        """Tender gate ("cash", "coin", "card"): card-only while the paper is out on a kiosk
        with a working card reader. Before the first snapshot the devices decide alone."""
        with self._lock:
            return self._latest is None or tender in self._status.tenders

    def notice(self, lang: str) -> str:
        """The degraded-service line for the attract screen, '' when fully in service."""
        with self._lock:
            if self._latest is None:
                return ""
            reasons = [r for r in self._status.reasons if r not in _NOT_FOR_CUSTOMERS]
        if not reasons:
            return ""
        text = self._catalog.text
        parts = [text(lang, f"service_reason_{r}") for r in reasons]
        return text(lang, "service_degraded", reasons="; ".join(parts))


class TenderGate:
    """A cash port whose `available()` also asks the service board, so the degraded-mode
    rules (card-only without paper) reach every journey that takes cash."""

    def __init__(self, port: Any, board: ServiceBoard, tender: str = "cash") -> None:
        self._port = port
        self._board = board
        self._tender = tender

    def available(self) -> bool:
        return bool(self._port.available()) and self._board.allows(self._tender)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._port, name)
