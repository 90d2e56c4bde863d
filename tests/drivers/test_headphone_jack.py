"""The evdev headphone sensor decodes real input_event records; the emulated jack behaves alike."""

from __future__ import annotations

import os
import queue
import time
from pathlib import Path

from drivers.base import DeviceState
from drivers.sensors.headphone import (
    EV_SW,
    INPUT_EVENT,
    SW_HEADPHONE_INSERT,
    EmulatedHeadphoneJack,
    EvdevHeadphoneJack,
    HeadphoneChanged,
)

EV_SYN = 0x00


def _event(kind: int, code: int, value: int) -> bytes:
    now = time.time()
    return INPUT_EVENT.pack(int(now), int(now % 1 * 1e6), kind, code, value)


def test_plug_and_unplug_from_an_input_event_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "event7"
    os.mkfifo(fifo)
    events: queue.Queue[object] = queue.Queue()
    jack = EvdevHeadphoneJack("jack", fifo, events.put)
    writer_fd = os.open(fifo, os.O_RDWR)  # keeps the FIFO open for the reader
    try:
        jack.open()
        assert events.get(timeout=2) == HeadphoneChanged("jack", False), "state at open"
        os.write(writer_fd, _event(EV_SW, SW_HEADPHONE_INSERT, 1) + _event(EV_SYN, 0, 0))
        assert events.get(timeout=2) == HeadphoneChanged("jack", True)
        # other switches and a split record are ignored / reassembled
        record = _event(EV_SW, 0x04, 1) + _event(EV_SW, SW_HEADPHONE_INSERT, 0)
        os.write(writer_fd, record[:10])
        time.sleep(0.05)
        os.write(writer_fd, record[10:])
        assert events.get(timeout=2) == HeadphoneChanged("jack", False)
        assert jack.health().state is DeviceState.ONLINE
    finally:
        jack.close()
        os.close(writer_fd)
    assert events.empty()
    assert jack.health().state is DeviceState.OFFLINE


def test_emulated_jack_reports_only_changes() -> None:
    seen: list[object] = []
    jack = EmulatedHeadphoneJack("jack", seen.append)
    jack.open()
    jack.plug()
    jack.plug()
    jack.unplug()
    assert seen == [HeadphoneChanged("jack", True), HeadphoneChanged("jack", False)]
