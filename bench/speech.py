"""Speech latency: screen change → first audio sample, and key press → speech stopped.

    .venv/bin/python -m bench.speech [--runs 20] [--no-dispatcher]

The kiosk path is the real one: the voice script of a real screen model goes through the
SpeechService to espeak-ng, whose audio is piped to a stand-in player that notes the moment the
first sample (after the 44-byte WAV header) arrives. Baseline, in the same run: espeak-ng's own
synthesis time for the same text (the whole utterance to a WAV file), and its own
time-to-first-sample with nothing of ours around it. The same for the speech-dispatcher engine
against a private daemon (its BEGIN event stands for the first sample; see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from kiosk.i18n import load_catalog
from kiosk.journeys.screen_model import AmountLine, Choice, ScreenModel
from kiosk.speech.engine import EspeakEngine, ssml
from kiosk.speech.engine_dispatcher import DispatcherEngine
from kiosk.speech.script import Utterance, screen_script
from kiosk.speech.service import SpeechService
from tests.kiosk.speech.dispatcher_daemon import PrivateDispatcher, why_not

SCREENS = {
    "zh_CN": ScreenModel(
        screen_id="bill_details",
        lang="zh_CN",
        title="账单信息",
        amounts=(AmountLine("应缴金额", "¥125.50"),),
        choices=(Choice("1", "现金缴费"),),
    ),
    "en": ScreenModel(
        screen_id="bill_details",
        lang="en",
        title="Your bill",
        amounts=(AmountLine("Amount due", "¥125.50"),),
        choices=(Choice("1", "Pay with cash"),),
    ),
}


def _stub_player(stamp: Path) -> list[str]:
    """Reads the header and the first sample, then writes the wall-clock time in ns."""
    return ["sh", "-c", f"dd bs=46 count=1 of=/dev/null status=none; date +%s%N > {stamp}"]


def _wait_for(path: Path, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return int(path.read_text().strip())
        time.sleep(0.0005)
    raise TimeoutError("no audio arrived")


def kiosk_first_sample_ms(lang: str, tmp: Path) -> float:
    stamp = tmp / "stamp"
    stamp.unlink(missing_ok=True)
    engine = EspeakEngine(player=_stub_player(stamp))
    service = SpeechService(engine)
    service.start()
    try:
        script = screen_script(SCREENS[lang], load_catalog())
        start = time.time_ns()
        service.speak_screen(script)
        return (_wait_for(stamp) - start) / 1e6
    finally:
        service.stop()


def kiosk_stop_ms(lang: str) -> float:
    # consumes 22050 Hz 16-bit mono at real-time speed, as a sound card would
    realtime = "while dd bs=4410 count=1 status=none of=/dev/null; do sleep 0.1; done"
    engine = EspeakEngine(player=["sh", "-c", realtime])
    service = SpeechService(engine)
    service.start()
    try:
        long_text = "。".join(["请放入纸币，还需放入一百二十五元五角"] * 6)
        if lang == "en":
            long_text = ". ".join(["Please insert banknotes, one hundred yuan still due"] * 6)
        service.speak_screen([Utterance("", long_text, lang)])
        while not engine.busy():
            time.sleep(0.001)
        time.sleep(0.2)  # mid-sentence
        start = time.perf_counter()
        service.interrupt()  # what a key press does
        assert not engine.busy(), "interrupt returns only once the audio processes are gone"
        return (time.perf_counter() - start) * 1000
    finally:
        service.stop()


def _wait_event(engine: DispatcherEngine, code: str, after: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(c == code and m > after for m, c in list(engine.events)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"speech-dispatcher never sent {code}")
        time.sleep(0.0005)


def dispatcher_begin_ms(lang: str, engine: DispatcherEngine) -> float:
    """Screen change → speech-dispatcher's BEGIN event (701): its module started the audio."""
    service = SpeechService(engine)
    service.start()
    try:
        script = screen_script(SCREENS[lang], load_catalog())
        before = engine.last_message or 0
        start = time.perf_counter()
        service.speak_screen(script)
        _wait_event(engine, "701", before)
        return (time.perf_counter() - start) * 1000
    finally:
        service.stop()


def dispatcher_stop_ms(lang: str, engine: DispatcherEngine) -> float:
    """Key press → the daemon confirms the cancel (703); interrupt() waits for that."""
    service = SpeechService(engine)
    service.start()
    try:
        sentence = (
            "请放入纸币，还需放入一百二十五元五角" if lang == "zh_CN" else "One hundred yuan due"
        )
        before = engine.last_message or 0
        service.speak_screen([Utterance("", "。".join([sentence] * 400), lang)])
        _wait_event(engine, "701", before)
        time.sleep(0.05)  # mid-sentence
        start = time.perf_counter()
        service.interrupt()
        assert not engine.busy()
        return (time.perf_counter() - start) * 1000
    finally:
        service.stop()


def bench_dispatcher(runs: int, tmp: Path) -> None:
    reason = why_not()
    if reason:
        print(f"speech-dispatcher: skipped ({reason})")
        return
    daemon = PrivateDispatcher()
    try:
        engine = DispatcherEngine(daemon.start())
    except BaseException:
        daemon.stop()
        raise
    try:
        print(f"speech-dispatcher (private daemon, espeak-ng module), median of {runs} runs (ms)")
        for lang in ("zh_CN", "en"):
            begin, synth = [], []
            for _ in range(runs):
                begin.append(dispatcher_begin_ms(lang, engine))
                synth.append(espeak_synthesis_ms(lang, tmp))
            stop = [dispatcher_stop_ms(lang, engine) for _ in range(max(5, runs // 2))]
            m_begin, m_synth = statistics.median(begin), statistics.median(synth)
            print(
                f"{lang:6} screen change → BEGIN event {m_begin:7.1f}"
                f" | espeak-ng whole-script synthesis {m_synth:7.1f}"
                f" (ratio {m_begin / m_synth:.2f})"
                f" | key press → cancel confirmed {statistics.median(stop):6.1f}"
            )
    finally:
        engine.close()
        daemon.stop()


def espeak_synthesis_ms(lang: str, tmp: Path) -> float:
    """Baseline: espeak-ng alone synthesising the same script to a WAV file."""
    script = screen_script(SCREENS[lang], load_catalog())
    markup = "".join(ssml(u).removeprefix("<speak>").removesuffix("</speak>") for u in script)
    start = time.perf_counter()
    subprocess.run(
        ["espeak-ng", "-m", "-w", str(tmp / "base.wav"), f"<speak>{markup}</speak>"], check=True
    )
    return (time.perf_counter() - start) * 1000


def espeak_first_sample_ms(lang: str, tmp: Path) -> float:
    """Baseline: espeak-ng alone to the stub player, first utterance of the same script."""
    stamp = tmp / "stamp-base"
    stamp.unlink(missing_ok=True)
    first = screen_script(SCREENS[lang], load_catalog())[0]
    start = time.time_ns()
    synth = subprocess.Popen(["espeak-ng", "-m", "--stdout", ssml(first)], stdout=subprocess.PIPE)
    player = subprocess.Popen(_stub_player(stamp), stdin=synth.stdout)
    assert synth.stdout is not None
    synth.stdout.close()
    value = (_wait_for(stamp) - start) / 1e6
    synth.wait()
    player.wait()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-dispatcher", action="store_true", help="espeak-ng engine only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        print(f"speech latency, median of {args.runs} runs (ms)")
        for lang in ("zh_CN", "en"):
            first, base_first, synth = [], [], []
            for _ in range(args.runs):  # interleaved, so machine noise hits all three alike
                first.append(kiosk_first_sample_ms(lang, tmp))
                base_first.append(espeak_first_sample_ms(lang, tmp))
                synth.append(espeak_synthesis_ms(lang, tmp))
            stop = [kiosk_stop_ms(lang) for _ in range(max(5, args.runs // 2))]
            m_first, m_base = statistics.median(first), statistics.median(base_first)
            m_synth = statistics.median(synth)
            print(
                f"{lang:6} screen change → first sample {m_first:7.1f}"
                f" | espeak-ng alone → first sample {m_base:7.1f} (ratio {m_first / m_base:.2f})"
                f" | espeak-ng whole-script synthesis {m_synth:7.1f}"
                f" (ratio {m_first / m_synth:.2f})"
                f" | key press → silent {statistics.median(stop):6.1f}"
            )
        if not args.no_dispatcher:
            bench_dispatcher(args.runs, tmp)


if __name__ == "__main__":
    main()
