"""The dashboard's device figures in the technician's language: names, states and counters.

Drivers and the health monitor name their figures with stable identifiers (comm_errors,
cashbox_100.00, ...) for logs, telemetry and tests; a technician reading the Chinese dashboard
gets them translated. Denominations carry their value; a figure with no translation yet is
shown as its identifier rather than hidden, and tests/kiosk/technician/test_figures.py fails
for every one the kiosk's own devices report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kiosk.i18n import Catalog

_BY_VALUE = re.compile(r"^(cashbox|notes|coinbox|coins)_([0-9]+(?:\.[0-9]+)?)$")


def _known(catalog: Catalog, message_id: str) -> bool:
    return message_id in catalog.ids()


def device_name(catalog: Catalog, lang: str, device_id: str) -> str:
    message_id = f"tech_device_{device_id}"
    return catalog.text(lang, message_id) if _known(catalog, message_id) else device_id


def state_name(catalog: Catalog, lang: str, state: str) -> str:
    message_id = f"tech_device_state_{state}"
    return catalog.text(lang, message_id) if _known(catalog, message_id) else state


def figure_name(catalog: Catalog, lang: str, key: str) -> str:
    by_value = _BY_VALUE.match(key)
    if by_value:
        kind, value = by_value.groups()
        return catalog.text(lang, f"tech_fig_{kind}_value", value=value)
    message_id = f"tech_fig_{key}"
    return catalog.text(lang, message_id) if _known(catalog, message_id) else key


def value_text(catalog: Catalog, lang: str, value: object) -> str:
    """Supply levels are words too (ok, near_full, ready, out): said in the language."""
    message_id = f"tech_level_{value}"
    return catalog.text(lang, message_id) if _known(catalog, message_id) else str(value)


def figures_line(
    catalog: Catalog, lang: str, supplies: Mapping[str, object], counters: Mapping[str, int]
) -> list[str]:
    out = [
        f"{figure_name(catalog, lang, k)} {value_text(catalog, lang, v)}"
        for k, v in sorted(supplies.items())
    ]
    out += [f"{figure_name(catalog, lang, k)} {v}" for k, v in sorted(counters.items())]
    return out


def untranslated(catalog: Catalog, keys: list[str]) -> list[str]:
    """Figure keys with no translation (what the test reports by name)."""
    missing = []
    for key in keys:
        by_value = _BY_VALUE.match(key)
        if by_value is None and not _known(catalog, f"tech_fig_{key}"):
            missing.append(key)
    return missing
