"""`kiosk audit`: every tour, in both languages, every screen checked as seen, heard and touched.

For each language a fresh demo kiosk (emulated devices, the embedded core) is walked through the
tours; every distinct screen it shows is checked against the screen-model and speech rules
(kiosk/demo/audit/rules.py) and, through the injected probes, rendered in each theme and measured
(screens/audit_probe.py). The result is an HTML report and a verdict: any finding fails.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from kiosk.demo.audit.report import write_report
from kiosk.demo.audit.results import AuditResult, ScreenRecord
from kiosk.demo.audit.rules import AuditTexts, Finding, check
from kiosk.demo.audit.tours import TOURS
from kiosk.demo.env import start_demo
from kiosk.demo.run import DemoFailed, DemoRun
from kiosk.i18n import LANGUAGES, Catalog
from kiosk.journeys.screen_model import ScreenModel
from kiosk.runtime.config import TimeoutConfig
from kiosk.speech.script import screen_script
from kiosk.speech.voice_mode import VoiceConfig

log = logging.getLogger(__name__)


class Probe(Protocol):
    def measure(self, model: ScreenModel, png: Path | None = None) -> list[Finding]: ...


def _no_snapshot(_model: ScreenModel, _path: Path) -> None:
    """The audit renders after the tours, each screen once per theme."""


@dataclass
class AuditRun(DemoRun):
    """A demo run that hands over every screen change, a message on the same screen included
    (the demo's screenshots skip those)."""

    on_screen: Callable[[ScreenModel], object] = field(default=lambda model: None)

    def pump(self) -> None:
        model = self.env.runtime.controller.pump()
        if model is not None:
            self.on_screen(model)
            self.steps.append(model.screen_id)


def location_cues(catalog: Catalog, lang: str, cabinet: VoiceConfig) -> dict[str, str]:
    return {
        "cash": catalog.text(lang, "where_cash", position=cabinet.note_acceptor),
        "card": catalog.text(lang, "where_card", position=cabinet.card_slot),
    }


def _key(model: ScreenModel) -> ScreenModel:
    """Screens that differ only in a running countdown are one screen to check."""
    return replace(model, countdown=None, countdown_text="")


def run_audit(
    out: Path,
    probes: dict[str, Callable[[], Probe]],
    *,
    fast: bool = False,
    languages: Sequence[str] = LANGUAGES,
) -> AuditResult:
    """`probes`: mode -> factory of the renderer that measures it (none: model rules only)."""
    out.mkdir(parents=True, exist_ok=True)
    records: list[ScreenRecord] = []
    failures: list[str] = []
    for lang in languages:
        seen: dict[ScreenModel, ScreenRecord] = {}
        env = start_demo(out / f"env-{lang}", language=lang, timeouts=TimeoutConfig(), cards=True)
        try:
            catalog = env.runtime.journey.catalog
            texts = AuditTexts(
                frozenset(catalog.ids()), location_cues(catalog, lang, VoiceConfig())
            )
            for tour in TOURS:
                if (fast and not tour.fast) or (tour.needs_cards and env.cards is None):
                    continue

                run = AuditRun(env, _no_snapshot, out / "unused")
                run.on_screen = lambda model, tour=tour, seen=seen: seen.setdefault(
                    _key(model), ScreenRecord(model, tour.name)
                )
                try:
                    tour.walk(run, env, lang)
                except DemoFailed as exc:
                    failures.append(f"{lang} {tour.name}: {exc}")
                    log.error("audit: tour %s (%s) stopped: %s", tour.name, lang, exc)
            for record in seen.values():
                record.script = tuple(screen_script(record.model, catalog))
                record.findings = check(record.model, record.script, texts)
        finally:
            env.stop()
        records += seen.values()
    _measure(records, probes, out)
    result = AuditResult(records, failures, rules=_rule_count(probes))
    write_report(result, out / "report.html")
    return result


def _measure(
    records: list[ScreenRecord], probes: dict[str, Callable[[], Probe]], out: Path
) -> None:
    for mode, factory in probes.items():
        probe = factory()
        try:
            for n, record in enumerate(records, 1):
                name = re.sub(r"[^a-z0-9_]", "_", record.model.screen_id)
                png = out / "screens" / mode / f"{n:03d}-{record.model.lang}-{name}.png"
                record.findings += [
                    replace(f, rule=f"{f.rule} ({mode})") for f in probe.measure(record.model, png)
                ]
                record.images[mode] = str(png.relative_to(out))
        finally:
            close = getattr(probe, "close", None)
            if callable(close):
                close()


def _rule_count(probes: dict[str, Callable[[], Probe]]) -> int:
    from kiosk.demo.audit.rules import RULES

    return len(RULES) + 4 * len(probes)  # targets, text size, clipping, contrast per theme
