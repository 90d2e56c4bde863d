"""Account-number patterns come from the core and run on the kiosk: compiled behind a guard
(issue 19 #9: a catastrophic pattern took 10.7 s on 18 digits). A refused pattern makes that
biller unavailable, with the reason logged; the other billers are still offered."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from kiosk.money.billing import Biller, CoreReplyError, check_account_pattern


def wire(code: str = "SGCC", pattern: str = r"^[0-9]{10}$") -> dict[str, Any]:
    money = {"amount": "1.00", "currency": "CNY"}
    return {
        "code": code,
        "name": {"zh_CN": "电", "en": "Power"},
        "account_pattern": pattern,
        "min_amount": money,
        "max_amount": {"amount": "5000.00", "currency": "CNY"},
        "partial_allowed": False,
        "offline": {"allowed": True, "limit": money},
    }


CATASTROPHIC = [
    r"^(\d+)+$",
    r"^(\d*)*$",
    r"^(\d|\d)*$",
    r"^(\d+|\d{2})+x$",
    r"^([0-9]+)*[a-z]$",
    r"^(\d)\1+$",
    r"^(?=\d+)\d+$",
    r"^(?:(\d)?)+$",
    r"^" + "x" * 150 + "$",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_dangerous_patterns_are_refused_quickly(pattern: str) -> None:
    started = time.monotonic()
    with pytest.raises(CoreReplyError) as info:
        Biller.from_wire(wire(pattern=pattern))
    assert time.monotonic() - started < 1.0  # refused by looking, not by running it
    assert "account pattern" in str(info.value)


@pytest.mark.parametrize(
    "pattern",
    [r"^[0-9]{10}$", r"^\d{8,12}$", r"^(?:01|02)\d{8}$", r"^[A-Z]{2}-?\d{6}$", r"\d{4}(\d{4})?"],
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    biller = Biller.from_wire(wire(pattern=pattern))
    assert check_account_pattern(pattern) == pattern
    assert biller.account_valid("0112345678") in (True, False)


def test_a_long_account_is_not_matched_at_all() -> None:
    biller = Biller.from_wire(wire(pattern=r"^\d+$"))
    assert biller.account_valid("1" * 18)
    assert not biller.account_valid("1" * 65)


def test_an_unsafe_pattern_hides_only_its_biller(caplog: pytest.LogCaptureFixture) -> None:
    from kiosk.runtime.core_client import CoreClient

    class Http:
        def get_json(self, path: str, params: Any = None) -> Any:
            return {"billers": [wire("EVIL", r"^(\d+)+$"), wire("SGCC")]}

    with caplog.at_level(logging.WARNING):
        billers = CoreClient(Http()).billers()  # type: ignore[arg-type]
    assert [b.code for b in billers] == ["SGCC"]
    assert "EVIL" in caplog.text and "account pattern" in caplog.text
