"""Headphone jack through the ALSA jack control ("Headphone Jack"), for codecs whose jack is not
exposed as an input switch.

How it is read, and why: `amixer -c CARD cget name='Headphone Jack'` polled on one thread
(default every 0.25 s). The alternative, `alsactl monitor`, only says THAT a control changed
("node hw:0, #18 (3,0,0,Headphone Jack,0) VALUE"), not its value, so it would need the same
cget anyway, plus a long-lived child to supervise and restart when the card comes and goes.
Polling costs one short process (a few ms of CPU) per interval, needs no compiled dependency
(alsa-utils is already installed for aplay) and recovers by itself when the card reappears; a
quarter second is far below how long a customer takes to find the keypad after plugging in.

amixer's cget output (alsa-utils amixer.c, show_control with LEVEL_ID | LEVEL_BASIC):

    numid=18,iface=CARD,name='Headphone Jack'
      ; type=BOOLEAN,access=r-------,values=1
      : values=on
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.sensors.headphone import HeadphoneChanged, JackError

log = logging.getLogger(__name__)

_VALUES = re.compile(r"^\s*: values=(\S+)\s*$", re.MULTILINE)
_TYPE = re.compile(r"^\s*; type=(\w+),", re.MULTILINE)


def parse_cget(output: str) -> bool:
    """True when the jack control reads "on" (something is plugged in)."""
    kind, values = _TYPE.search(output), _VALUES.search(output)
    if kind is None or values is None:
        raise JackError(f"unexpected amixer output: {output.strip()[:200]!r}")
    if kind.group(1) != "BOOLEAN":
        raise JackError(f"jack control is {kind.group(1)}, not BOOLEAN")
    return values.group(1).split(",")[0] == "on"


class AlsaHeadphoneJack:
    """Polls an ALSA jack control with amixer; reports changes as HeadphoneChanged."""

    def __init__(
        self,
        device_id: str,
        card: str,
        on_event: EventSink,
        *,
        control: str = "Headphone Jack",
        poll_interval: float = 0.25,
        amixer: str = "amixer",
    ) -> None:
        self.device_id = device_id
        self.card = card
        self.control = control
        self.poll_interval = poll_interval
        self._amixer = amixer
        self._on_event = on_event
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.inserted = False
        self.error = ""  # the last read failure, for the technician; "" while readable

    def read(self) -> bool:
        """One cget; raises JackError (typed, with amixer's own words) when it cannot read."""
        binary = shutil.which(self._amixer)
        if binary is None:
            raise JackError(f"{self._amixer} (alsa-utils) is not installed")
        try:
            result = subprocess.run(
                [binary, "-c", self.card, "cget", f"name='{self.control}'"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise JackError(f"amixer failed: {exc}") from exc
        if result.returncode != 0:
            words = (result.stderr or result.stdout).strip()
            raise JackError(f"card {self.card} {self.control!r}: {words}")
        return parse_cget(result.stdout)

    def open(self) -> None:
        """Reads the jack once (a customer may already be plugged in), then starts polling."""
        self.inserted = self.read()
        self.error = ""
        self._on_event(HeadphoneChanged(self.device_id, self.inserted))
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.device_id}-alsa-jack")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                inserted = self.read()
            except JackError as exc:
                if str(exc) != self.error:  # once per distinct failure, not four times a second
                    log.error("%s: cannot read the jack: %s", self.device_id, exc)
                self.error = str(exc)
                continue  # keep the last known state: a glitch must not end a session
            if self.error:
                log.info("%s: jack readable again", self.device_id)
            self.error = ""
            if inserted != self.inserted:
                self.inserted = inserted
                self._on_event(HeadphoneChanged(self.device_id, inserted))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def health(self) -> DeviceHealth:
        if self._thread is None:
            return DeviceHealth(self.device_id, DeviceState.OFFLINE, self.error)
        if self.error:
            return DeviceHealth(self.device_id, DeviceState.HARDWARE_ERROR, self.error)
        return DeviceHealth(
            self.device_id, DeviceState.ONLINE, "inserted" if self.inserted else "unplugged"
        )
