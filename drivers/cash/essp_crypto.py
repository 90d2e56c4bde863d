"""eSSP encryption: the Diffie-Hellman key exchange and the AES-128 encrypted packet — no I/O.

Why a layer at all: the SSP frame's CRC only catches line noise, so anyone on the serial line
between the PC and the validator can write `F0 EE 03` ("credit, channel 3") with a valid CRC.
Inside the encrypted packet the credit can only come from a holder of the key, and the packet
counter makes an old genuine packet worthless when replayed.

Facts from ITL's SSP manual (GA138) and ITL's host library, see docs/essp.md:
- SET_GENERATOR 0x4A, SET_MODULUS 0x4B: 8 bytes, a 64-bit prime, little-endian; a number that
  is not prime is answered PARAMETER_OUT_OF_RANGE. REQUEST_KEY_EXCHANGE 0x4C: 8 bytes, the host
  intermediate key (G^host_random mod M); the reply is OK + the slave intermediate key, or FAIL
  while generator or modulus is unset. Both sides then hold key = other_inter^own_random mod M.
- The AES-128 key is the 64-bit fixed key then the 64-bit negotiated key, each little-endian.
- Encrypted data: STEX 0x7E | AES-128-ECB( eLENGTH | eCOUNT (uint32 LE) | eDATA | ePACKING |
  eCRC_L eCRC_H ); eLENGTH counts eDATA only; random packing makes the block a multiple of 16;
  eCRC is the SSP CRC-16 (poly 0x8005, seed 0xFFFF) over everything but STEX.
- Until the key is negotiated after power-up or reset, a device that requires encryption
  answers KEY_NOT_SET (0xFA) without executing the command.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from drivers.cash.essp_protocol import EsspError, crc16

STEX = 0x7E
BLOCK = 16
_FIXED_PART = 7  # eLENGTH 1 + eCOUNT 4 + eCRC 2
MAX_DATA = 15 * BLOCK - _FIXED_PART  # an SSP frame carries 255 bytes: STEX + 15 blocks
COUNT_MASK = 0xFFFFFFFF


class KeyCommand(IntEnum):
    SET_GENERATOR = 0x4A
    SET_MODULUS = 0x4B
    REQUEST_KEY_EXCHANGE = 0x4C
    SET_FIXED_KEY = 0x60  # 8 bytes, the new fixed key; accepted only inside an encrypted packet


class EsspCryptoError(EsspError):
    """An encrypted packet that does not decrypt to a well-formed block with a good eCRC."""

    code = "ESSP_CRYPTO"


class EsspReplay(EsspError):
    """A well-formed encrypted packet whose eCOUNT is not the one expected: replayed or lost."""

    code = "ESSP_REPLAY"

    def __init__(self, got: int, expected: int) -> None:
        super().__init__(f"packet count {got} where {expected} was due")
        self.got, self.expected = got, expected


class EsspKeyNotSet(EsspError):
    """The device answered KEY_NOT_SET: it lost the key (reset, power cycle); negotiate again."""

    code = "ESSP_KEY_NOT_SET"


# --- primes and Diffie-Hellman ---

_SMALL_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)  # deterministic below 3.3e24


def is_prime(n: int) -> bool:
    """Miller-Rabin with the first twelve primes as bases: exact for every 64-bit number."""
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in _SMALL_PRIMES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(bits: int = 64) -> int:
    """A random prime of exactly `bits` bits (top bit set, so it fills the 8-byte field)."""
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        if is_prime(candidate):
            return candidate


@dataclass(frozen=True)
class HostKeys:
    """One negotiation's host side: the public generator/modulus and the secret random."""

    generator: int
    modulus: int
    host_random: int

    @classmethod
    def fresh(cls) -> HostKeys:
        """Two distinct 64-bit primes, the smaller as generator (as ITL's host library does),
        and a secret exponent below the modulus."""
        first, second = random_prime(), random_prime()
        while second == first:
            second = random_prime()
        generator, modulus = min(first, second), max(first, second)
        return cls(generator, modulus, 1 + secrets.randbelow(modulus - 2))

    @property
    def host_inter(self) -> int:
        return pow(self.generator, self.host_random, self.modulus)

    def key(self, slave_inter: int) -> int:
        return pow(slave_inter, self.host_random, self.modulus)


def slave_exchange(generator: int, modulus: int, host_inter: int) -> tuple[int, int]:
    """The device side: (slave intermediate key to send back, the negotiated key)."""
    slave_random = 1 + secrets.randbelow(modulus - 2)
    return pow(generator, slave_random, modulus), pow(host_inter, slave_random, modulus)


def u64(value: int) -> bytes:
    return value.to_bytes(8, "little")


def read_u64(data: bytes) -> int:
    if len(data) != 8:
        raise EsspCryptoError(f"expected 8 bytes, got {len(data)}")
    return int.from_bytes(data, "little")


def aes_key(fixed_key: int, negotiated_key: int) -> bytes:
    """The 128-bit AES key: fixed key (low 8 bytes) then negotiated key, both little-endian."""
    return u64(fixed_key) + u64(negotiated_key)


# --- the encrypted packet ---

Packing = Callable[[int], bytes]


def seal(key: bytes, count: int, data: bytes, packing: Packing = secrets.token_bytes) -> bytes:
    """STEX + the encrypted block carrying `data` with packet count `count`."""
    if len(data) > MAX_DATA:
        raise ValueError(f"eSSP data is at most {MAX_DATA} bytes, got {len(data)}")
    body = bytes([len(data)]) + (count & COUNT_MASK).to_bytes(4, "little") + data
    body += packing(-(len(body) + 2) % BLOCK)
    crc = crc16(body)
    block = body + bytes([crc & 0xFF, crc >> 8])
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return bytes([STEX]) + encryptor.update(block) + encryptor.finalize()


def unseal(key: bytes, payload: bytes) -> tuple[int, bytes]:
    """(count, data) of an SSP data field that starts with STEX; EsspCryptoError otherwise."""
    block = payload[1:]
    if payload[:1] != bytes([STEX]) or not block or len(block) % BLOCK:
        raise EsspCryptoError(f"not an encrypted packet ({len(payload)} bytes)")
    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    plain = decryptor.update(block) + decryptor.finalize()
    if crc16(plain[:-2]) != plain[-2] | (plain[-1] << 8):
        raise EsspCryptoError("eCRC mismatch: wrong key or corrupt packet")
    length = plain[0]
    if _FIXED_PART + length > len(plain):
        raise EsspCryptoError(f"eLENGTH {length} exceeds the block")
    return int.from_bytes(plain[1:5], "little"), bytes(plain[5 : 5 + length])


@dataclass
class Session:
    """A negotiated key and the packet counter both ends keep in step.

    One count per exchange, as ITL's host library and the devices it drives do it: the host
    seals a command with count c and moves to c + 1; the device accepts only c, moves to c + 1
    and seals its reply with c + 1; the host accepts only c + 1. The next command carries c + 1.
    A resend after a lost reply re-sends the same sealed bytes (and the device, seeing the same
    sequence bit, its stored reply), so retries never move the counter.
    """

    key: bytes
    count: int = 0
    packing: Packing = field(default=secrets.token_bytes, repr=False)

    def host_seal(self, data: bytes) -> bytes:
        sealed = seal(self.key, self.count, data, self.packing)
        self.count = (self.count + 1) & COUNT_MASK
        return sealed

    def host_open(self, payload: bytes) -> bytes:
        count, data = unseal(self.key, payload)
        if count != self.count:
            raise EsspReplay(count, self.count)
        return data

    def device_open(self, payload: bytes) -> bytes:
        count, data = unseal(self.key, payload)
        if count != self.count:
            raise EsspReplay(count, self.count)
        self.count = (self.count + 1) & COUNT_MASK
        return data

    def device_seal(self, data: bytes) -> bytes:
        return seal(self.key, self.count, data, self.packing)
