"""A published event wakes the window's pump at once: no waiting for a timer tick.

The bus's waker is plain Python (kiosk/ stays Qt-free); the window turns it into a queued call
on the GUI thread. No timing asserts: the pump must have run after the event loop processed
the posted events once, with the slow timer stopped.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kiosk.events import EventBus, Key, KeyPressed
from kiosk.journeys.screen_model import ScreenModel
from screens.controller import KioskController
from screens.theme import standard
from screens.window import PUMP_INTERVAL_MS, TICK_INTERVAL_MS, KioskWindow

WELCOME = ScreenModel("attract", "en", "Welcome")


class BusController:
    """A controller on a real EventBus: every event drained by pump() becomes a new screen."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self.large_text = False
        self.pumps = 0
        self.events: list[object] = []
        self._screen = WELCOME

    def press(self, key: Key) -> None:
        self.bus.publish(KeyPressed(key))

    def set_waker(self, waker) -> None:
        self.bus.set_waker(waker)

    def pump(self) -> ScreenModel | None:
        self.pumps += 1
        drained = self.bus.drain()
        if not drained:
            return None
        self.events += drained
        self._screen = ScreenModel("attract", "en", f"Event {len(self.events)}")
        return self._screen

    def current_screen(self) -> ScreenModel:
        return self._screen

    def blanked(self) -> bool:
        return False


@pytest.fixture
def woken(qtbot) -> tuple[KioskWindow, BusController]:
    controller = BusController()
    checked: KioskController = controller
    window = KioskWindow(checked, standard(), size=(1280, 1024))
    qtbot.addWidget(window)
    window._timer.stop()  # only the waker can pump now
    return window, controller


def title(window: KioskWindow) -> str:
    return window.view.findChild(QLabel, "title").text()


def test_a_publish_from_a_device_thread_wakes_the_pump(woken, qapp) -> None:
    window, controller = woken
    device = threading.Thread(target=controller.bus.publish, args=("note inserted",))
    device.start()
    device.join()
    assert controller.pumps == 0  # the waker only queued the pump; it never pumps itself
    qapp.processEvents()
    assert controller.pumps == 1
    assert controller.events == ["note inserted"]
    assert title(window) == "Event 1"


def test_a_key_press_is_on_screen_after_one_pass_of_the_event_loop(woken, qtbot, qapp) -> None:
    window, controller = woken
    qtbot.keyClick(window, Qt.Key.Key_5)
    qapp.processEvents()
    assert controller.events == [KeyPressed(Key.D5)]
    assert title(window) == "Event 1"


def test_many_publishes_before_the_pump_cost_one_wake(woken, qapp) -> None:
    window, controller = woken
    wakes: list[int] = []
    controller.bus.set_waker(lambda: (wakes.append(1), window.waker.wake()))
    for n in range(5):
        controller.bus.publish(n)
    assert len(wakes) == 1
    qapp.processEvents()
    assert controller.events == [0, 1, 2, 3, 4] and controller.pumps == 1
    controller.bus.publish("again")  # drained since: the next publish wakes again
    assert len(wakes) == 2


def test_the_timer_is_slow_with_a_waker_and_the_old_poll_without(woken, qtbot) -> None:
    window, _ = woken
    assert window._timer.interval() == TICK_INTERVAL_MS
    assert TICK_INTERVAL_MS <= 1000  # a countdown still changes every second

    class Polled(BusController):
        set_waker = None  # type: ignore[assignment]  # a controller that cannot wake us

    polled = KioskWindow(Polled(), standard())
    qtbot.addWidget(polled)
    assert polled._timer.interval() == PUMP_INTERVAL_MS


def test_closing_the_window_removes_its_waker(woken, qapp) -> None:
    window, controller = woken
    window.close()
    controller.bus.publish("late")  # a device publishing after the window went away
    qapp.processEvents()
    assert controller.pumps == 0


def test_the_bus_waker_runs_on_the_publishing_thread_and_survives_a_failure() -> None:
    bus = EventBus()
    threads: list[str] = []
    bus.set_waker(lambda: threads.append(threading.current_thread().name))
    worker = threading.Thread(target=bus.publish, args=(1,), name="essp-io")
    worker.start()
    worker.join()
    assert threads == ["essp-io"]

    def broken() -> None:
        raise RuntimeError("window gone")

    bus.drain()
    bus.set_waker(broken)
    bus.publish(2)  # must not raise into the device thread
    bus.publish(3)  # and must try again: the failed wake left nothing pending
    assert bus.drain() == [2, 3]
    bus.set_waker(None)
    bus.publish(4)
    assert bus.get(timeout=0) == 4
