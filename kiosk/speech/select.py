"""Picks the speech engine this kiosk can really use, with the reason when it cannot speak.

Order: the engine named in config (`[voice] engine`), then espeak-ng piped to ALSA's aplay, then
a running speech-dispatcher, then the null engine. Whenever the kiosk ends up on something other
than what was configured, the reason is logged as a technician alert, so a technician is told
rather than a blind customer meeting silence. "qt" (Qt TextToSpeech) can only be built inside
the windowed shell (screens/ owns Qt): here it falls through the same order and the shell swaps
it in when Qt has a usable backend.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.speech.engine import EspeakEngine, NullEngine, SpeechEngine, SpeechError
from kiosk.speech.engine_dispatcher import DispatcherEngine

log = logging.getLogger(__name__)

ENGINE_NAMES = ("auto", "espeak", "dispatcher", "qt", "null")


@dataclass(frozen=True)
class EngineChoice:
    engine: SpeechEngine
    available: bool
    reason: str = ""  # why speech is unavailable, for the technician dashboard and logs
    name: str = "null"  # which engine was built
    notes: tuple[str, ...] = ()  # why each engine tried before it was not used


def has_playback_device() -> bool:
    try:
        listing = subprocess.run(["aplay", "-l"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listing.returncode == 0 and "card " in listing.stdout


def _espeak(device: str, dispatcher_socket: Path | None) -> SpeechEngine:
    if shutil.which("aplay") is None:
        raise SpeechError("aplay (alsa-utils) is not installed")
    if not has_playback_device():
        raise SpeechError("no sound card for headphone output")
    return EspeakEngine(player=["aplay", "-q", "-D", device, "-"])


def _dispatcher(device: str, dispatcher_socket: Path | None) -> SpeechEngine:
    return DispatcherEngine(dispatcher_socket)


def _qt(device: str, dispatcher_socket: Path | None) -> SpeechEngine:
    raise SpeechError("Qt TextToSpeech is only available in the windowed shell")


BUILDERS: dict[str, Callable[[str, Path | None], SpeechEngine]] = {
    "espeak": _espeak,
    "dispatcher": _dispatcher,
    "qt": _qt,
}


def choose_engine(
    configured: str = "auto", device: str = "default", *, dispatcher_socket: Path | None = None
) -> EngineChoice:
    """The first engine that really works, in the order configured → espeak → dispatcher."""
    if configured == "null":
        return EngineChoice(NullEngine(), False, "speech is switched off in config", "null")
    order = ["espeak", "dispatcher"]
    if configured in BUILDERS:
        order = [configured] + [name for name in order if name != configured]
    notes: list[str] = []
    for name in order:
        try:
            engine = BUILDERS[name](device, dispatcher_socket)
        except SpeechError as exc:
            notes.append(f"{name}: {exc}")
            continue
        if configured not in ("auto", name):
            log.error(
                "technician alert: speech engine %r unavailable (%s); speaking with %s",
                configured,
                "; ".join(notes),
                name,
            )
        return EngineChoice(engine, True, "", name, tuple(notes))
    return EngineChoice(NullEngine(), False, "; ".join(notes), "null", tuple(notes))
