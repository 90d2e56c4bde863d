"""The audit's report: every screen as seen (each theme) and heard (its script), and each finding.

A plain HTML file with relative image links, so it can be archived with a release as its
accessibility record and opened anywhere.
"""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from kiosk.demo.audit.results import AuditResult

STYLE = """
body { font-family: "Noto Sans CJK SC", sans-serif; margin: 2em; }
.screen { border: 1px solid #ccc; margin: 1em 0; padding: 1em; }
.fail { border-color: #b00020; }
img { width: 320px; border: 1px solid #888; margin-right: 8px; }
.findings li { color: #b00020; }
.script { font-size: 90%; color: #333; }
"""


def write_report(result: AuditResult, path: Path) -> Path:
    counts = Counter(f.rule for f in result.findings)
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Kiosk screen audit</title>",
        f"<style>{STYLE}</style><h1>Kiosk screen audit</h1>",
        f"<p>{len(result.screens)} screens, {result.rules} rules, "
        f"{len(result.findings)} findings, {len(result.failures)} tours stopped: "
        f"<b>{'PASS' if result.ok else 'FAIL'}</b></p>",
    ]
    if counts:
        parts.append("<h2>Findings by rule</h2><ul>")
        parts += [f"<li>{html.escape(rule)}: {n}</li>" for rule, n in counts.most_common()]
        parts.append("</ul>")
    if result.failures:
        parts.append("<h2>Tours that stopped</h2><ul>")
        parts += [f"<li>{html.escape(f)}</li>" for f in result.failures]
        parts.append("</ul>")
    for n, record in enumerate(result.screens, 1):
        model = record.model
        css = "screen fail" if record.findings else "screen"
        parts.append(
            f"<div class='{css}'><h3>{n}. {html.escape(model.screen_id)} "
            f"({model.lang}) — {html.escape(record.tour)}</h3>"
        )
        parts += [
            f"<img alt='{html.escape(mode)}' src='{html.escape(src)}'>"
            for mode, src in record.images.items()
        ]
        parts.append("<ol class='script'>")
        parts += [f"<li>{html.escape(u.says)}</li>" for u in record.script]
        parts.append("</ol>")
        if record.findings:
            parts.append("<ul class='findings'>")
            parts += [
                f"<li>{html.escape(f.rule)}: {html.escape(f.detail)}</li>" for f in record.findings
            ]
            parts.append("</ul>")
        parts.append("</div>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
