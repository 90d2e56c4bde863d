"""Picks the speech engine this kiosk can really use, with the reason when it cannot speak.

espeak-ng piped to ALSA's aplay is the engine; without espeak-ng, aplay or a sound card the
kiosk falls back to the null engine and reports why, so a technician is alerted rather than a
blind customer meeting silence.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from kiosk.speech.engine import EspeakEngine, NullEngine, SpeechEngine, SpeechError


@dataclass(frozen=True)
class EngineChoice:
    engine: SpeechEngine
    available: bool
    reason: str = ""  # why speech is unavailable, for the technician dashboard and logs


def has_playback_device() -> bool:
    try:
        listing = subprocess.run(["aplay", "-l"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listing.returncode == 0 and "card " in listing.stdout


def choose_engine(device: str = "default") -> EngineChoice:
    if shutil.which("aplay") is None:
        return EngineChoice(NullEngine(), False, "aplay (alsa-utils) is not installed")
    if not has_playback_device():
        return EngineChoice(NullEngine(), False, "no sound card for headphone output")
    try:
        engine = EspeakEngine(player=["aplay", "-q", "-D", device, "-"])
    except SpeechError as exc:
        return EngineChoice(NullEngine(), False, str(exc))
    return EngineChoice(engine, True)
