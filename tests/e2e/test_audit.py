"""The quick form of `kiosk audit`: the demo kiosk walked in both languages, every screen it
shows checked as seen (both themes, measured on the pixels), heard and touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.demo.audit.runner import run_audit


@pytest.mark.e2e
def test_the_quick_audit_finds_nothing_a_customer_would_trip_over(tmp_path: Path) -> None:
    from screens.audit_probe import LARGE, STANDARD, AuditProbe
    from screens.snapshot import ensure_app
    from screens.theme import large_text, standard

    app = ensure_app()  # noqa: F841 - kept alive while the probes render
    probes = {
        "standard": lambda: AuditProbe(standard(), STANDARD),
        "large_text": lambda: AuditProbe(large_text(), LARGE),
    }
    result = run_audit(tmp_path, probes, fast=True)
    assert result.failures == []
    assert [(f.screen_id, f.rule, f.detail) for f in result.findings] == []
    ids = {record.model.screen_id for record in result.screens}
    assert {"insert_cash", "confirm", "thank_you", "topup_insert_cash", "notice"} <= ids
    assert {record.model.lang for record in result.screens} == {"zh_CN", "en"}
    report = (tmp_path / "report.html").read_text("utf-8")
    assert "PASS" in report and report.count("<img") == 2 * len(result.screens)
