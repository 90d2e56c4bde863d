"""speech-dispatcher as a speech engine, spoken to over its SSIP socket (no C library, no Qt).

Why SSIP and not `spd-say`: the socket tells us when an utterance begins, ends or is cancelled
(SSIP events 701/702/703), so `busy()` is the truth and `stop()` can wait until the daemon has
really gone quiet before the next prompt starts. `spd-say` would only give a process exit code.

Protocol (SSIP, speech-dispatcher's "Speech Synthesis Interface Protocol"): commands are
CRLF-terminated lines; every reply is one or more "NNN-text" lines ending with a "NNN text" line
(2xx success, 3xx/4xx/5xx failure). After SPEAK the daemon answers 230, takes the text line by
line (a line starting with "." is escaped by doubling it) and ends at a line holding a single
".", then answers "225-<message id>" / "225 OK MESSAGE QUEUED". With notifications on, events
arrive at any time as "70x-<message id>" / "70x-<client id>" / "70x <EVENT>".
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import threading
import time
from collections import deque
from pathlib import Path

from kiosk.speech.engine import SpeechError, SpeechSettings, ssml
from kiosk.speech.script import Utterance

log = logging.getLogger(__name__)

LANGUAGES = {"zh_CN": "zh", "en": "en"}
EV_BEGIN, EV_END, EV_CANCEL, EV_PAUSE, EV_RESUME = "701", "702", "703", "704", "705"
FINISHED = {EV_END, EV_CANCEL}
# espeak-ng's words-per-minute around speechd's espeak-ng module (EspeakNormalRate 170,
# EspeakMinRate 80, EspeakMaxRate 449 in /etc/speech-dispatcher/modules/espeak-ng.conf)
NORMAL_WPM, MIN_WPM, MAX_WPM = 170, 80, 449


def default_socket() -> Path:
    """Where speech-dispatcher listens: $SPEECHD_ADDRESS, else the per-user runtime socket."""
    address = os.environ.get("SPEECHD_ADDRESS", "")
    if address.startswith("unix_socket:"):
        return Path(address.split(":", 1)[1])
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return Path(runtime) / "speech-dispatcher" / "speechd.sock"


def ssip_rate(wpm: int) -> int:
    """espeak-ng words per minute -> SSIP RATE (-100..100), mapped as speechd's module does."""
    if wpm <= NORMAL_WPM:
        value = (wpm - NORMAL_WPM) * 100 / (NORMAL_WPM - MIN_WPM)
    else:
        value = (wpm - NORMAL_WPM) * 100 / (MAX_WPM - NORMAL_WPM)
    return max(-100, min(100, round(value)))


def ssip_volume(amplitude: int) -> int:
    """espeak-ng amplitude (0..200, 100 = normal) -> SSIP VOLUME (-100..100, 0 = normal)."""
    return max(-100, min(100, amplitude - 100))


def escape_data(text: str) -> bytes:
    """SPEAK's body: CRLF lines, a leading "." doubled, ended by a line holding only "."."""
    lines = ["." + line if line.startswith(".") else line for line in text.splitlines() or [""]]
    return ("\r\n".join(lines) + "\r\n.\r\n").encode("utf-8")


def one_line(markup: str) -> str:
    """Speech needs no line breaks, and speech-dispatcher 0.11 forwards a line holding only "."
    unescaped to its output module, which then takes the rest as commands and hangs (seen with
    the real daemon, kept as a regression test)."""
    return " ".join(markup.splitlines())


class SsipConnection:
    """One SSIP session: a reader thread splits replies (to the caller) from events (7xx)."""

    def __init__(self, path: Path, on_event: object, timeout: float = 5.0) -> None:
        self._timeout = timeout
        self._on_event = on_event
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.connect(str(path))
        except OSError as exc:
            self._sock.close()
            raise SpeechError(f"speech-dispatcher not reachable at {path}: {exc}") from exc
        self._replies: queue.Queue[list[str] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="ssip-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self._sock.makefile("rb")
        block: list[str] = []
        try:
            for raw in stream:
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                block.append(line)
                if len(line) >= 4 and line[3] == "-":
                    continue  # more lines of the same reply or event follow
                if line.startswith("7"):
                    self._on_event(block)  # type: ignore[operator]
                else:
                    self._replies.put(block)
                block = []
        except OSError:
            pass
        finally:
            self._replies.put(None)  # wakes a caller waiting on a dead daemon

    def command(self, line: str, data: bytes | None = None) -> list[str]:
        """Sends one command (and SPEAK's body); returns the reply lines, raising on failure."""
        with self._lock:
            reply = self._exchange(line.encode("utf-8") + b"\r\n")
            if data is not None:
                if not reply[-1].startswith("230"):
                    raise SpeechError(f"speech-dispatcher refused {line!r}: {reply[-1]}")
                reply = self._exchange(data)
        if not reply[-1].startswith("2"):
            raise SpeechError(f"speech-dispatcher refused {line!r}: {reply[-1]}")
        return reply

    def _exchange(self, payload: bytes) -> list[str]:
        try:
            self._sock.sendall(payload)
            reply = self._replies.get(timeout=self._timeout)
        except (OSError, queue.Empty) as exc:
            raise SpeechError(f"speech-dispatcher did not answer: {exc!r}") from exc
        if reply is None:
            raise SpeechError("speech-dispatcher closed the connection")
        return reply

    def close(self) -> None:
        with contextlib.suppress(SpeechError):
            self.command("QUIT")
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(timeout=2)


class DispatcherEngine:
    """Speaks through a running speech-dispatcher (Mandarin as pinyin SSML, like espeak-ng).

    Building it connects (SpeechError if the daemon is not there, so `choose_engine` can fall
    back). Afterwards start/stop never raise into the speech thread: a daemon that dies or
    restarts is logged as a technician alert and reconnected on the next prompt.
    """

    def __init__(self, path: Path | None = None, *, module: str = "espeak-ng") -> None:
        self.socket_path = path or default_socket()
        self._module = module
        self._done = threading.Condition()
        self._current: int | None = None  # message id being spoken, None when quiet
        self._sending = False  # SPEAK sent, id not known yet
        self._finished: set[int] = set()
        self.events: deque[tuple[int, str]] = deque(maxlen=64)  # (message id, 70x) for checks
        self.last_message: int | None = None
        self._sent: dict[str, str] = {}
        self._conn: SsipConnection | None = None
        self._connect()

    def _connect(self) -> SsipConnection:
        conn = SsipConnection(self.socket_path, self._event)
        try:
            conn.command("SET self CLIENT_NAME kiosk:kiosk:voice")
            conn.command("SET self NOTIFICATION ALL on")
            conn.command("SET self PRIORITY message")
            conn.command("SET self SSML_MODE on")
            modules = conn.command("LIST OUTPUT_MODULES")
            if any(line[4:] == self._module for line in modules[:-1]):
                conn.command(f"SET self OUTPUT_MODULE {self._module}")
        except SpeechError:
            conn.close()
            raise
        self._conn, self._sent = conn, {}
        return conn

    def _event(self, block: list[str]) -> None:
        code = block[-1][:3]
        try:
            message_id = int(block[0][4:])
        except (ValueError, IndexError):
            return
        self.events.append((message_id, code))
        if code in FINISHED:
            with self._done:
                self._finished.add(message_id)
                self._done.notify_all()

    def _set(self, conn: SsipConnection, name: str, value: str) -> None:
        """SET only what changed: each SET is a round trip before the first word."""
        if self._sent.get(name) != value:
            conn.command(f"SET self {name} {value}")
            self._sent[name] = value

    def start(self, utterance: Utterance, settings: SpeechSettings) -> None:
        self.stop()
        with self._done:
            self._sending = True
        try:
            conn = self._conn or self._connect()
            self._set(conn, "LANGUAGE", LANGUAGES.get(utterance.lang, "en"))
            self._set(conn, "RATE", str(ssip_rate(settings.rate)))
            self._set(conn, "VOLUME", str(ssip_volume(settings.volume)))
            reply = conn.command("SPEAK", escape_data(one_line(ssml(utterance))))
            message_id = int(reply[0][4:])
        except (SpeechError, ValueError, IndexError) as exc:
            self._lost(exc)
            return
        with self._done:  # one step: busy() never sees a gap between "sending" and "speaking"
            self._current = self.last_message = message_id
            self._sending = False
            self._finished = {m for m in self._finished if m >= message_id}

    def _lost(self, exc: Exception) -> None:
        log.error("technician alert: speech-dispatcher failed, prompt not spoken: %s", exc)
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # the next prompt reconnects (the daemon may have restarted)
        with self._done:
            self._sending, self._current = False, None

    def busy(self) -> bool:
        with self._done:
            if self._sending:
                return True
            return self._current is not None and self._current not in self._finished

    def stop(self) -> None:
        """CANCEL, then wait for the daemon's own word that the message is over (703/702)."""
        if not self.busy() or self._conn is None:
            return
        try:
            self._conn.command("CANCEL self")
        except SpeechError as exc:
            self._lost(exc)
            return
        deadline = time.monotonic() + 2.0
        with self._done:
            while self._current is not None and self._current not in self._finished:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("speech-dispatcher did not confirm the cancel; going on")
                    break
                self._done.wait(remaining)
            self._current = None

    def pause(self) -> None:
        if self._conn is not None:
            self._conn.command("PAUSE self")

    def resume(self) -> None:
        if self._conn is not None:
            self._conn.command("RESUME self")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
