"""The audit's probe measures the rendered screen: it finds small text and low contrast."""

from __future__ import annotations

from dataclasses import replace

from kiosk.journeys.screen_model import ScreenModel
from screens.audit_probe import LARGE, STANDARD, AuditProbe
from screens.snapshot import ensure_app
from screens.theme import large_text, standard

MODEL = ScreenModel("menu", "en", "Services", body=("Choose a service",), cancel_label="Cancel")


def test_the_kiosk_themes_pass_their_own_limits() -> None:
    app = ensure_app()  # noqa: F841
    for theme, limits in ((standard(), STANDARD), (large_text(), LARGE)):
        probe = AuditProbe(theme, limits)
        try:
            assert probe.measure(MODEL) == []
        finally:
            probe.close()


def test_grey_text_on_grey_and_tiny_text_are_found() -> None:
    app = ensure_app()  # noqa: F841
    faint = replace(standard(), text="#BBBBBB", background="#CCCCCC", body_px=14)
    probe = AuditProbe(faint, STANDARD)
    try:
        rules = {f.rule for f in probe.measure(MODEL)}
    finally:
        probe.close()
    assert {"contrast", "text_size"} <= rules
