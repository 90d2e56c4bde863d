"""Receipt printer benchmark: build a receipt's bytes, deliver it to the emulator at 115200 baud.

    .venv/bin/python -m bench.printer [--runs 20] [--baud 115200] [--png DIR]

Measures (median of --runs):
  build      kiosk.documents builder + ESC/POS encoding of the bill-payment receipt
  pty        EscposPrinter.print_document to the emulator over a pty: status before, bytes,
             GS r end-of-job confirmation, status after. A pty does NOT throttle to the baud
             rate, so this is the software overhead, not the wire.
  paced      the same, with the emulator consuming bytes no faster than the wire would
             (it sleeps len x 10 / baud per chunk it reads), so the confirmation arrives no
             earlier than on a real 115200 line.
  physical   bytes x 10 / baud: start + 8 data + stop bits per byte, the floor for a real
             serial line (the printer's head time comes on top and is not modelled).
Ratios are measured / physical, from the same run. --png renders sample documents to PNGs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from drivers.printer.base import PrinterCapabilities
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_encoder import encode_document
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.links import SerialLink
from tests.drivers.printer_documents import all_documents, payment, statement_doc

CAPS = PrinterCapabilities(columns=48, width_dots=576)


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _paced(emu: PrinterEmulator, baud: int) -> None:
    feed = emu.feed

    def paced_feed(data: bytes) -> bytes:
        time.sleep(len(data) * 10 / baud)  # the wire cannot deliver faster than this
        return feed(data)

    emu.feed = paced_feed  # type: ignore[method-assign]


def status_latency(runs: int, baud: int, state: str) -> float:
    """Median of EscposPrinter.status() (DLE EOT 1, 2, 4) for one emulated paper state."""
    with tempfile.TemporaryDirectory() as tmp:
        emu = PrinterEmulator(Path(tmp))
        emu.set_paper(state)
        printer = EscposPrinter("bench", SerialLink(emu.start(), baud), CAPS)
        try:
            return median_seconds(printer.status, runs)
        finally:
            printer.close()
            emu.stop()


def deliver(runs: int, baud: int, paced: bool, lang: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        emu = PrinterEmulator(Path(tmp))
        if paced:
            _paced(emu, baud)
        printer = EscposPrinter("bench", SerialLink(emu.start(), baud), CAPS)
        doc = payment(lang)
        try:
            printer.open()
            assert printer.print_document(doc).printed, "warm-up print was not confirmed"

            def once() -> None:
                if not printer.print_document(doc).printed:
                    raise RuntimeError("the emulator did not confirm a receipt")

            seconds = median_seconds(once, runs)
        finally:
            printer.close()
            emu.stop()
    return seconds, len(encode_document(doc, CAPS))


def render_pngs(out: Path) -> None:
    docs = all_documents()
    docs["statement_200_zh_CN"] = statement_doc("zh_CN", 200)
    docs["statement_200_en"] = statement_doc("en", 200)
    for name, doc in sorted(docs.items()):
        caps = PrinterCapabilities(32, 384) if "58mm" in name else CAPS
        emu = PrinterEmulator(out / name, width_dots=caps.width_dots, columns=caps.columns)
        emu.feed(encode_document(doc, caps))
        print(f"{name}: {len(emu.receipts)} page(s) in {out / name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--png", type=Path, help="also render sample documents to PNGs here")
    args = parser.parse_args()
    if args.png:
        render_pngs(args.png)
    print(f"receipt printer bench: median of {args.runs} runs, {args.baud} baud")
    for lang in ("zh_CN", "en"):
        build = median_seconds(lambda lang=lang: encode_document(payment(lang), CAPS), args.runs)
        pty, nbytes = deliver(args.runs, args.baud, False, lang)
        paced, _ = deliver(args.runs, args.baud, True, lang)
        physical = nbytes * 10 / args.baud
        print(f"[{lang}] bill-payment receipt: {nbytes} bytes")
        print(
            f"  build bytes          {build * 1e3:8.2f} ms   ({build / physical:6.3f} x physical)"
        )
        print(f"  physical wire limit  {physical * 1e3:8.2f} ms   (bytes x 10 / baud, baseline)")
        print(f"  deliver, pty         {pty * 1e3:8.2f} ms   ({pty / physical:6.3f} x physical)")
        print(
            f"  deliver, paced pty   {paced * 1e3:8.2f} ms   ({paced / physical:6.3f} x physical)"
        )
    ready = status_latency(args.runs, args.baud, "ready")
    offline = status_latency(min(args.runs, 5), args.baud, "offline")
    print(f"status(), ready printer      {ready * 1e3:8.2f} ms   (3 DLE EOT round trips)")
    print(f"status(), silent printer     {offline * 1e3:8.2f} ms   (bound: 2 x status_timeout)")
    print(
        "note: a pty does not throttle to the baud rate; 'pty' is our overhead (3+3 DLE EOT\n"
        "round trips, GS r confirmation, and the emulator rendering the PNG before it answers\n"
        "GS r); 'paced' adds the wire time the emulator enforces."
    )


if __name__ == "__main__":
    main()
