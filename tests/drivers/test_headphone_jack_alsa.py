"""The ALSA jack-control sensor, driven by a fake `amixer` on PATH (this machine has no sound card).

The fake prints what alsa-utils' amixer prints for `cget` (amixer.c show_control: the id line,
"  ; type=...", "  : values=...") and its real error words, reading the jack state from a file
the test flips like a customer's hand.
"""

from __future__ import annotations

import os
import queue
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.sensors.headphone import HeadphoneChanged, JackError
from drivers.sensors.headphone_alsa import AlsaHeadphoneJack, parse_cget
from kiosk.runtime.config import DeviceConfig
from kiosk.runtime.registry import DeviceContext, default_registry

FAKE_AMIXER = """#!/bin/sh
# fake amixer: "amixer -c CARD cget name='Headphone Jack'"
echo "$@" >> "{root}/calls"
state=$(cat "{root}/state")
case "$state" in
  nocard) echo "Invalid card number '$2'." >&2; exit 1 ;;
  missing) echo "amixer: Cannot find the given element from control hw:$2" >&2; exit 1 ;;
esac
echo "numid=18,iface=CARD,name='Headphone Jack'"
echo "  ; type=BOOLEAN,access=r-------,values=1"
echo "  : values=$state"
"""


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


class FakeAmixer:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "bin").mkdir()
        script = root / "bin" / "amixer"
        script.write_text(FAKE_AMIXER.format(root=root))
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        self.set("off")

    def set(self, state: str) -> None:
        (self.root / "state.tmp").write_text(state)
        os.replace(self.root / "state.tmp", self.root / "state")  # never half-written

    def calls(self) -> list[str]:
        return (self.root / "calls").read_text().splitlines()


@pytest.fixture
def amixer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAmixer]:
    fake = FakeAmixer(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    yield fake


def test_plug_and_unplug_are_reported_once_each(amixer: FakeAmixer) -> None:
    events: queue.Queue[object] = queue.Queue()
    amixer.set("on")  # the customer was already plugged in when the kiosk started
    jack = AlsaHeadphoneJack("jack", "1", events.put, poll_interval=0.02)
    jack.open()
    try:
        assert events.get(timeout=2) == HeadphoneChanged("jack", True)
        amixer.set("off")
        assert events.get(timeout=2) == HeadphoneChanged("jack", False)
        amixer.set("on")
        assert events.get(timeout=2) == HeadphoneChanged("jack", True)
        assert jack.health().detail == "inserted"
    finally:
        jack.close()
    assert events.empty(), "a steady jack is not reported again at every poll"
    assert amixer.calls()[0] == "-c 1 cget name='Headphone Jack'"
    assert jack.health().state is DeviceState.OFFLINE


def test_a_card_that_vanishes_keeps_the_session_and_tells_the_technician(
    amixer: FakeAmixer,
) -> None:
    events: queue.Queue[object] = queue.Queue()
    jack = AlsaHeadphoneJack("jack", "0", events.put, poll_interval=0.02)
    amixer.set("on")
    jack.open()
    try:
        assert events.get(timeout=2) == HeadphoneChanged("jack", True)
        amixer.set("nocard")
        _until(lambda: jack.health().state is DeviceState.HARDWARE_ERROR)
        assert "Invalid card number" in jack.health().detail
        amixer.set("on")
        _until(lambda: jack.health().state is DeviceState.ONLINE)
        assert events.empty(), "no false unplug while the jack could not be read"
    finally:
        jack.close()


def test_a_missing_control_fails_at_open_with_amixers_words(amixer: FakeAmixer) -> None:
    amixer.set("missing")
    jack = AlsaHeadphoneJack("jack", "0", lambda event: None)
    with pytest.raises(JackError) as caught:
        jack.open()
    assert "Cannot find the given element" in str(caught.value)
    assert caught.value.code == "JACK_UNAVAILABLE"


def test_cget_output_parsing() -> None:
    real = (
        "numid=18,iface=CARD,name='Headphone Jack'\n"
        "  ; type=BOOLEAN,access=r-------,values=1\n"
        "  : values=on\n"
    )
    assert parse_cget(real) is True
    assert parse_cget(real.replace("=on", "=off")) is False
    with pytest.raises(JackError):
        parse_cget(real.replace("BOOLEAN", "INTEGER"))
    with pytest.raises(JackError):
        parse_cget("")


def test_registry_builds_the_alsa_backend(amixer: FakeAmixer, tmp_path: Path) -> None:
    events: list[object] = []
    context = DeviceContext(events.append, tmp_path, tmp_path)
    config = DeviceConfig(kind="headphone", backend="alsa", options={"card": 2})
    built = default_registry().build(config, context)
    built.device.open()
    try:
        assert events == [HeadphoneChanged("headphone", False)]
    finally:
        built.close()
    assert amixer.calls()[0].startswith("-c 2 cget")
