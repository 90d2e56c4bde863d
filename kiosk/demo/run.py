"""One scripted run of the headless demo: the screens it saw and the screenshots it took.

Shared by the customer script (script.py) and the technician tour (technician.py), which each
drive the same controller the Qt window uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.demo.env import DemoEnvironment
from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel

Snapshot = Callable[[ScreenModel, Path], None]


class DemoFailed(RuntimeError):
    """The scripted journey did not reach the state it waited for."""


@dataclass
class DemoRun:
    env: DemoEnvironment
    snapshot: Snapshot
    screens_dir: Path
    steps: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)
    _last: tuple[object, ...] = ()

    def pump(self) -> None:
        """Screenshots each new screen, and a screen again when its amounts change."""
        model = self.env.runtime.controller.pump()
        if model is None:
            return
        if not self._last or model.screen_id != self._last[0]:
            self.steps.append(model.screen_id)
        key = (model.screen_id, model.amounts)
        if key != self._last:
            self._last = key
            path = self.screens_dir / f"{len(self.shots) + 1:02d}-{model.screen_id}.png"
            self.snapshot(model, path)
            self.shots.append(path)

    def wait_for(self, screen_id: str, timeout: float = 20.0) -> ScreenModel:
        """Waits until the customer sees `screen_id` (what is on screen, whichever journey)."""
        deadline = time.monotonic() + timeout
        controller = self.env.runtime.controller
        while time.monotonic() < deadline:
            self.pump()
            current = controller.current_screen()
            if current.screen_id == screen_id:
                return current
            time.sleep(0.02)
        seen = controller.current_screen().screen_id
        raise DemoFailed(f"waited {timeout:.0f}s for the {screen_id} screen, still {seen}")

    def choose(self, screen: ScreenModel, label: str) -> None:
        """Presses the number shown beside `label`, as a customer reading the screen would."""
        for choice in screen.choices:
            if choice.label == label:
                self.press(Key(choice.key))
                return
        raise DemoFailed(f"{label!r} is not offered on {screen.screen_id}")

    def press(self, *keys: Key) -> None:
        for key in keys:
            self.env.runtime.controller.press(key)
            self.pump()

    def inserted(self) -> str:
        cash = self.env.runtime.journey.session.cash
        return cash.total.display() if cash else "-"
