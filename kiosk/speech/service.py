"""The speech service: priorities, interruption, repeat, pause, rate and volume.

A key press or a new screen interrupts what is being said (the engine is stopped BEFORE the next
utterance starts). Priorities: NOW interrupts and speaks first, NEXT goes to the front of the
queue, NORMAL waits its turn. Rate and volume changes last until the session ends.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import replace
from enum import IntEnum

from kiosk.speech.engine import SpeechEngine, SpeechSettings
from kiosk.speech.script import Utterance

RATE_STEP, RATE_MIN, RATE_MAX = 20, 80, 320
VOLUME_STEP, VOLUME_MIN, VOLUME_MAX = 20, 20, 200


class Priority(IntEnum):
    NOW = 0
    NEXT = 1
    NORMAL = 2


class SpeechService:
    def __init__(self, engine: SpeechEngine, defaults: SpeechSettings | None = None) -> None:
        self._engine = engine
        self._defaults = defaults or SpeechSettings()
        self.settings = self._defaults
        self._queue: deque[Utterance] = deque()
        self._current: Utterance | None = None
        self._last_script: list[Utterance] = []
        self._paused = False
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._running = False

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        with self._lock:
            self._running = True
        self._thread = threading.Thread(target=self._run, name="speech")
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._running = False
            self._queue.clear()
            self._lock.notify_all()
        self._engine.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def engine(self) -> SpeechEngine:
        return self._engine

    def use_engine(self, engine: SpeechEngine) -> None:
        """Swaps the engine (the Qt shell brings Qt TextToSpeech); the old one is silenced."""
        with self._lock:
            self._engine.stop()
            self._current = None
            self._engine = engine
            self._lock.notify_all()

    # ------------------------------------------------------------------ commands

    def speak_screen(self, script: list[Utterance]) -> None:
        """A new screen: whatever was being said no longer applies."""
        with self._lock:
            self._last_script = list(script)
            self._replace_queue(script)

    def say(self, utterance: Utterance, priority: Priority = Priority.NORMAL) -> None:
        with self._lock:
            if priority is Priority.NOW:
                self._replace_queue([utterance, *self._queue])
            elif priority is Priority.NEXT:
                self._queue.appendleft(utterance)
            else:
                self._queue.append(utterance)
            self._lock.notify_all()

    def interrupt(self) -> None:
        """A key was pressed: stop talking now and drop what was queued."""
        with self._lock:
            self._replace_queue([])

    def repeat(self) -> None:
        with self._lock:
            self._replace_queue(self._last_script)

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self._current is not None:
                self._queue.appendleft(self._current)  # resume says it again from its start
                self._current = None
            self._engine.stop()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._lock.notify_all()

    def adjust_rate(self, steps: int) -> None:
        rate = min(RATE_MAX, max(RATE_MIN, self.settings.rate + steps * RATE_STEP))
        self.settings = replace(self.settings, rate=rate)

    def adjust_volume(self, steps: int) -> None:
        volume = min(VOLUME_MAX, max(VOLUME_MIN, self.settings.volume + steps * VOLUME_STEP))
        self.settings = replace(self.settings, volume=volume)

    def end_session(self) -> None:
        """Rate and volume are personal: the next customer starts from the defaults."""
        self.settings = self._defaults
        self.interrupt()

    @property
    def speaking(self) -> Utterance | None:
        with self._lock:
            return self._current

    def pending(self) -> list[Utterance]:
        with self._lock:
            return list(self._queue)

    # ------------------------------------------------------------------ internals

    def _replace_queue(self, script: list[Utterance]) -> None:
        """Caller holds the lock. Stops the engine before anything new can start."""
        self._engine.stop()
        self._current = None
        self._queue = deque(script)
        self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._running and (self._paused or not self._queue or self._engine.busy()):
                    self._lock.wait(timeout=0.02)
                    if self._current is not None and not self._engine.busy():
                        self._current = None
                if not self._running:
                    return
                utterance = self._queue.popleft()
                self._current = utterance
                self._engine.start(utterance, self.settings)
