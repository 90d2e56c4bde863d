"""A real espeak-ng WAV for a Mandarin prompt, checked with sox for length and sound."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from kiosk.speech.engine import EspeakEngine, SpeechSettings, ssml
from kiosk.speech.script import Utterance


def _sox_stats(path: Path) -> tuple[float, float]:
    duration = float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True,
                                     check=True).stdout)  # fmt: skip
    stats = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True)
    rms = float(re.search(r"RMS\s+amplitude:\s+([0-9.]+)", stats.stderr).group(1))
    return duration, rms


def test_mandarin_prompt_is_rendered_as_pinyin_and_is_not_silent(tmp_path: Path) -> None:
    prompt = Utterance("请放入纸币", "请放入纸币，还需放入一百二十五元五角", "zh_CN")
    assert "qing3 fang4 ru4 zhi3 bi4" in ssml(prompt)
    wav = EspeakEngine().render([prompt], tmp_path / "prompt.wav", SpeechSettings())
    duration, rms = _sox_stats(wav)
    assert 1.5 < duration < 15, duration
    assert rms > 0.01, "the prompt is audible"


def test_latin_words_inside_mandarin_switch_to_the_english_voice() -> None:
    markup = ssml(Utterance("", "切换到English，请按语言键", "zh_CN"))
    assert '<voice name="en-us">English</voice>' in markup
    assert '<voice name="cmn-latn-pinyin">qie1 huan4 dao4</voice>' in markup


def test_engine_choice_explains_why_speech_is_unavailable(tmp_path: Path) -> None:
    from kiosk.speech.select import choose_engine, has_playback_device

    choice = choose_engine(dispatcher_socket=tmp_path / "no-dispatcher")
    if has_playback_device():
        assert choice.available and choice.reason == ""
    else:  # this machine has no sound card: the reason reaches the technician, not silence
        assert not choice.available and "sound card" in choice.reason
