"""sd_notify against a socket of the test's own: READY, STATUS, WATCHDOG, and no pings once a
thread the kiosk depends on stalls. Time is a FakeClock; threads are released by events."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from kiosk.clock import FakeClock
from kiosk.events import Key
from kiosk.journeys.screen_model import ScreenModel
from kiosk.runtime.liveness import LivenessRegistry
from kiosk.runtime.supervisor import SupervisedController, WatchdogPinger
from kiosk.runtime.systemd_notify import NotifyError, SystemdNotifier, socket_address
from kiosk.runtime.worker import Worker
from tests.kiosk.runtime.notify_sink import NotifySink


class FakeJourney:
    """The journey controller's shape: a screen id the test sets, pumps counted."""

    voice = None
    large_text = False

    def __init__(self, screen_id: str = "attract") -> None:
        self.screen = ScreenModel(screen_id=screen_id, lang="en", title="t")
        self.pumps = 0
        self.pressed: list[Key] = []

    def press(self, key: Key) -> None:
        self.pressed.append(key)

    def pump(self) -> ScreenModel | None:
        self.pumps += 1
        return None

    def current_screen(self) -> ScreenModel:
        return self.screen

    def blanked(self) -> bool:
        return False

    def set_waker(self, waker: object) -> None:
        """Not needed here."""


@pytest.fixture
def sink() -> Iterator[NotifySink]:
    s = NotifySink()
    yield s
    s.close()


def env_for(sink: NotifySink, watchdog_s: float = 10.0) -> dict[str, str]:
    return {
        "NOTIFY_SOCKET": sink.address,
        "WATCHDOG_USEC": str(int(watchdog_s * 1_000_000)),
        "WATCHDOG_PID": str(os.getpid()),
    }


def supervised(
    sink: NotifySink, clock: FakeClock, journey: FakeJourney
) -> tuple[SupervisedController, LivenessRegistry, SystemdNotifier]:
    notifier = SystemdNotifier.from_environment(env_for(sink))
    liveness = LivenessRegistry(clock)
    pinger = WatchdogPinger(notifier, liveness, clock, notifier.watchdog_interval_s)
    ui = liveness.heartbeat("ui", 20.0)
    controller = SupervisedController(
        journey, notifier=notifier, pinger=pinger, ui=ui, ready_status="in service"
    )
    return controller, liveness, notifier


def test_ready_once_the_attract_screen_is_pumped_then_pings_every_half_watchdog(
    sink: NotifySink,
) -> None:
    clock = FakeClock()
    journey = FakeJourney("starting")
    controller, _, notifier = supervised(sink, clock, journey)
    assert notifier.watchdog_interval_s == 5.0

    controller.pump()
    assert sink.messages() == ["WATCHDOG=1"]  # alive while starting, but not READY yet
    journey.screen = ScreenModel(screen_id="attract", lang="en", title="t")
    controller.pump()
    assert sink.messages() == ["READY=1\nSTATUS=in service"]
    clock.advance(4.9)
    controller.pump()
    assert sink.messages() == []  # pumped every 50 ms; pinged only every interval
    clock.advance(0.1)
    controller.pump()
    controller.pump()
    assert sink.messages() == ["WATCHDOG=1"]
    clock.advance(5)
    controller.pump()
    assert sink.messages() == ["WATCHDOG=1"]  # READY is said once
    controller.press(Key.ENTER)
    assert journey.pressed == [Key.ENTER] and journey.pumps == 6


def test_a_stalled_worker_stops_the_pings_and_says_why_then_they_resume(
    sink: NotifySink,
) -> None:
    clock = FakeClock()
    controller, liveness, _ = supervised(sink, clock, FakeJourney())
    worker = Worker("printer-io")
    worker.heartbeat = liveness.heartbeat("printer-io", 120.0)
    started, release = threading.Event(), threading.Event()

    def hung_print() -> None:
        started.set()
        release.wait()  # a printer that never answers

    worker.start()
    try:
        controller.pump()
        assert sink.messages() == ["READY=1\nSTATUS=in service", "WATCHDOG=1"]
        clock.advance(3600)  # an idle worker waiting on its empty queue is alive
        controller.pump()
        assert sink.messages() == ["WATCHDOG=1"]
        worker.submit(hung_print)
        assert started.wait(10)
        clock.advance(100)  # busy, but within its limit
        controller.pump()
        assert sink.messages() == ["WATCHDOG=1"]
        clock.advance(21)  # 121 s in one job: stalled
        controller.pump()
        assert sink.messages() == ["STATUS=stalled: printer-io: no progress for 121 s"]
        for _ in range(5):  # the UI keeps pumping; still no ping, the STATUS said once
            clock.advance(5)
            controller.pump()
        assert sink.messages() == []
    finally:
        release.set()
        worker.stop()  # the job returned, the worker waited again, then took the stop
    clock.advance(5)
    controller.pump()
    assert sink.messages() == ["STATUS=in service", "WATCHDOG=1"]


def test_a_device_thread_that_ended_stops_the_pings(sink: NotifySink) -> None:
    clock = FakeClock()
    controller, liveness, _ = supervised(sink, clock, FakeJourney())
    stop = threading.Event()
    device_loop = threading.Thread(target=stop.wait, name="cash-essp-test")
    device_loop.start()
    helper_stop = threading.Event()
    helper = threading.Thread(target=helper_stop.wait, name="card_reader-wake")
    helper.start()
    liveness.watch_threads(
        [device_loop, helper, threading.current_thread()], only=("cash-essp-*", "*-io")
    )
    assert liveness.names == ["cash-essp-test", "ui"]  # a helper that ends on purpose: not
    helper_stop.set()
    helper.join()
    controller.pump()
    assert "WATCHDOG=1" in sink.messages()
    stop.set()
    device_loop.join()
    clock.advance(5)
    controller.pump()
    assert sink.messages() == ["STATUS=stalled: cash-essp-test: thread ended"]


def test_a_hung_ui_thread_stops_the_pings_when_another_loop_asks() -> None:
    """The pings come from the UI loop, so a hung UI simply stops them; the registry also
    reports it to any other reader (the technician's dashboard, a test)."""
    clock = FakeClock()
    liveness = LivenessRegistry(clock)
    ui = liveness.heartbeat("ui", 20.0)
    ui.beat()
    clock.advance(20)
    assert liveness.stalls() == []
    clock.advance(1)
    assert [str(s) for s in liveness.stalls()] == ["ui: no progress for 21 s"]


def test_the_abstract_namespace_address(sink: NotifySink) -> None:
    abstract = NotifySink(abstract=True)
    try:
        notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": abstract.address})
        assert notifier.watchdog_interval_s is None  # no WATCHDOG_USEC: no watchdog
        notifier.ready("up")
        notifier.stopping("bye")
        assert abstract.messages() == ["READY=1\nSTATUS=up", "STOPPING=1\nSTATUS=bye"]
        notifier.close()
    finally:
        abstract.close()


def test_without_notify_socket_nothing_is_sent_and_nothing_fails() -> None:
    notifier = SystemdNotifier.from_environment({})
    assert not notifier.enabled
    assert notifier.notify("READY=1") is False


def test_a_watchdog_meant_for_another_process_is_not_fed(sink: NotifySink) -> None:
    env = env_for(sink) | {"WATCHDOG_PID": "1"}
    assert SystemdNotifier.from_environment(env).watchdog_interval_s is None


def test_a_notify_socket_that_went_away_is_logged_not_raised(
    sink: NotifySink, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": sink.address + "-gone"})
    assert notifier.notify("WATCHDOG=1") is False
    assert notifier.notify("WATCHDOG=1") is False
    assert len([r for r in caplog.records if "sd_notify" in r.getMessage()]) == 1


def test_bad_addresses_are_typed_errors() -> None:
    assert socket_address("@name") == b"\0name"
    assert socket_address("/run/systemd/notify") == "/run/systemd/notify"
    with pytest.raises(NotifyError, match="absolute path"):
        socket_address("vsock:2:1234")


def test_newlines_in_a_status_cannot_forge_a_ready(sink: NotifySink) -> None:
    notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": sink.address})
    notifier.status("printer: paper out\nREADY=1")
    assert sink.messages() == ["STATUS=printer: paper out READY=1"]


def test_status_follows_the_service_state_and_is_sent_once_per_change(sink: NotifySink) -> None:
    clock = FakeClock()
    notifier = SystemdNotifier.from_environment(env_for(sink))
    liveness = LivenessRegistry(clock)
    pinger = WatchdogPinger(notifier, liveness, clock, notifier.watchdog_interval_s)
    controller = SupervisedController(
        FakeJourney(), notifier=notifier, pinger=pinger, ui=liveness.heartbeat("ui", 20.0)
    )
    state = ["in service"]
    pinger.status_source = lambda: state[0]
    controller.pump()
    assert sink.messages() == ["READY=1\nSTATUS=in service", "WATCHDOG=1"]
    state[0] = "degraded: printer_paper_out"
    for _ in range(2):
        clock.advance(5)
        controller.pump()
    assert sink.messages() == ["STATUS=degraded: printer_paper_out", "WATCHDOG=1", "WATCHDOG=1"]


def test_without_a_watchdog_status_is_still_kept_current(sink: NotifySink) -> None:
    clock = FakeClock()
    notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": sink.address})
    liveness = LivenessRegistry(clock)
    pinger = WatchdogPinger(notifier, liveness, clock, notifier.watchdog_interval_s)
    pinger.status_source = lambda: "degraded: core_unreachable"
    assert pinger.tick() is False
    assert sink.messages() == ["STATUS=degraded: core_unreachable"]  # and never a WATCHDOG=1
