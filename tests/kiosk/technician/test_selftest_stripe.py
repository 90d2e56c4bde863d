"""The stripe head's self-test, against the head emulator on a pty: what the technician reads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest

from drivers.card_reader.stripe_emulator import StripeEmulator, StripeFault
from drivers.card_reader.stripe_protocol import Status
from drivers.card_reader.stripe_serial import StripeSerialReader
from kiosk.technician.selftests import STRIPE, SelfTestStatus
from kiosk.technician.selftests_devices import SelfTestDevices, build_suite


@pytest.fixture
def head() -> Iterator[tuple[StripeEmulator, StripeSerialReader]]:
    emulator = StripeEmulator(answer_timeout=0.1)
    reader = StripeSerialReader(
        "card_reader.stripe",
        emulator.start(),
        lambda event: None,
        today=lambda: date(2026, 11, 23),
        status_every=0.1,
        answer_timeout=0.1,
        retries=1,
    )
    reader.start()
    yield emulator, reader
    reader.stop()
    emulator.stop()


def _run(reader: StripeSerialReader | None) -> object:
    return build_suite(SelfTestDevices(stripe=reader, timeout_s=2.0)).run(STRIPE)


def test_a_head_that_answers_passes_with_its_port(
    head: tuple[StripeEmulator, StripeSerialReader],
) -> None:
    emulator, reader = head
    result = _run(reader)
    assert (result.status, result.code) == (SelfTestStatus.PASS, "OK")
    assert result.details["port"] == emulator.slave_path and result.details["swipes"] == "0"


def test_a_silent_head_fails_offline(head: tuple[StripeEmulator, StripeSerialReader]) -> None:
    emulator, reader = head
    emulator.inject(StripeFault.NO_REPLY, 10_000)
    deadline = time.monotonic() + 5
    while reader.health().detail != "stripe head does not answer":  # it was Online before
        assert time.monotonic() < deadline, "the head never went silent"
        time.sleep(0.01)
    result = _run(reader)
    assert (result.status, result.code) == (SelfTestStatus.FAIL, "STRIPE_HEAD_OFFLINE")
    assert result.details["detail"] == "stripe head does not answer"


def test_a_head_fault_fails_as_hardware_error(
    head: tuple[StripeEmulator, StripeSerialReader],
) -> None:
    emulator, reader = head
    emulator.status = Status.HEAD_FAULT
    result = _run(reader)
    assert (result.status, result.code) == (SelfTestStatus.FAIL, "STRIPE_HEAD_HARDWARE_ERROR")


def test_no_head_configured_is_not_a_fault() -> None:
    result = _run(None)
    assert (result.status, result.code) == (SelfTestStatus.UNAVAILABLE, "NOT_CONFIGURED")
