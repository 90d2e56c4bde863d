"""Stripe swipe benchmark: a swipe on the hybrid reader's head -> StripeRead with card data.

Measured in one run, medians of --runs (default 50), emulator and reader on a pty pair:
  swipe->card  the kiosk path: the head emulator writes the framed swipe, the driver's I/O
               thread deframes it, checks the BCC, ACKs, parses ISO 7813 tracks 1 and 2 with
               their LRCs, checks Luhn/expiry/service code and publishes StripeRead
  raw          baseline: the very same frame bytes written on the pty and read back by a bare
               pyserial loop until the BCC byte (no ACK, no parsing)
  ratio        swipe->card / raw: what the driver costs over the wire transfer itself

Run: .venv/bin/python -m bench.card_swipe [--runs 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from datetime import date

import serial

from drivers.card_reader.base import StripeRead
from drivers.card_reader.stripe_emulator import CARDS, StripeEmulator
from drivers.card_reader.stripe_protocol import ETX, encode, swipe_payload
from drivers.card_reader.stripe_serial import StripeSerialReader
from drivers.transport.pty_pair import PtyPair

TODAY = date(2026, 11, 23)


def _driver(runs: int) -> list[float]:
    got = threading.Event()

    def on_event(event: object) -> None:
        if isinstance(event, StripeRead):
            got.set()

    emulator = StripeEmulator()
    reader = StripeSerialReader("bench", emulator.start(), on_event, today=lambda: TODAY)
    reader.start()
    times: list[float] = []
    try:
        deadline = time.monotonic() + 5
        while reader.health().state.value != "online":
            if time.monotonic() > deadline:
                raise SystemExit("stripe head never came online")
            time.sleep(0.01)
        for _ in range(runs):
            got.clear()
            start = time.perf_counter()
            threading.Thread(target=emulator.swipe_card, args=("stripe_only",)).start()
            if not got.wait(5):
                raise SystemExit("no StripeRead within 5 s")
            times.append(time.perf_counter() - start)
            time.sleep(0.05)  # past the duplicate window's seq check: a new swipe each time
    finally:
        reader.stop()
        emulator.stop()
    return times


def _raw(runs: int) -> list[float]:
    frame = encode(swipe_payload(1, *CARDS["stripe_only"]))
    times: list[float] = []
    with PtyPair() as pair:
        port = serial.Serial(pair.slave_path, 9600, timeout=0.05)
        try:
            for _ in range(runs):
                start = time.perf_counter()
                os.write(pair.master_fd, frame)
                data = bytearray()
                while len(data) < len(frame) or data[-2] != ETX:
                    data += port.read(1)  # as the driver reads: a byte, then what is waiting
                    data += port.read(port.in_waiting)
                times.append(time.perf_counter() - start)
        finally:
            port.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    raw = statistics.median(_raw(args.runs)) * 1000
    kiosk = statistics.median(_driver(args.runs)) * 1000
    print(f"stripe swipe, medians of {args.runs}:")
    print(f"  swipe->card {kiosk:8.2f} ms")
    print(f"  raw         {raw:8.2f} ms   (same frame, bare pyserial read)")
    print(f"  ratio       {kiosk / raw:8.2f}x")


if __name__ == "__main__":
    main()
