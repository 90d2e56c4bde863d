"""The device side of eSSP for EsspEmulator: key exchange, sealed packets, a tapped line.

A mixin of EsspEmulator (drivers/cash/essp_emulator.py), split out by concern. Three modes:
- no fixed key: a plain SSP device; the key-exchange commands are unknown (F2), as before;
- a fixed key: eSSP offered — a host may negotiate and then seal its commands;
- a fixed key and `encrypted=True`: eSSP required — until a key is negotiated after power-up
  or reset every command but SYNC and the key exchange is answered KEY_NOT_SET without being
  executed (the manual's rule for devices that require encryption), and afterwards a command
  in the clear is refused the same way, so a credit only ever leaves the device sealed.

A sealed command whose eCOUNT is not the one due (a replay, an old packet) or whose eCRC fails
is dropped without a reply and without touching the sequence bit. The test and console hooks
play the attacker on the cable: a forged plain credit, or an old sealed reply replayed, written
just ahead of the genuine reply.
"""

from __future__ import annotations

import logging

from drivers.cash.essp_crypto import (
    STEX,
    EsspCryptoError,
    EsspReplay,
    KeyCommand,
    Session,
    aes_key,
    is_prime,
    slave_exchange,
    u64,
    unseal,
)
from drivers.cash.essp_protocol import Command, Event, Reply, encode_frame

log = logging.getLogger("drivers.cash.essp.emulator")

_KEY_EXCHANGE = {KeyCommand.SET_GENERATOR, KeyCommand.SET_MODULUS, KeyCommand.REQUEST_KEY_EXCHANGE}


class SecureDevice:
    """Mixed into EsspEmulator; calls its `_execute` and writes through its pty."""

    fixed_key: int | None
    encrypted: bool
    address: int

    def _init_secure(self, fixed_key: int | None, encrypted: bool) -> None:
        if encrypted and fixed_key is None:
            raise ValueError("an emulator that requires encryption needs a fixed key")
        self.fixed_key, self.encrypted = fixed_key, encrypted
        self._session: Session | None = None
        self._generator: int | None = None
        self._modulus: int | None = None
        self._forged: list[int] = []  # channels of forged plain credits still to write
        self._stale: bytes | None = None  # the previous sealed POLL reply, for replays
        self.replays_ignored = 0  # sealed commands dropped for a wrong count or eCRC
        self.key_exchanges = 0

    @property
    def keyed(self) -> bool:
        """True while a negotiated key is in force (lost at reset and power cycle)."""
        return self._session is not None

    def inject_forged_credit(self, channel: int) -> None:
        """An attacker on the line: a plain `OK CREDIT <channel>` reply written just before the
        genuine reply to the next POLL. The device itself stacks nothing."""
        self._forged.append(channel)

    def _forget_key(self) -> None:
        self._session, self._generator, self._modulus = None, None, None

    def _peek_command(self, data: bytes) -> int:
        """The command byte, for fault matching; a sealed one is decrypted without consuming it."""
        if data[0] != STEX or self._session is None:
            return data[0]
        try:
            _, inner = unseal(self._session.key, data)
        except EsspCryptoError:
            return data[0]
        return inner[0] if inner else data[0]

    def _secure_execute(self, data: bytes) -> bytes | None:
        """The reply to one new command (sealed if the command was), or None to stay silent."""
        if self.fixed_key is None:
            return self._execute(data[0], data[1:])  # a plain SSP device
        if data[0] == STEX:
            session = self._session
            if session is None:
                return bytes([Reply.KEY_NOT_SET])
            try:
                inner = session.device_open(data)
            except EsspReplay as exc:
                self.replays_ignored += 1
                log.warning("sealed command dropped: %s", exc)
                return None
            except EsspCryptoError as exc:
                self.replays_ignored += 1
                log.warning("sealed command dropped: %s", exc)
                return None
            if not inner:
                return None
            return session.device_seal(self._keyed_execute(inner[0], inner[1:]))
        command, args = data[0], data[1:]
        if command in _KEY_EXCHANGE:
            return self._key_command(command, args)
        if self.encrypted and command != Command.SYNC:
            return bytes([Reply.KEY_NOT_SET])  # required: nothing runs in the clear
        return self._execute(command, args)

    def _keyed_execute(self, command: int, args: bytes) -> bytes:
        if command in _KEY_EXCHANGE:
            return self._key_command(command, args)
        if command == KeyCommand.SET_FIXED_KEY:
            if len(args) != 8:
                return bytes([Reply.WRONG_PARAMS])
            self.fixed_key = int.from_bytes(args, "little")  # used from the next negotiation
            return bytes([Reply.OK])
        return self._execute(command, args)

    def _key_command(self, command: int, args: bytes) -> bytes:
        if len(args) != 8:
            return bytes([Reply.WRONG_PARAMS])
        value = int.from_bytes(args, "little")
        if command == KeyCommand.REQUEST_KEY_EXCHANGE:
            if self._generator is None or self._modulus is None or self.fixed_key is None:
                return bytes([Reply.FAIL])
            slave_inter, key = slave_exchange(self._generator, self._modulus, value)
            self._session = Session(aes_key(self.fixed_key, key))
            self.key_exchanges += 1
            return bytes([Reply.OK]) + u64(slave_inter)
        if not is_prime(value):
            return bytes([Reply.PARAM_OUT_OF_RANGE])
        if command == KeyCommand.SET_GENERATOR:
            self._generator = value
        else:
            self._modulus = value
        return bytes([Reply.OK])

    def _attacker_frames(self, seq: bool, command: int, replay: bool) -> bytes:
        """What a tap writes ahead of the reply to this POLL: forged credits, an old packet."""
        if command != Command.POLL:
            return b""
        out = b""
        while self._forged:
            forged = bytes([Reply.OK, Event.CREDIT, self._forged.pop(0)])
            out += encode_frame(seq, self.address, forged)
        if replay and self._stale is not None:
            out += encode_frame(seq, self.address, self._stale)
        return out

    def _remember_sealed(self, command: int, reply: bytes) -> None:
        if command == Command.POLL and reply[:1] == bytes([STEX]):
            self._stale = reply
