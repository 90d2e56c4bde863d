"""Translated customer texts; zh_CN and en for every message, checked at load time."""

from kiosk.i18n.catalog import LANGUAGES, Catalog, load_catalog

__all__ = ["LANGUAGES", "Catalog", "load_catalog"]
