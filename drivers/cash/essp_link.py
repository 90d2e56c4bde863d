"""EsspAcceptor's transport: one command out, one trusted reply back, encrypted when keyed.

A mixin of EsspAcceptor (drivers/cash/essp_driver.py), split out by concern. With a fixed key
configured, every SYNC is followed by a fresh Diffie-Hellman negotiation and every later
command and reply travels sealed (drivers/cash/essp_crypto.py). A reply that is not sealed, or
sealed with a count that is not due, is refused — and the read goes on, so a frame an attacker
slips in ahead of the device's reply cannot hide the genuine one. A refused frame that carries
a credit (or a note in escrow) is a fraud attempt on the line: reported, never credited.
"""

from __future__ import annotations

import logging
import time

from drivers.base import DeviceState
from drivers.cash.base import AcceptorAlarm, AlarmKind
from drivers.cash.essp_crypto import (
    STEX,
    EsspCryptoError,
    EsspKeyNotSet,
    EsspReplay,
    HostKeys,
    KeyCommand,
    Session,
    aes_key,
    read_u64,
    u64,
)
from drivers.cash.essp_protocol import (
    Command,
    EsspBadCrc,
    EsspError,
    EsspNak,
    EsspTimeout,
    Event,
    Frame,
    PollEvent,
    Reply,
    encode_frame,
    parse_poll_events,
)

log = logging.getLogger("drivers.cash.essp")

# Events that move money or promise to: forged in the clear, they are a fraud attempt.
_MONEY_EVENTS = {Event.CREDIT, Event.NOTE_CLEARED_TO_CASHBOX, Event.READ}
LINE_FRAUD = "unencrypted credit refused: the serial line may be tapped"


class EsspLink:
    """Mixed into EsspAcceptor; uses its port, decoder, sequence bit, counters and events."""

    _fixed_key: int | None
    _session: Session | None
    _line_fraud: bool

    @property
    def encrypted(self) -> bool:
        """True once a key is negotiated: from then on only sealed replies are believed."""
        return self._session is not None

    def change_fixed_key(self, new_key: int, timeout: float = 5.0) -> None:
        """Provisioning, for a technician moving a validator off its factory key: SET_FIXED_KEY
        (0x60) goes sealed (a device refuses it in the clear), and the new key is used from the
        next negotiation on. The site then puts it where `fixed_key_env` points."""
        if self._fixed_key is None:
            raise EsspError("the fixed key can only be changed over an encrypted link")
        self.query(bytes([KeyCommand.SET_FIXED_KEY]) + u64(new_key), timeout)
        self._fixed_key = new_key

    def _sync_and_key(self) -> None:
        """SYNC, then (with a fixed key) a new key: a reset or power cycle lost the old one,
        and a fresh key after every resync also ends any counter disagreement."""
        self._session = None
        self._transact(bytes([Command.SYNC]), sync=True)
        if self._fixed_key is None:
            return
        keys = HostKeys.fresh()
        self._transact(bytes([KeyCommand.SET_GENERATOR]) + u64(keys.generator))
        self._transact(bytes([KeyCommand.SET_MODULUS]) + u64(keys.modulus))
        reply = self._transact(bytes([KeyCommand.REQUEST_KEY_EXCHANGE]) + u64(keys.host_inter))
        try:
            slave_inter = read_u64(reply[:8])
        except EsspCryptoError as exc:
            raise EsspCryptoError(f"key exchange reply unreadable: {reply.hex(' ')}") from exc
        self._session = Session(aes_key(self._fixed_key, keys.key(slave_inter)))
        log.info("%s: eSSP key negotiated", self.device_id)

    def _transact(self, data: bytes, *, sync: bool = False) -> bytes:
        """Sends one new command and returns the reply data after the OK byte."""
        assert self._serial is not None
        self._seq = True if sync else not self._seq
        wire = self._session.host_seal(data) if self._session is not None else data
        frame = encode_frame(self._seq, self._address, wire)
        failure: EsspError = EsspTimeout(f"no reply to 0x{data[0]:02X}")
        for attempt in range(self._retries + 1):
            if attempt:
                self._count("comm_errors")
                log.warning("%s: %s; resend %d (same seq)", self.device_id, failure, attempt)
            self._serial.reset_input_buffer()
            self._decoder.reset()
            self._serial.write(frame)  # a resend is the same sealed bytes: the count holds
            try:
                reply = self._read_reply()
            except EsspKeyNotSet:
                raise
            except EsspError as exc:
                failure = exc
                continue
            if reply[:1] != bytes([Reply.OK]):
                raise EsspNak(data[0], reply[0] if reply else Reply.FAIL)
            return reply[1:]
        self._count("comm_errors")
        raise failure

    def _read_reply(self) -> bytes:
        assert self._serial is not None
        deadline = time.monotonic() + self._reply_timeout
        discarded = self._decoder.discarded
        refused: EsspError | None = None
        while time.monotonic() < deadline:
            chunk = self._serial.read(max(1, self._serial.in_waiting))
            items = self._decoder.feed(chunk) if chunk else []
            if self._decoder.discarded != discarded:
                noise, discarded = self._decoder.discarded - discarded, self._decoder.discarded
                log.warning("%s: skipped %d garbled bytes", self.device_id, noise)
            for item in items:
                if isinstance(item, EsspBadCrc):
                    raise item
                if item.address != self._address:
                    log.warning("%s: stray frame %r ignored", self.device_id, item)
                    continue
                try:
                    data = self._trusted(item)
                except (EsspCryptoError, EsspReplay) as exc:
                    refused = exc
                    continue
                if data is not None:
                    return data
        raise refused or EsspTimeout(f"no reply within {self._reply_timeout}s")

    def _trusted(self, frame: Frame) -> bytes | None:
        """The frame's data if it is our reply and may be believed; None to keep reading."""
        session = self._session
        if session is not None and frame.data[:1] != bytes([STEX]):
            if frame.data == bytes([Reply.KEY_NOT_SET]) and frame.seq == self._seq:
                log.warning("%s: device lost its key (reset?); negotiating again", self.device_id)
                raise EsspKeyNotSet("device answered KEY_NOT_SET")
            self._refuse_plain(frame)
            return None
        if frame.seq != self._seq:
            log.warning("%s: stray frame %r ignored", self.device_id, frame)
            return None
        if session is None:
            return frame.data
        try:
            return session.host_open(frame.data)
        except EsspReplay as exc:
            self._count("replays_refused")
            log.error("%s: replayed or out-of-order packet refused (%s)", self.device_id, exc)
            raise
        except EsspCryptoError as exc:
            self._count("crypto_errors")
            log.error("%s: encrypted reply refused (%s)", self.device_id, exc)
            raise

    def _refuse_plain(self, frame: Frame) -> None:
        """An unencrypted reply while keyed: never acted on; a credit in it is a fraud."""
        self._count("plain_refused")
        events = parse_poll_events(frame.data[1:]) if frame.data[:1] == bytes([Reply.OK]) else []
        money = [e for e in events if isinstance(e, PollEvent) and e.code in _MONEY_EVENTS]
        if not any(e.code is not Event.READ or e.channel for e in money):
            log.warning("%s: unencrypted reply refused: %s", self.device_id, frame.data.hex(" "))
            return
        log.error("%s: FRAUD: unencrypted credit refused: %s", self.device_id, frame.data.hex(" "))
        self._count("fraud_refused")
        self._line_fraud = True
        channel = next((e.channel or 0 for e in money), 0)
        self._publish(AcceptorAlarm(self.device_id, AlarmKind.FRAUD, channel))
        self._set_state(DeviceState.FRAUD_ATTEMPT, LINE_FRAUD)
