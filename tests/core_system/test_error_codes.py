"""Every error code the reference core can answer is written down in its OpenAPI document, so a
kiosk vendor can map each one (CORE_API.md: every error has a stable code)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from core_system.openapi import openapi_document

SOURCES = sorted((Path(__file__).parents[2] / "core_system").glob("*.py"))
# ApiError(409, "CODE", ...), _error(403, "CODE", ...), ValidationError("CODE", ...)
RAISED = re.compile(
    r'(?:ApiError\(\s*\d{3},|_error\(\s*\d{3},|ValidationError\()\s*"([A-Z][A-Z0-9_]+)"'
)


def test_every_code_the_core_answers_is_in_the_openapi_document() -> None:
    codes = {code for path in SOURCES for code in RAISED.findall(path.read_text("utf-8"))}
    assert len(codes) > 30, codes  # the pattern still finds them
    document = json.dumps(openapi_document())
    missing = sorted(code for code in codes if code not in document)
    assert missing == []
