"""The emulated dispenser pays only against the host's token: each bad token is refused with its
standard completion code, the refusal is typed, and no note leaves a cassette."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.dispenser.base import DispenserFailed
from drivers.xfs4iot.dispenser import Xfs4IotDispenser
from drivers.xfs4iot.emulator import Xfs4IotEmulator
from drivers.xfs4iot.errors import (
    AuthorisationRequired,
    HardwareError,
    InvalidToken,
    InvalidTokenFormat,
    InvalidTokenHmac,
    InvalidTokenKeyNoValue,
    InvalidTokenNonce,
    NoCommandNonce,
    TokenRefused,
)
from drivers.xfs4iot.token import dispense_token
from tests.drivers.xfs4iot.conftest import PIN_KEY, TOKEN_KEY, WAIT, Recorder


@pytest.fixture
def dispenser(emulator: Xfs4IotEmulator, recorder: Recorder) -> Iterator[Xfs4IotDispenser]:
    device = Xfs4IotDispenser("dispenser", emulator.publisher_uri, recorder)
    device.open()
    try:
        yield device
    finally:
        device.close()


def notes(dispenser: Xfs4IotDispenser) -> int:
    dispenser.transaction_state().result(WAIT)  # the storage refresh is answered by then
    return sum(u.count for u in dispenser.storage())


def refused(dispenser: Xfs4IotDispenser, token: str, amount_minor: int = 10000) -> TokenRefused:
    mix = dispenser.denominate(amount_minor, "CNY").result(WAIT)
    with pytest.raises(TokenRefused) as caught:
        dispenser.dispense(mix, token).result(WAIT)
    return caught.value


def test_missing_token(dispenser: Xfs4IotDispenser, recorder: Recorder) -> None:
    dispenser.command_nonce().result(WAIT)
    before = notes(dispenser)
    assert isinstance(refused(dispenser, ""), AuthorisationRequired)
    failure = recorder.wait_for(DispenserFailed, lambda e: e.operation == "dispense")
    assert failure.code == "XFS4IOT_AUTHORISATION_REQUIRED"
    assert notes(dispenser) == before


def test_forged_token(dispenser: Xfs4IotDispenser) -> None:
    nonce = dispenser.command_nonce().result(WAIT)
    forged = dispense_token(b"\x99" * 32, nonce, 10000, "CNY")
    assert isinstance(refused(dispenser, forged), InvalidTokenHmac)


def test_tampered_amount(dispenser: Xfs4IotDispenser) -> None:
    nonce = dispenser.command_nonce().result(WAIT)
    token = dispense_token(TOKEN_KEY, nonce, 10000, "CNY").replace("100.00CNY", "900.00CNY")
    assert isinstance(refused(dispenser, token, 90000), InvalidTokenHmac)


def test_token_smaller_than_the_dispense(dispenser: Xfs4IotDispenser) -> None:
    nonce = dispenser.command_nonce().result(WAIT)
    small = dispense_token(TOKEN_KEY, nonce, 5000, "CNY")
    assert isinstance(refused(dispenser, small, 10000), InvalidToken)


def test_a_token_cannot_pay_twice_its_value(dispenser: Xfs4IotDispenser) -> None:
    nonce = dispenser.command_nonce().result(WAIT)
    token = dispense_token(TOKEN_KEY, nonce, 10000, "CNY")
    mix = dispenser.denominate(10000, "CNY").result(WAIT)
    dispenser.dispense(mix, token).result(WAIT)
    assert isinstance(refused(dispenser, token), InvalidToken)


def test_a_token_replayed_after_present(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator
) -> None:
    nonce = dispenser.command_nonce().result(WAIT)
    token = dispense_token(TOKEN_KEY, nonce, 10000, "CNY")
    mix = dispenser.denominate(10000, "CNY").result(WAIT)
    dispenser.dispense(mix, token).result(WAIT)
    dispenser.present().result(WAIT)
    emulator.take_items()
    assert isinstance(refused(dispenser, token), NoCommandNonce)  # presenting cleared it
    dispenser.command_nonce().result(WAIT)
    assert isinstance(refused(dispenser, token), InvalidTokenNonce)


def test_malformed_token(dispenser: Xfs4IotDispenser) -> None:
    dispenser.command_nonce().result(WAIT)
    assert isinstance(refused(dispenser, "DISPENSE1=100.00CNY"), InvalidTokenFormat)


def test_a_device_without_a_token_key_pays_nothing(recorder: Recorder) -> None:
    emulator = Xfs4IotEmulator(token_key=None, pin_key=PIN_KEY)
    emulator.start()
    device = Xfs4IotDispenser("dispenser", emulator.publisher_uri, recorder)
    try:
        device.open()
        nonce = device.command_nonce().result(WAIT)
        token = dispense_token(TOKEN_KEY, nonce, 10000, "CNY")
        assert isinstance(refused(device, token), InvalidTokenKeyNoValue)
    finally:
        device.close()
        emulator.stop()


def test_after_a_partial_dispense_the_token_still_pays_the_rest(
    dispenser: Xfs4IotDispenser, emulator: Xfs4IotEmulator
) -> None:
    nonce = dispenser.command_nonce().result(WAIT)
    token = dispense_token(TOKEN_KEY, nonce, 30000, "CNY")
    emulator.dispenser.faults.partial_next = 1
    mix = dispenser.denominate(30000, "CNY").result(WAIT)
    with pytest.raises(HardwareError):
        dispenser.dispense(mix, token).result(WAIT)  # one 100 note reached the stacker
    dispenser.reset().result(WAIT)
    rest = dispenser.denominate(20000, "CNY").result(WAIT)
    assert dispenser.dispense(rest, token).result(WAIT).amount_minor == 20000
    assert isinstance(refused(dispenser, token, 10000), InvalidToken)  # 300 now all used


def test_a_cleared_nonce_voids_its_tokens(dispenser: Xfs4IotDispenser) -> None:
    nonce = dispenser.command_nonce().result(WAIT)
    token = dispense_token(TOKEN_KEY, nonce, 10000, "CNY")
    dispenser.clear_command_nonce().result(WAIT)
    assert isinstance(refused(dispenser, token), NoCommandNonce)
