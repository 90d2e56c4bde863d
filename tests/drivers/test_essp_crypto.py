"""eSSP crypto without I/O: known answers for AES, the packet layout, the DH arithmetic, primes.

The SSP manual gives no encrypted-packet vector, so the packet vector below was built by hand
(fields laid out as the manual lists them, CRC from the SSP CRC that the SYNC vector pins down)
and its ciphertext cross-checked with `openssl enc -aes-128-ecb -nopad -K <key>`.
"""

from __future__ import annotations

import pytest

from drivers.cash.essp_crypto import (
    MAX_DATA,
    STEX,
    EsspCryptoError,
    EsspReplay,
    HostKeys,
    Session,
    aes_key,
    is_prime,
    random_prime,
    seal,
    slave_exchange,
    unseal,
)
from drivers.cash.essp_protocol import crc16


def zeros(n: int) -> bytes:
    return bytes(n)


def test_aes_key_is_the_fixed_key_then_the_negotiated_key_little_endian() -> None:
    key = aes_key(0x0123456701234567, 0x1122334455667788)
    assert key.hex() == "67452301674523018877665544332211"


def test_hand_checked_poll_packet_vector() -> None:
    key = aes_key(0x0123456701234567, 0x1122334455667788)
    # eLENGTH 01 | eCOUNT 05 00 00 00 | eDATA 07 (POLL) | 8 packing bytes | eCRC 24 C6
    block = bytes.fromhex("01050000000700000000000000000000")[:14]
    assert crc16(block) == 0xC624
    sealed = seal(key, 5, bytes([0x07]), zeros)
    assert sealed.hex() == "7e6fa63aa45ef129224ae284c87332e2e9"  # openssl agrees
    assert unseal(key, sealed) == (5, bytes([0x07]))


@pytest.mark.parametrize("size", [0, 1, 9, 10, 25, MAX_DATA])
def test_packing_makes_whole_blocks_and_round_trips(size: int) -> None:
    key = aes_key(7, 9)
    data = bytes(i % 256 for i in range(size))
    sealed = seal(key, 0xFFFFFFFF, data)
    assert sealed[0] == STEX and (len(sealed) - 1) % 16 == 0 and len(sealed) <= 255
    assert unseal(key, sealed) == (0xFFFFFFFF, data)


def test_too_much_data_for_one_frame_is_refused() -> None:
    with pytest.raises(ValueError):
        seal(aes_key(1, 2), 0, bytes(MAX_DATA + 1))


def test_a_wrong_key_or_a_flipped_bit_fails_the_ecrc() -> None:
    sealed = seal(aes_key(1, 2), 3, b"\xf0\xee\x03")
    with pytest.raises(EsspCryptoError):
        unseal(aes_key(1, 3), sealed)
    flipped = sealed[:5] + bytes([sealed[5] ^ 1]) + sealed[6:]
    with pytest.raises(EsspCryptoError):
        unseal(aes_key(1, 2), flipped)
    with pytest.raises(EsspCryptoError):
        unseal(aes_key(1, 2), sealed[:-3])  # not whole blocks


def test_one_count_per_exchange_and_replays_refused() -> None:
    host, device = Session(aes_key(1, 2)), Session(aes_key(1, 2))
    for _ in range(3):
        command = host.host_seal(b"\x07")
        assert device.device_open(command) == b"\x07"
        reply = device.device_seal(b"\xf0")
        assert host.host_open(reply) == b"\xf0"
    assert host.count == device.count == 3
    with pytest.raises(EsspReplay) as caught:
        device.device_open(command)  # the last command again
    assert (caught.value.got, caught.value.expected) == (2, 3)
    host.host_seal(b"\x07")
    with pytest.raises(EsspReplay):
        host.host_open(reply)  # the previous reply, replayed to the next command
    assert host.count == 4


def test_diffie_hellman_textbook_vector() -> None:
    """g = 5, p = 23, a = 6, b = 15: A = 8, B = 19, shared key 2 (the classic worked example)."""
    keys = HostKeys(generator=5, modulus=23, host_random=6)
    assert keys.host_inter == 8
    assert keys.key(19) == 2 == pow(8, 15, 23)


def test_fresh_host_keys_agree_with_the_device() -> None:
    keys = HostKeys.fresh()
    assert keys.generator < keys.modulus and keys.modulus.bit_length() == 64
    assert is_prime(keys.generator) and is_prime(keys.modulus)
    slave_inter, device_key = slave_exchange(keys.generator, keys.modulus, keys.host_inter)
    assert keys.key(slave_inter) == device_key


@pytest.mark.parametrize(
    ("n", "prime"),
    [
        (2, True),
        (1, False),
        (561, False),  # Carmichael
        (3215031751, False),  # strong pseudoprime to bases 2, 3, 5, 7
        (2**61 - 1, True),  # Mersenne
        (18446744073709551557, True),  # the largest 64-bit prime
        (18446744073709551557 * 3, False),
        (3825123056546413051, False),  # strong pseudoprime to the first nine prime bases
    ],
)
def test_miller_rabin(n: int, prime: bool) -> None:
    assert is_prime(n) is prime


def test_random_primes_fill_64_bits() -> None:
    assert all(random_prime().bit_length() == 64 for _ in range(5))
