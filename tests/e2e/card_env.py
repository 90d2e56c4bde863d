"""One private pcscd + vpcd per test process (see drivers/card_reader/pcscd_runner.py).

libpcsclite reads PCSCLITE_CSOCK_NAME once per process, so the socket path is fixed per process
(pytest-xdist worker) and every card test module in that process restarts pcscd at the same path.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.card_reader.pcscd_runner import SOCKET_ENV, PrivatePcscd, can_run


def process_pcscd() -> PrivatePcscd:
    workdir = Path(tempfile.gettempdir()) / f"kiosk-pcscd-{os.getpid()}"
    daemon = PrivatePcscd(workdir)
    os.environ[SOCKET_ENV] = str(daemon.socket_path)
    return daemon


@pytest.fixture(scope="module")
def pcscd() -> Iterator[PrivatePcscd]:
    reason = can_run()
    if reason:
        pytest.skip(reason)
    daemon = process_pcscd()
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def pcscd_restored(pcscd: PrivatePcscd) -> Iterator[PrivatePcscd]:
    """For tests that kill pcscd: whatever happens, the next test finds it running."""
    try:
        yield pcscd
    finally:
        if pcscd.pid is None:
            pcscd.start()
