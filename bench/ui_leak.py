"""Live widgets and RSS over N customer sessions, on the headless and the windowed render path.

    .venv/bin/python -m bench.ui_leak --capture models.pkl        # the screens of one session
    .venv/bin/python -m bench.ui_leak --path headless --models models.pkl [--sessions 100]
    (normally started by `python -m bench.ui`, one fresh process per path)

A "session" is every screen the headless demo's customer and technician see, in order (the
models the controller handed out during one demo run: a cash bill payment, attract to attract,
then the maintenance tour; every digit typed is a model of its own).
Paths:
  headless       screens.snapshot.render_png of each model to a PNG (what the demo does)
  windowed       KioskWindow inside app.exec(): each model comes out of the controller's pump
                 after a key, and is painted by Qt (end of the window's UpdateRequest)
  bare-headless  baseline: one QLabel at the same size, its text set to the title, grabbed and
                 saved as a PNG
  bare-windowed  baseline: a window with one QLabel whose text is set on each key, painted
Prints one JSON line: ms per screen, and (session, RSS MiB, live widgets, refs to None, refs
to True) samples.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from bench.ui_probe import exit_now, hold_refs, painted_window, rss_mb
from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from screens.snapshot import ensure_app, render_png
from screens.theme import standard
from screens.window import KioskWindow

SIZE = (1280, 1024)
Samples = list[tuple[int, float, int, int, int]]


def capture(path: Path) -> int:
    """Runs the headless demo (customer + technician tour) and pickles every screen model."""
    from kiosk.demo.env import start_demo
    from kiosk.demo.script import run_headless_demo

    with tempfile.TemporaryDirectory(prefix="bench-ui-cap-") as tmp:
        env = start_demo(Path(tmp) / "demo", cards=False)
        models: list[ScreenModel] = []
        controller = env.runtime.controller
        pump = controller.pump

        def recording_pump() -> ScreenModel | None:
            model = pump()
            if model is not None:
                models.append(model)
            return model

        controller.pump = recording_pump  # type: ignore[method-assign]
        try:
            run_headless_demo(env, lambda _m, _p: None, technician=True)
        finally:
            env.stop()
    path.write_bytes(pickle.dumps(models))
    return len(models)


def _sample(session: int, samples: Samples) -> None:
    """RSS, live widgets, and the reference counts of None and True: PySide6 6.12 on Python
    3.11 drops one reference to None on many calls, and one to True on each Signal.emit();
    the process aborts when either reaches zero, so their drift per screen is a figure too."""
    refs = sys.getrefcount(None), sys.getrefcount(True)
    samples.append((session, round(rss_mb(), 2), len(QApplication.allWidgets()), *refs))


def run_headless(models: list[ScreenModel], sessions: int, every: int, bare: bool) -> dict:
    theme = standard()
    samples: Samples = []
    label: QLabel | None = None
    if bare:
        label = QLabel()
        label.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        label.resize(*SIZE)
        font = QFont(list(theme.font_families))
        font.setPixelSize(theme.title_px)
        label.setFont(font)
        label.show()
    with tempfile.TemporaryDirectory(prefix="bench-ui-png-", dir="/dev/shm") as tmp:
        png = Path(tmp) / "shot.png"
        times: list[float] = []
        for session in range(sessions + 1):
            start = time.perf_counter()
            for model in models:
                if label is None:
                    render_png(model, png, theme=theme, size=SIZE)
                else:
                    label.setText(model.title)
                    QApplication.processEvents()
                    label.grab().save(str(png), "PNG")
            if session:  # session 0 warms caches up (fonts, glyphs, style rules)
                times.append((time.perf_counter() - start) * 1000 / len(models))
            if session % every == 0:
                _sample(session, samples)
    return {"ms_per_screen": times, "samples": samples}


class Replay:
    """A controller that hands out the recorded screens, one per key press."""

    def __init__(self, models: list[ScreenModel]) -> None:
        self.models = models
        self.index = 0
        self.pending: ScreenModel | None = None
        self.waker: Callable[[], None] | None = None
        self.large_text = False

    def press(self, _key: Key) -> None:
        self.pending = self.models[self.index % len(self.models)]
        self.index += 1
        if self.waker is not None:
            self.waker()

    def pump(self) -> ScreenModel | None:
        model, self.pending = self.pending, None
        return model

    def current_screen(self) -> ScreenModel:
        return self.models[-1]

    def blanked(self) -> bool:
        return False

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        self.waker = waker


class BareWindow(QWidget):
    def __init__(self, replay: Replay, shown: Callable[[], None]) -> None:
        super().__init__()
        self.replay, self.shown = replay, shown
        self.label = QLabel("", self)
        QVBoxLayout(self).addWidget(self.label)

    def keyPressEvent(self, _event: QKeyEvent) -> None:
        self.replay.press(Key.D1)
        model = self.replay.pump()
        assert model is not None
        self.label.setText(f"{model.title} {self.replay.index}")  # never the same text twice
        self.shown()


class WindowedRun(QObject):
    """Presses a key, waits until the screen it brings is painted, and again; in app.exec()."""

    def __init__(self, models: list[ScreenModel], sessions: int, every: int, bare: bool) -> None:
        super().__init__()
        self.models, self.sessions, self.every = models, sessions, every
        self.replay = Replay(models)
        self.samples: Samples = []
        self.times: list[float] = []
        self.waiting = False
        self.shown_once = False
        self.steps = 0
        self.session_start = time.perf_counter()
        if bare:
            cls = painted_window(BareWindow, self._painted)
            self.window: QWidget = cls(self.replay, self._shown)
        else:
            cls = painted_window(KioskWindow, self._painted)
            self.window = cls(self.replay, standard(), size=SIZE)
            view = self.window.view
            original = view.show_screen

            def show_screen(model: ScreenModel) -> None:
                original(model)
                self._shown()

            view.show_screen = show_screen  # type: ignore[method-assign]
        self.window.resize(*SIZE)
        self.window.show()
        self.guard = QTimer(self)
        self.guard.setSingleShot(True)
        self.guard.timeout.connect(self._next)  # a screen that changed nothing visible

    def start(self) -> None:
        QTimer.singleShot(300, self._press)

    def _press(self) -> None:
        self.waiting = True
        self.shown_once = False
        key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier, "1")
        QCoreApplication.postEvent(self.window, key)

    def _shown(self) -> None:
        if self.waiting:
            self.shown_once = True
            self.guard.start(200)

    def _painted(self) -> None:
        if self.waiting and self.shown_once:
            self.guard.stop()
            self._next()

    def _next(self) -> None:
        self.waiting = False
        self.steps += 1
        if self.steps % len(self.models) == 0:
            session = self.steps // len(self.models) - 1
            now = time.perf_counter()
            if session:
                self.times.append((now - self.session_start) * 1000 / len(self.models))
            self.session_start = now
            if session % self.every == 0:
                _sample(session, self.samples)
            if session >= self.sessions:
                QCoreApplication.quit()
                return
        QTimer.singleShot(0, self._press)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--capture", type=Path, help="write the models of one session here")
    parser.add_argument("--models", type=Path)
    parser.add_argument(
        "--path", choices=("headless", "windowed", "bare-headless", "bare-windowed")
    )
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--every", type=int, default=10, help="sample every N sessions")
    args = parser.parse_args()
    hold_refs()
    if args.capture:
        print(json.dumps({"models": capture(args.capture)}))
        exit_now()
    models = pickle.loads(args.models.read_bytes())
    app = ensure_app()
    font = QFont()
    font.setFamilies(list(standard().font_families))
    app.setFont(font)
    bare = args.path.startswith("bare-")
    if args.path.endswith("headless"):
        result = run_headless(models, args.sessions, args.every, bare)
    else:
        run = WindowedRun(models, args.sessions, args.every, bare)
        run.start()
        app.exec()
        result = {"ms_per_screen": run.times, "samples": run.samples}
    result |= {"path": args.path, "platform": QApplication.platformName(), "screens": len(models)}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    exit_now()


if __name__ == "__main__":
    main()
