"""Card read benchmark: card insert -> typed card data, per profile, through pcscd + vpcd.

Measured in one run, medians of --runs (default 20):
  detect        of which: insert -> our CardInserted event (pcscd polls vpcd for presence)
  insert->data  the kiosk path: virtual card connects to vpcd, pcscd notices, our monitor
                reports CardInserted, the EMV read runs on the reader's I/O thread
  read          the same EMV read with the card already present (submit -> CardData)
  raw           baseline: the very same APDU sequence replayed with plain pyscard
                (CardConnection.transmit), no T=0 logic, no TLV parsing, no thread hop
  ratio         read / raw: what the driver stack costs over bare PC/SC round trips

Needs root (a private pcscd in a mount namespace); run: .venv/bin/python -m bench.card_read
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from drivers.card_reader.base import CardInserted, CardRemoved
from drivers.card_reader.emv.read import read_card
from drivers.card_reader.pcscd_runner import PrivatePcscd
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink

TODAY = date(2026, 11, 23)
PROFILES = ("unionpay_debit", "visa", "mastercard", "two_apps", "no_pse", "t0_get_response")


class Events:
    def __init__(self) -> None:
        self.inserted = threading.Event()
        self.removed = threading.Event()

    def __call__(self, event: object) -> None:
        if isinstance(event, CardInserted):
            self.inserted.set()
        elif isinstance(event, CardRemoved):
            self.removed.set()


def _sequence(profile: str) -> list[bytes]:
    """The APDUs a read sends (captured against the card logic directly)."""
    card = VirtualCard(load_profile(profile))
    sent: list[bytes] = []

    def transmit(apdu: bytes) -> bytes:
        sent.append(apdu)
        return card.process(apdu)

    read_card(transmit, today=TODAY)
    return sent


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_profile(
    daemon: PrivatePcscd, reader: object, events: Events, profile: str, runs: int
) -> tuple[float, float, float, float, int]:
    from smartcard.System import readers

    def job(transmit: object, atr: str) -> object:
        return read_card(transmit, today=TODAY)  # type: ignore[arg-type]

    insert_to_data: list[float] = []
    detect: list[float] = []
    for _ in range(runs):
        events.inserted.clear()
        events.removed.clear()
        link = VpcdLink(VirtualCard(load_profile(profile)), daemon.port)
        start = time.perf_counter()
        link.insert()
        assert events.inserted.wait(10)
        detect.append(time.perf_counter() - start)
        reader.submit(job).result(10)  # type: ignore[attr-defined]
        insert_to_data.append(time.perf_counter() - start)
        link.remove()
        assert events.removed.wait(10)

    link = VpcdLink(VirtualCard(load_profile(profile)), daemon.port)
    events.inserted.clear()
    link.insert()
    assert events.inserted.wait(10)
    read_only: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        reader.submit(job).result(10)  # type: ignore[attr-defined]
        read_only.append(time.perf_counter() - start)

    sequence = _sequence(profile)
    pcsc_reader = next(r for r in readers() if str(r) == "Virtual PCD 00 00")
    connection = pcsc_reader.createConnection()
    connection.connect()
    raw: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        for apdu in sequence:
            connection.transmit(list(apdu))
        raw.append(time.perf_counter() - start)
    connection.disconnect()
    connection.release()
    link.remove()
    assert events.removed.wait(10)
    return _ms(insert_to_data), _ms(detect), _ms(read_only), _ms(raw), len(sequence)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profiles", nargs="*", default=list(PROFILES))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-card-"))
    daemon = PrivatePcscd(workdir)
    os.environ.update(daemon.environ())
    daemon.start()
    from drivers.card_reader.pcsc import PcscCardReader

    events = Events()
    reader = PcscCardReader("card", "Virtual PCD 00 00", events, wait_ms=50)
    reader.start()
    try:
        deadline = time.monotonic() + 10
        while reader.reader_name is None and time.monotonic() < deadline:
            time.sleep(0.02)
        print(f"card read benchmark, median of {args.runs} runs per profile (ms)")
        print(
            f"{'profile':18} {'APDUs':>5} {'insert->data':>13} {'detect':>8} {'read':>8} "
            f"{'raw':>8} {'ratio':>6}"
        )
        for profile in args.profiles:
            full, seen, read, raw, count = bench_profile(daemon, reader, events, profile, args.runs)
            print(
                f"{profile:18} {count:5d} {full:13.2f} {seen:8.2f} {read:8.2f} {raw:8.2f} "
                f"{read / raw:6.2f}"
            )
    finally:
        reader.stop()
        daemon.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
