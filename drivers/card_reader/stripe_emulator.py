"""The stripe head of a hybrid reader on a real pty: what a customer's swipe puts on the wire.

It keeps the head's side of drivers/card_reader/stripe_protocol.py: a swipe is sent as a frame
and resent until the host ACKs it (or given up after a few tries, as a real head drops a swipe
nobody takes); status queries are answered; a damaged host frame is NAKed. Faults cover what
the field produces: a BCC damaged on the wire, line noise before a frame, a frame cut short, a
head that stops answering, a head fault, and tracks the head misread (sent as `E`).

Cards are kept as named swipes (`CARDS`) so tests, the demo and a technician at the CLI swipe
the same cards: a stripe-only card the reference core accepts, a UnionPay chip card (service
code 201: must be refused as a swipe), an expired card, one with a damaged track 2 LRC.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from enum import Enum

from drivers.card_reader.magstripe import with_lrc
from drivers.card_reader.stripe_protocol import (
    ACK,
    NAK,
    TRACK_ERROR,
    Ack,
    BadFrame,
    Frame,
    FrameReader,
    Nak,
    Status,
    encode,
    swipe_payload,
)
from drivers.transport.pty_pair import PtyPair

log = logging.getLogger("drivers.card_reader.stripe.emulator")


def _card(pan: str, name: str, yymm: str, service: str) -> tuple[str, str]:
    track1 = with_lrc(f"%B{pan}^{name}^{yymm}{service}0000000000?", 1)
    track2 = with_lrc(f";{pan}={yymm}{service}0000000000?", 2)
    return track1, track2


CARDS: dict[str, tuple[str, str]] = {
    "stripe_only": _card("6210948000000029", "ZHANG/WEI", "3112", "101"),
    "chip_card": _card("6228480402564899", "LI/NA", "3112", "201"),
    "expired": _card("6210948000000037", "WANG/FANG", "2001", "101"),
}
# Track 2 with its LRC character damaged: the head passed on what it read.
CARDS["bad_lrc"] = (CARDS["stripe_only"][0], CARDS["stripe_only"][1][:-1] + "0")


class StripeFault(Enum):
    BAD_BCC = "bad_bcc"  # the next frames sent with a wrong BCC (host NAKs, head resends)
    GARBAGE = "garbage"  # line noise before the next frames
    TRUNCATED = "truncated"  # the next frames cut short (then the head resends them whole)
    NO_REPLY = "no_reply"  # status queries unanswered (a head that died)
    TRACK_ERROR = "track_error"  # the next swipes: the head misread both tracks


class StripeEmulator:
    def __init__(self, *, answer_timeout: float = 0.3, retries: int = 3) -> None:
        self.status = Status.READY
        self._answer_timeout = answer_timeout
        self._retries = retries
        self._faults: Counter[StripeFault] = Counter()
        self._frames = FrameReader()
        self._pty: PtyPair | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._answers: list[bool] = []  # ACK (True) / NAK (False) from the host, oldest first
        self._answered = threading.Condition(self._lock)
        self._send_lock = threading.Lock()  # one outgoing frame at a time
        self._replies: list[threading.Thread] = []  # status replies being sent
        self._seq = 0
        self.queries = 0
        self.host_frames_rejected = 0

    # --- life cycle ---

    def start(self) -> str:
        self._pty = PtyPair()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="stripe-emulator", daemon=True)
        self._thread.start()
        return self._pty.slave_path

    @property
    def slave_path(self) -> str:
        """The path the driver opens (after start)."""
        return self._pty.slave_path if self._pty is not None else ""

    def stop(self) -> None:
        """Stops serving; status replies still being sent finish (or give up) first, so no
        thread writes to the pty's file descriptor once it is closed (and maybe reused)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for reply in self._replies:
            reply.join(timeout=2)
        if self._pty is not None:
            self._pty.close()

    def inject(self, fault: StripeFault, count: int = 1) -> None:
        with self._lock:
            self._faults[fault] += count

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- the customer ---

    def swipe_card(self, name: str) -> bool:
        track1, track2 = CARDS[name]
        return self.swipe(track1, track2)

    def swipe(self, track1: str, track2: str, track3: str = "") -> bool:
        """Sends one swipe; True when the host acknowledged it, False when the head gave up."""
        if self._take(StripeFault.TRACK_ERROR):
            track1 = track2 = TRACK_ERROR
        with self._send_lock:
            self._seq = (self._seq + 1) % 10
            return self._send(swipe_payload(self._seq, track1, track2, track3))

    def _send(self, payload: bytes) -> bool:
        frame = encode(payload)
        for _ in range(self._retries + 1):
            if self._stop.is_set():
                return False
            self._write(self._damaged(frame))
            if self._wait_answer():
                return True
        log.warning("swipe not acknowledged: dropped")
        return False

    def _damaged(self, frame: bytes) -> bytes:
        if self._take(StripeFault.GARBAGE):
            frame = b"\x00\xff\x13noise" + frame
        if self._take(StripeFault.BAD_BCC):
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        if self._take(StripeFault.TRUNCATED):
            frame = frame[: len(frame) // 2]
        return frame

    def _wait_answer(self) -> bool:
        deadline = time.monotonic() + self._answer_timeout
        with self._answered:
            while not self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or not self._answered.wait(left):
                    return False
            return self._answers.pop(0)

    # --- the wire ---

    def _take(self, fault: StripeFault) -> bool:
        with self._lock:
            if self._faults[fault] > 0:
                self._faults[fault] -= 1
                return True
            return False

    def _write(self, data: bytes) -> None:
        if self._pty is not None:
            self._pty.write(data)

    def _serve(self) -> None:
        assert self._pty is not None
        while not self._stop.is_set():
            data = self._pty.read(256, 0.05)
            for token in self._frames.feed(data):
                if isinstance(token, Ack | Nak):
                    with self._answered:
                        self._answers.append(isinstance(token, Ack))
                        self._answered.notify_all()
                elif isinstance(token, BadFrame):
                    self.host_frames_rejected += 1
                    self._write(bytes([NAK]))
                elif isinstance(token, Frame):
                    self._host_frame(token.payload)

    def _host_frame(self, payload: bytes) -> None:
        if payload == b"Q" and self._take(StripeFault.NO_REPLY):
            return  # a dead head: no ACK, no reply
        self._write(bytes([ACK]))
        if payload != b"Q":
            return
        self.queries += 1
        # The reply goes out on its own thread: this one must keep reading the host's ACK.
        reply = threading.Thread(
            target=self._send_locked, args=(b"R" + self.status.value.encode(),), daemon=True
        )
        self._replies = [r for r in self._replies if r.is_alive()] + [reply]
        reply.start()

    def _send_locked(self, payload: bytes) -> None:
        with self._send_lock:
            self._send(payload)
