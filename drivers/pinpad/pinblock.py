"""ISO 9564-1 PIN blocks: format 0 (under a TDES key) and format 4 (AES-128/192/256).

Format 0 vector (ISO 9564 / ANSI X9.8): PIN 1234, PAN 5544332211009966 -> 041277CDDEEFF669.
Format 4 (ISO 9564-1:2017 9.4.2): PIN field 4|len|PIN|A..A|16 random nibbles, PAN field
(len-12)|PAN|0..0; block = E(K, E(K, PIN field) XOR PAN field).
Both the kiosk (encipher) and the reference core (decipher/verify) use this module.
"""

from __future__ import annotations

import os
import secrets

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kiosk.errors import KioskError


class PinBlockError(KioskError):
    code = "PIN_BLOCK_INVALID"


def _check_pin(pin: str) -> None:
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise PinBlockError("PIN must be 4-12 digits")


def _pan12(pan: str) -> str:
    if not pan.isdigit() or len(pan) < 13:
        raise PinBlockError("PAN must be at least 13 digits")
    return pan[:-1][-12:]


def format0_clear(pin: str, pan: str) -> bytes:
    _check_pin(pin)
    pin_field = bytes.fromhex(f"0{len(pin):X}{pin}".ljust(16, "F"))
    pan_field = bytes.fromhex("0000" + _pan12(pan))
    return bytes(a ^ b for a, b in zip(pin_field, pan_field, strict=True))


def _tdes(key: bytes) -> Cipher:  # type: ignore[type-arg]
    if len(key) not in (16, 24):
        raise PinBlockError("format 0 key must be a 16- or 24-byte TDES key")
    return Cipher(TripleDES(key), modes.ECB())


def format0_encrypt(pin: str, pan: str, key: bytes) -> bytes:
    encryptor = _tdes(key).encryptor()
    return encryptor.update(format0_clear(pin, pan)) + encryptor.finalize()


def format0_pin(block: bytes, pan: str, key: bytes | None) -> str:
    """Deciphers (when key is given) and decodes a format 0 block; for the core's verifier."""
    if len(block) != 8:
        raise PinBlockError("format 0 block is 8 bytes")
    if key is not None:
        decryptor = _tdes(key).decryptor()
        block = decryptor.update(block) + decryptor.finalize()
    pan_field = bytes.fromhex("0000" + _pan12(pan))
    text = bytes(a ^ b for a, b in zip(block, pan_field, strict=True)).hex().upper()
    length = int(text[1], 16)
    if text[0] != "0" or not 4 <= length <= 12:
        raise PinBlockError("not a format 0 PIN block")
    pin, fill = text[2 : 2 + length], text[2 + length :]
    if not pin.isdigit() or fill != "F" * len(fill):
        raise PinBlockError("format 0 PIN field malformed")
    return pin


def _aes(key: bytes) -> Cipher:  # type: ignore[type-arg]
    if len(key) not in (16, 24, 32):
        raise PinBlockError("format 4 key must be an AES key (16, 24 or 32 bytes)")
    return Cipher(algorithms.AES(key), modes.ECB())


def _pan_field4(pan: str) -> bytes:
    if not pan.isdigit() or not 12 <= len(pan) <= 19:
        raise PinBlockError("PAN must be 12-19 digits")
    return bytes.fromhex(f"{len(pan) - 12}{pan}".ljust(32, "0"))


def format4_encrypt(pin: str, pan: str, key: bytes, *, fill: bytes | None = None) -> bytes:
    _check_pin(pin)
    random_fill = (fill if fill is not None else os.urandom(8)).hex().upper()
    pin_field = bytes.fromhex(f"4{len(pin):X}{pin}".ljust(16, "A") + random_fill)
    cipher = _aes(key)
    enc = cipher.encryptor()
    intermediate = enc.update(pin_field)
    mixed = bytes(a ^ b for a, b in zip(intermediate, _pan_field4(pan), strict=True))
    return enc.update(mixed) + enc.finalize()


def format4_pin(block: bytes, pan: str, key: bytes) -> str:
    if len(block) != 16:
        raise PinBlockError("format 4 block is 16 bytes")
    dec = _aes(key).decryptor()
    mixed = dec.update(block)
    intermediate = bytes(a ^ b for a, b in zip(mixed, _pan_field4(pan), strict=True))
    text = (dec.update(intermediate) + dec.finalize()).hex().upper()
    length = int(text[1], 16)
    if text[0] != "4" or not 4 <= length <= 12:
        raise PinBlockError("not a format 4 PIN block")
    pin, fill = text[2 : 2 + length], text[2 + length : 16]
    if not pin.isdigit() or fill != "A" * len(fill):
        raise PinBlockError("format 4 PIN field malformed")
    return pin


def pins_equal(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())
