"""Key press -> screen painted, in ONE process: the kiosk window and a bare QLabel window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.ui_latency [--keys 120]
    (normally started by `python -m bench.ui`, which runs it under a private Xvfb)

The kiosk side is the real one: the demo's kiosk (emulated devices, embedded core on loopback)
behind `KioskWindow`. A key is a QKeyEvent posted to the window (as the platform delivers a
physical key); from there: the window's keymap -> controller.press -> event bus -> the pump on
the GUI thread -> journey -> ScreenView -> Qt paints and flushes (end of the window's
UpdateRequest, bench/ui_probe.py). The customer is scripted: to the account-number screen, four
digits typed and cleared again one by one (same screen: an in-place update), Cancel, and back
(attract, language, menu, biller: a new screen each step).

Baseline, interleaved key by key with the kiosk's: a bare window with one QLabel whose
keyPressEvent sets the label's text, painted and flushed the same way. Before each key the
loop idles a random 30-130 ms, so keys arrive at every phase of any timer, like real ones.
Prints one JSON line: the samples (ms) and the phases of each kiosk key.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from bench.ui_probe import exit_now, hold_refs, painted_window
from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from screens.theme import standard
from screens.window import KioskWindow

QT_KEYS: dict[Key, Qt.Key] = {Key.digit(n): Qt.Key(Qt.Key.Key_0.value + n) for n in range(10)}
QT_KEYS |= {Key.ENTER: Qt.Key.Key_Return, Key.CANCEL: Qt.Key.Key_Escape}
QT_KEYS |= {Key.CLEAR: Qt.Key.Key_Backspace}
SIZE = (1280, 1024)
DIGITS = 4  # typed, then cleared, per visit of the account screen


@dataclass
class Trace:
    """One key's way through the kiosk; perf_counter seconds, None until reached."""

    t0: float = 0.0
    woke: float | None = None  # the pump that handed out the new screen started
    pumped: float | None = None  # ... and returned it (journey work done)
    shown: float | None = None  # ScreenView.show_screen returned
    done: float | None = None  # the window's UpdateRequest (paint + flush) finished
    before: str = ""
    after: str = ""


@dataclass
class Sample:
    side: str  # "kiosk" | "bare"
    kind: str  # "same" (same screen id, e.g. a digit typed) | "new" (another screen)
    total: float
    phases: dict[str, float] = field(default_factory=dict)


class TracedController:
    """The real controller, with the pump's start and end noted for the current key."""

    def __init__(self, inner: object, bench: LatencyBench) -> None:
        self._inner = inner
        self._bench = bench

    def press(self, key: Key) -> None:
        self._inner.press(key)  # type: ignore[attr-defined]

    def pump(self) -> ScreenModel | None:
        start = time.perf_counter()
        model = self._inner.pump()  # type: ignore[attr-defined]
        trace = self._bench.trace
        if model is not None and trace is not None and trace.pumped is None:
            trace.woke, trace.pumped, trace.after = start, time.perf_counter(), model.screen_id
        return model

    def current_screen(self) -> ScreenModel:
        return self._inner.current_screen()  # type: ignore[attr-defined]

    def blanked(self) -> bool:
        return self._inner.blanked()  # type: ignore[attr-defined]

    @property
    def large_text(self) -> bool:
        return self._inner.large_text  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:  # e.g. set_waker, when the controller has it
        return getattr(self._inner, name)


class BareWindow(QWidget):
    """The baseline: one QLabel, its text set from keyPressEvent."""

    def __init__(self, bench: LatencyBench) -> None:
        super().__init__()
        self._bench = bench
        self.label = QLabel("0", self)
        font = QFont(list(standard().font_families))
        font.setPixelSize(standard().input_px)
        self.label.setFont(font)
        QVBoxLayout(self).addWidget(self.label)
        self.count = 0

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.count += 1
        self.label.setText(f"{event.text()} {self.count}")
        trace = self._bench.trace
        if trace is not None and trace.shown is None:
            trace.pumped = trace.woke = trace.shown = time.perf_counter()


class LatencyBench(QObject):
    def __init__(self, env: object, keys: int, warmup: int, seed: int) -> None:
        super().__init__()
        self.env = env
        self.keys = keys
        self.warmup = warmup
        self.rng = random.Random(seed)
        self.trace: Trace | None = None
        self.side = "kiosk"
        self.samples: list[Sample] = []
        self.failures = 0
        self.sent = 0
        self._clearing = False
        runtime = env.runtime  # type: ignore[attr-defined]
        self.controller = runtime.controller
        self.journey = runtime.journey
        self.lang = self.journey.default_language
        self.catalog = self.journey.catalog
        kiosk_cls = painted_window(KioskWindow, lambda: self._painted("kiosk"))
        self.kiosk = kiosk_cls(TracedController(self.controller, self), standard(), size=SIZE)
        self._wrap_show(self.kiosk)
        bare_cls = painted_window(BareWindow, lambda: self._painted("bare"))
        self.bare = bare_cls(self)
        self.bare.resize(*SIZE)
        self.kiosk.move(0, 0)
        self.bare.move(SIZE[0] + 20, 0)
        self.kiosk.show()
        self.bare.show()
        self.guard = QTimer(self)
        self.guard.setSingleShot(True)
        self.guard.timeout.connect(self._timed_out)

    def _wrap_show(self, window: KioskWindow) -> None:
        view = window.view
        original = view.show_screen

        def show_screen(model: ScreenModel) -> None:
            original(model)
            trace = self.trace
            if trace is not None and trace.pumped is not None and trace.shown is None:
                trace.shown = time.perf_counter()

        view.show_screen = show_screen  # type: ignore[method-assign]

    # ---- the scripted customer ------------------------------------------------------------

    def _choice(self, model: ScreenModel, label: str) -> Key:
        for choice in model.choices:
            if choice.label == label and choice.enabled:
                return Key(choice.key)
        return Key.CANCEL

    def next_key(self) -> Key:
        model = self.controller.current_screen()
        text = self.catalog.text
        sid = model.screen_id
        if sid == "attract":
            return Key.ENTER
        if sid == "language":
            return self._choice(model, text(self.lang, f"language_{self.lang[:2]}"))
        if sid == "menu":
            return self._choice(model, text(self.lang, "service_pay_bill"))
        if sid == "choose_biller":
            names = {b.code: b.name(self.lang) for b in self.journey.billers()}
            return self._choice(model, names.get("SGCC", ""))
        if sid == "enter_account" and model.input is not None:
            typed = len(model.input.value)
            if not self._clearing and typed < DIGITS:
                return Key.digit(self.rng.randrange(10))
            self._clearing = typed > 0
            return Key.CLEAR if typed > 0 else Key.CANCEL
        return Key.CANCEL

    # ---- the loop: idle, post a key, wait for its paint -----------------------------------

    def start(self) -> None:
        QTimer.singleShot(500, self._send)

    def _send(self) -> None:
        if self.sent >= 2 * (self.keys + self.warmup):
            QCoreApplication.quit()
            return
        self.side = "kiosk" if self.sent % 2 == 0 else "bare"
        if self.side == "kiosk":
            key = self.next_key()
            target: QWidget = self.kiosk
            text = key.value if key.is_digit else ""
            before = self.controller.current_screen().screen_id
        else:
            key, target, text, before = Key.D1, self.bare, "1", "bare"
        self.sent += 1
        self.guard.start(3000)
        event = QKeyEvent(QEvent.Type.KeyPress, QT_KEYS[key], Qt.KeyboardModifier.NoModifier, text)
        self.trace = Trace(t0=time.perf_counter(), before=before)
        QCoreApplication.postEvent(target, event)

    def _painted(self, side: str) -> None:
        trace = self.trace
        if trace is None or side != self.side or trace.shown is None or trace.done is not None:
            return
        trace.done = time.perf_counter()
        self.guard.stop()
        self.trace = None
        if self.sent > 2 * self.warmup:
            self.samples.append(self._sample(side, trace))
        QTimer.singleShot(self.rng.randint(30, 130), self._send)

    def _timed_out(self) -> None:
        self.failures += 1
        self.trace = None
        QTimer.singleShot(self.rng.randint(30, 130), self._send)

    @staticmethod
    def _sample(side: str, t: Trace) -> Sample:
        assert t.woke is not None and t.pumped is not None and t.shown is not None
        assert t.done is not None
        ms = 1000.0
        phases = {
            "wake": (t.woke - t.t0) * ms,  # key delivered + waiting for the pump
            "journey": (t.pumped - t.woke) * ms,
            "render": (t.shown - t.pumped) * ms,  # show_screen
            "paint": (t.done - t.shown) * ms,  # to the end of paint + flush
        }
        kind = "same" if side == "bare" or t.before == t.after else "new"
        return Sample(side, kind, (t.done - t.t0) * ms, phases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=120, help="measured keys per side")
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    hold_refs()
    from kiosk.demo.env import start_demo

    app = QApplication([])
    font = QFont()
    font.setFamilies(list(standard().font_families))
    app.setFont(font)
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        env = start_demo(Path(tmp) / "demo", cards=False)
        try:
            bench = LatencyBench(env, args.keys, args.warmup, args.seed)
            bench.start()
            app.exec()
            result = {
                "platform": QApplication.platformName(),
                "failures": bench.failures,
                "samples": [asdict(s) for s in bench.samples],
            }
            bench.kiosk.close()
            bench.bare.close()
        finally:
            env.stop()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    exit_now()


if __name__ == "__main__":
    main()
