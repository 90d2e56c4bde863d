"""A private speech-dispatcher for tests and bench: own config, own socket, stopped by its pid.

It runs the real daemon with the real espeak-ng output module; audio goes to ALSA's "null" PCM,
so it works on a machine without a sound card (CI) and never makes noise in the room.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MODULE_CONF = Path("/etc/speech-dispatcher/modules/espeak-ng.conf")
MODULE_BIN = Path("/usr/lib/speech-dispatcher-modules/sd_espeak-ng")

CONFIG = """LogLevel 3
LogDir "{log}"
AudioOutputMethod "libao"
AddModule "espeak-ng" "sd_espeak-ng" "espeak-ng.conf"
DefaultModule espeak-ng
DefaultLanguage "en"
"""


def why_not() -> str:
    """Empty when a private daemon can run here, else the reason (for pytest.skip)."""
    if shutil.which("speech-dispatcher") is None:
        return "speech-dispatcher is not installed (scripts/setup.sh installs it)"
    if not MODULE_BIN.exists() or not MODULE_CONF.exists():
        return "speech-dispatcher-espeak-ng is not installed"
    return ""


class PrivateDispatcher:
    def __init__(self, workdir: Path | None = None) -> None:
        # a short directory: unix socket paths are limited to 107 bytes
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="spd-", dir="/tmp"))
        self.socket_path = self.workdir / "sock"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Path:
        self.workdir.mkdir(exist_ok=True)  # again after a stop: a daemon restarted in place
        conf = self.workdir / "conf"
        (conf / "modules").mkdir(parents=True)
        (self.workdir / "log").mkdir()
        shutil.copy(MODULE_CONF, conf / "modules" / MODULE_CONF.name)
        (conf / "speechd.conf").write_text(CONFIG.format(log=self.workdir / "log"))
        # libao's "null" driver swallows the audio: no sound card needed, no noise in the room
        (self.workdir / ".libao").write_text("default_driver=null\n")
        self._proc = subprocess.Popen(
            [
                "speech-dispatcher",
                "--run-single",
                "--communication-method",
                "unix_socket",
                "--socket-path",
                str(self.socket_path),
                "--config-dir",
                str(conf),
                "--timeout",
                "0",
                "--pid-file",
                str(self.workdir / "pid"),
                "--log-dir",
                str(self.workdir / "log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(self.workdir)},
            start_new_session=True,  # its output module is its child: stop the whole group
        )
        deadline = time.monotonic() + 10
        while not self._listening():  # the socket file appears before listen() is called
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"speech-dispatcher did not start (see {self.workdir}/log)")
            time.sleep(0.02)
        return self.socket_path

    def _listening(self) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(self.socket_path))
            except OSError:
                return False
        return True

    def stop(self) -> None:
        if self._proc is not None:
            _signal_group(self._proc.pid, signal.SIGTERM)  # the daemon and its output module
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _signal_group(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
            self._proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
