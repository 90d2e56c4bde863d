"""The message catalog: one TOML table per message id, one key per language.

Kept as data so translators edit text without touching code, and loaded once by the composition
root. A message missing in any language is a start-up error, not a blank on a customer's screen.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from string import Formatter
from typing import Any

from kiosk.errors import KioskError

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")


class CatalogError(KioskError):
    code = "I18N_CATALOG_INVALID"


@dataclass(frozen=True)
class Catalog:
    messages: dict[str, dict[str, str]]

    def text(self, lang: str, message_id: str, **values: Any) -> str:
        try:
            template = self.messages[message_id][lang]
        except KeyError as exc:
            raise CatalogError(f"no text for {message_id!r} in {lang!r}") from exc
        return template.format(**values)

    def ids(self) -> tuple[str, ...]:
        return tuple(self.messages)


def load_catalog(text: str | None = None) -> Catalog:
    """Loads the bundled catalog (or `text`, for tests) and checks every language is present."""
    if text is None:
        text = resources.files("kiosk.i18n").joinpath("messages.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"messages.toml is not valid TOML: {exc}") from exc
    messages: dict[str, dict[str, str]] = {}
    for message_id, table in data.items():
        if not isinstance(table, dict):
            raise CatalogError(f"{message_id}: expected a table of languages")
        fields: set[str] | None = None
        for lang in LANGUAGES:
            value = table.get(lang)
            if not isinstance(value, str) or not value.strip():
                raise CatalogError(f"{message_id}: missing {lang} text")
            names = {f for _, f, _, _ in Formatter().parse(value) if f}
            if fields is not None and names != fields:
                raise CatalogError(f"{message_id}: placeholders differ between languages")
            fields = names
        messages[message_id] = {lang: table[lang] for lang in LANGUAGES}
    return Catalog(messages)
