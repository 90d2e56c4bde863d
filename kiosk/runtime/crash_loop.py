"""A crash loop ends on an out-of-service screen, not in restarts forever.

systemd restarts a kiosk that died or whose watchdog starved (`Restart=always`). When the cause
does not go away (a broken disk, a device that hangs the driver on open) the kiosk would flash the
attract screen between restarts all day, and a customer could start a journey that dies under
them. So every start is counted in the data dir; when more than `limit` starts fall within
`window_s` seconds, the kiosk starts in out-of-service mode instead: no device is opened, the
attract screen says out of service, a technician alert is logged, and systemd is told READY and
fed the watchdog so it stops restarting. A run that ends cleanly (SIGTERM from `systemctl stop`
or `restart`, the window closed) takes its start back: only crashes and watchdog kills count.
A technician clears it with `kiosk run --reset-crash-loop`
(or by removing the file) once the cause is fixed; starts older than the window age out by
themselves.

The unit's own StartLimitBurst= must be higher than `limit`, so that this guard (which can show a
screen) trips before systemd gives up on the unit (which shows nothing).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.clock import Clock
from kiosk.events import Key
from kiosk.i18n import Catalog
from kiosk.journeys.screen_model import ScreenModel, Tone

log = logging.getLogger(__name__)

STARTS_FILE = "crash-loop-starts.json"
DEFAULT_LIMIT = 5  # starts allowed in the window; the next one is out of service
DEFAULT_WINDOW_S = 600.0


@dataclass(frozen=True)
class StartCount:
    recent: int  # starts within the window, this one included
    limit: int
    window_s: float
    at: float = 0.0  # this start (wall-clock seconds), for `forget`

    @property
    def tripped(self) -> bool:
        return self.recent > self.limit

    def describe(self) -> str:
        return f"{self.recent} starts in {self.window_s:.0f} s (limit {self.limit})"


class CrashLoopGuard:
    """Counts starts in `data_dir/crash-loop-starts.json` (wall-clock seconds: they must survive
    a reboot, which the monotonic clock does not)."""

    def __init__(
        self,
        data_dir: Path,
        clock: Clock,
        *,
        limit: int = DEFAULT_LIMIT,
        window_s: float = DEFAULT_WINDOW_S,
    ) -> None:
        self.path = data_dir / STARTS_FILE
        self._clock = clock
        self.limit = limit
        self.window_s = window_s

    def record_start(self) -> StartCount:
        now = self._clock.now().timestamp()
        starts = [t for t in self._read() if now - self.window_s < t <= now] + [now]
        self._write(starts[-(self.limit + 1) :])  # more than limit+1 changes nothing
        return StartCount(recent=len(starts), limit=self.limit, window_s=self.window_s, at=now)

    def forget(self, start: StartCount) -> None:
        """A run that ended cleanly (`systemctl stop`/`restart`, the window closed) was no
        crash: its start no longer counts, so a technician's restarts never trip the guard."""
        starts = self._read()
        if start.at in starts:
            starts.remove(start.at)
            self._write(starts)

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)

    def _read(self) -> list[float]:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:  # a torn write after a power cut: start afresh
            log.warning("crash-loop counter %s unreadable (%s): counting from zero", self.path, exc)
            return []
        if not isinstance(raw, list):
            return []
        return [float(t) for t in raw if isinstance(t, int | float) and not isinstance(t, bool)]

    def _write(self, starts: list[float]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(starts), "utf-8")
        os.replace(tmp, self.path)  # never half a file, even on a power cut


class OutOfServiceController:
    """What the window pumps in out-of-service mode: the attract screen saying out of service
    in both languages, and nothing else. Keys are ignored — there is no journey to give them to,
    and no device is open that could take a customer's money or card."""

    voice = None
    large_text = False

    def __init__(self, catalog: Catalog, language: str) -> None:
        t = catalog.text
        other = "en" if language == "zh_CN" else "zh_CN"
        self._screen = ScreenModel(
            screen_id="attract",
            lang=language,
            title=t(language, "attract_title"),
            body=(t(other, "attract_title"),),
            message=" / ".join(t(x, "attract_out_of_service") for x in (language, other)),
            tone=Tone.WARNING,
        )
        self._shown = False

    def press(self, key: Key) -> None:
        log.debug("out of service: key %s ignored", key)

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        """Nothing ever arrives to wake for."""

    def pump(self) -> ScreenModel | None:
        if self._shown:
            return None
        self._shown = True
        return self._screen

    def current_screen(self) -> ScreenModel:
        return self._screen

    def blanked(self) -> bool:
        return False
