"""What an audit found: each screen with its script, images and findings, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.demo.audit.rules import Finding
from kiosk.journeys.screen_model import ScreenModel
from kiosk.speech.script import Utterance


@dataclass
class ScreenRecord:
    model: ScreenModel
    tour: str
    script: tuple[Utterance, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)  # mode -> png path (relative)


@dataclass
class AuditResult:
    screens: list[ScreenRecord]
    failures: list[str]  # tours that could not finish (a failure of their own)
    rules: int

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.screens for f in s.findings]

    @property
    def ok(self) -> bool:
        return not self.findings and not self.failures
