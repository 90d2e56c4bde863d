"""A journey's own steps: the current one, its transition table, its deadline, the part it runs.

Every journey needs the same bookkeeping: refuse a move its table does not allow (a programming
error, raised loudly), give the customer longer in voice mode, restart the countdown on any key,
and hand time to the running part instead of its own deadline. Written once, here; the journey
keeps only what its steps mean.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Generic, TypeVar

from kiosk.clock import Clock
from kiosk.journeys.parts.base import Part

log = logging.getLogger(__name__)
StepT = TypeVar("StepT", bound=Enum)


class TransitionError(RuntimeError):
    """A programming error: the code tried a move the transition table forbids."""


class StepRunner(Generic[StepT]):
    def __init__(
        self,
        *,
        name: str,
        clock: Clock,
        initial: StepT,
        transitions: Mapping[StepT, frozenset[StepT]],
        customer_steps: frozenset[StepT],
        factor: Callable[[], float] = lambda: 1.0,
    ) -> None:
        self._name, self._clock = name, clock
        self._transitions, self._customer = transitions, customer_steps
        self._factor = factor
        self.step: StepT = initial
        self.part: Part | None = None
        self._deadline: float | None = None
        self._timeout_s: float | None = None

    def go(self, target: StepT, timeout: float | None = None, part: Part | None = None) -> None:
        if target not in self._transitions[self.step]:
            raise TransitionError(f"{self._name}: {self.step.value} -> {target.value} not allowed")
        log.info("%s %s -> %s", self._name, self.step.value, target.value)
        self.step, self.part = target, part
        self._arm(timeout)

    def _arm(self, timeout: float | None) -> None:
        self._timeout_s = timeout
        factor = self._factor() if self.step in self._customer else 1.0
        self._deadline = None if timeout is None else self._clock.monotonic() + timeout * factor

    def rearm(self) -> None:
        """Any key is activity: a customer step's countdown starts again."""
        if self.step in self._customer and self._timeout_s is not None:
            self._arm(self._timeout_s)

    def tick(self, on_timeout: Callable[[], None]) -> None:
        """Time for the running part, or the step's own deadline."""
        if self.part is not None:
            self.part.tick()
        elif self._deadline is not None and self._clock.monotonic() >= self._deadline:
            self._deadline = None
            on_timeout()

    def seconds_left(self) -> float | None:
        if self.part is not None:
            return self.part.seconds_left()
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self._clock.monotonic())

    @property
    def waiting_for_customer(self) -> bool:
        if self.part is not None:
            return self.part.waiting_for_customer
        return self.step in self._customer and self._deadline is not None
