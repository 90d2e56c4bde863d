"""Every customer text exists in zh_CN and en, and a broken catalog stops start-up."""

from __future__ import annotations

from string import Formatter

import pytest

from kiosk.i18n import LANGUAGES, load_catalog
from kiosk.i18n.catalog import CatalogError


def test_every_message_has_every_language_and_formats() -> None:
    catalog = load_catalog()
    for message_id in catalog.ids():
        for lang in LANGUAGES:
            template = catalog.messages[message_id][lang]
            names = {field for _, field, _, _ in Formatter().parse(template) if field}
            text = catalog.text(lang, message_id, **dict.fromkeys(names, "1"))
            assert text.strip(), f"{message_id} is empty in {lang}"
            assert "{" not in text, f"{message_id} has an unfilled placeholder in {lang}"


def test_chinese_texts_are_chinese_and_english_texts_are_not() -> None:
    catalog = load_catalog()
    for message_id in ("attract_title", "insert_title", "thanks_title", "core_unreachable"):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in catalog.text("zh_CN", message_id))
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in catalog.text("en", message_id))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[greeting]\nzh_CN = "你好"\n', "missing en"),
        ('[greeting]\nzh_CN = "你好 {name}"\nen = "Hello {nom}"\n', "placeholders differ"),
        ("[greeting\n", "not valid TOML"),
    ],
)
def test_a_broken_catalog_is_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(CatalogError, match=problem):
        load_catalog(text)
