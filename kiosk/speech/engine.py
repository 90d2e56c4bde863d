"""Speech engines: the contract, espeak-ng as a separate process, and the null engine.

espeak-ng runs as its own process so a stuck synthesiser can be killed without touching the
kiosk, and so a key press stops speech at once (the process is terminated, not drained).
Mandarin is fed as tone-numbered pinyin to `cmn-latn-pinyin`; Latin words inside Mandarin text
switch to the English voice through SSML.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

from kiosk.errors import KioskError
from kiosk.speech.pinyin import has_han, to_pinyin
from kiosk.speech.script import Utterance

log = logging.getLogger(__name__)

VOICES = {"zh_CN": "cmn-latn-pinyin", "en": "en-us"}
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z' -]*[A-Za-z]|[A-Za-z]")


class SpeechError(KioskError):
    code = "SPEECH_UNAVAILABLE"


@dataclass(frozen=True)
class SpeechSettings:
    rate: int = 160  # words per minute (espeak-ng -s)
    volume: int = 100  # amplitude 0-200 (espeak-ng -a)


class SpeechEngine(Protocol):
    def start(self, utterance: Utterance, settings: SpeechSettings) -> None:
        """Starts speaking and returns at once."""
        ...

    def stop(self) -> None:
        """Silences the current utterance immediately."""
        ...

    def busy(self) -> bool: ...


class NullEngine:
    """No speech hardware or engine: nothing is said (the kiosk raises a technician alert)."""

    def start(self, utterance: Utterance, settings: SpeechSettings) -> None:
        log.debug("null speech: %s", utterance.says)

    def stop(self) -> None:
        pass

    def busy(self) -> bool:
        return False


def ssml(utterance: Utterance) -> str:
    """SSML for espeak-ng: Mandarin as pinyin, embedded Latin words in the English voice."""
    if utterance.lang != "zh_CN" or not has_han(utterance.says):
        voice = VOICES.get(utterance.lang, "en-us")
        return f'<speak><voice name="{voice}">{escape(utterance.says)}</voice></speak>'
    parts: list[str] = []
    position = 0
    for match in _LATIN_RUN.finditer(utterance.says):
        parts.append(_voice("cmn-latn-pinyin", to_pinyin(utterance.says[position : match.start()])))
        parts.append(_voice("en-us", match.group(0)))
        position = match.end()
    parts.append(_voice("cmn-latn-pinyin", to_pinyin(utterance.says[position:])))
    return "<speak>" + "".join(p for p in parts if p) + "</speak>"


def _voice(name: str, text: str) -> str:
    text = text.strip()
    return f'<voice name="{name}">{escape(text)}</voice>' if text else ""


class EspeakEngine:
    """espeak-ng piped to an audio player (`aplay`/`paplay`), or rendered to WAV files."""

    def __init__(self, *, player: list[str] | None = None, binary: str = "espeak-ng") -> None:
        found = shutil.which(binary)
        if found is None:
            raise SpeechError(f"{binary} is not installed")
        self._binary = found
        self._player = player
        self._procs: list[subprocess.Popen[bytes]] = []

    def _command(self, utterance: Utterance, settings: SpeechSettings) -> list[str]:
        return [
            self._binary,
            "-m",
            "-s",
            str(settings.rate),
            "-a",
            str(settings.volume),
            ssml(utterance),
        ]

    def start(self, utterance: Utterance, settings: SpeechSettings) -> None:
        self.stop()
        if self._player is None:
            raise SpeechError("no audio player configured; use render() for files")
        synth = subprocess.Popen(
            [*self._command(utterance, settings), "--stdout"], stdout=subprocess.PIPE
        )
        player = subprocess.Popen(self._player, stdin=synth.stdout)
        assert synth.stdout is not None
        synth.stdout.close()  # the player owns the pipe now
        self._procs = [synth, player]

    def stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs = []

    def busy(self) -> bool:
        return any(proc.poll() is None for proc in self._procs)

    def render(self, utterances: list[Utterance], path: Path, settings: SpeechSettings) -> Path:
        """Speaks `utterances` into one WAV file (demo evidence, tests, technician checks)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        pieces: list[Path] = []
        for index, utterance in enumerate(utterances):
            piece = path.with_name(f".{path.stem}-{index:02d}.wav")
            command = [*self._command(utterance, settings), "-w", str(piece)]
            result = subprocess.run(command, capture_output=True, timeout=30, check=False)
            if result.returncode != 0:
                raise SpeechError(f"espeak-ng failed: {result.stderr.decode(errors='replace')}")
            pieces.append(piece)
        _concatenate_wavs(pieces, path)
        for piece in pieces:
            piece.unlink(missing_ok=True)
        return path


def _concatenate_wavs(pieces: list[Path], target: Path) -> None:
    with wave.open(str(target), "wb") as out:
        for index, piece in enumerate(pieces):
            with wave.open(str(piece), "rb") as part:
                if index == 0:
                    out.setparams(part.getparams())
                out.writeframes(part.readframes(part.getnframes()))
                # a short pause between utterances, like a person taking a breath
                out.writeframes(b"\x00\x00" * (part.getframerate() // 4))
