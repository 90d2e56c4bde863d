"""Writes what each screen says to WAV (and its words to text): the demo's voice evidence.

A reviewer can listen to `demo-out/voice/NN-<state>.wav` and read `NN-<state>.txt` to check that
a blind customer would hear everything a sighted one sees.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.i18n import Catalog
from kiosk.journeys.screen_model import ScreenModel
from kiosk.speech.engine import EspeakEngine, SpeechSettings
from kiosk.speech.script import screen_script


class VoiceRecorder:
    def __init__(self, out_dir: Path, catalog: Catalog, engine: EspeakEngine) -> None:
        self.out_dir = out_dir
        self._catalog = catalog
        self._engine = engine

    def record(self, model: ScreenModel, name: str) -> Path:
        script = screen_script(model, self._catalog)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / f"{name}.txt").write_text(
            "\n".join(u.says for u in script) + "\n", encoding="utf-8"
        )
        return self._engine.render(script, self.out_dir / f"{name}.wav", SpeechSettings())
