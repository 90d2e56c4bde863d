"""A private pcscd with vpcd for tests, benchmarks and the demo: own socket, own vpcd port.

pcscd 1.9 always serves /run/pcscd/pcscd.comm and refuses to start when another pcscd's pid file
is there, so it cannot be given a socket path directly. We start it in a private mount namespace
(`unshare -m`, root only) with a private directory bind-mounted over /run/pcscd, and with its own
reader.conf.d (`-c`) naming a free vpcd port. Clients reach it through PCSCLITE_CSOCK_NAME,
which libpcsclite reads once per process. pcscd runs in the foreground (`-f`) as our child, and
is stopped by its own pid.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from kiosk.errors import DeviceError

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"


class PcscdUnavailable(DeviceError):
    code = "PCSCD_UNAVAILABLE"


def free_port_pair() -> int:
    """A port p with p and p+1 free on loopback (vpcd slot 0 and 1)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as second:
                second.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise PcscdUnavailable("no free port pair for vpcd")


def can_run() -> str | None:
    """None when a private pcscd can run here, else why not."""
    if os.geteuid() != 0:
        return "a private pcscd needs root (mount namespace)"
    for tool in ("pcscd", "unshare"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/setup.sh installs it)"
    if not Path(VPCD_DRIVER).exists():
        return "vsmartcard-vpcd is not installed"
    return None


class PrivatePcscd:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port_pair()
        self.run_dir = workdir / "run"
        self.conf_dir = workdir / "reader.conf.d"
        self.log_path = workdir / "pcscd.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.run_dir / "pcscd.comm"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def environ(self) -> dict[str, str]:
        return {SOCKET_ENV: str(self.socket_path)}

    def start(self, timeout: float = 10.0) -> None:
        reason = can_run()
        if reason:
            raise PcscdUnavailable(reason)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    0x{self.port:04X}\n"
        )
        script = (
            'mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && '
            'exec pcscd --foreground --config "$2" --error'
        )
        log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                script,
                "pcscd",
                str(self.run_dir),
                str(self.conf_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self._proc.poll() is not None:
                raise PcscdUnavailable(f"pcscd exited: {self.log_path.read_text()[-500:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise PcscdUnavailable("pcscd did not open its socket and vpcd port")
            time.sleep(0.02)

    def _ready(self) -> bool:
        if not self.socket_path.exists():
            return False
        with socket.socket() as probe:
            probe.settimeout(0.2)
            # vpcd listens for the card side; a probe connection would look like a card, so
            # only check the port is bound, by failing to bind it ourselves.
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError:
                return True
        return False

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def kill(self) -> None:
        """SIGKILL: pcscd dies without cleaning up, as in a crash."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)
        if self.socket_path.exists():
            self.socket_path.unlink()
        pid_file = self.run_dir / "pcscd.pid"
        if pid_file.exists():
            pid_file.unlink()

    def __enter__(self) -> PrivatePcscd:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
