"""The bill barcode (docs/bill_barcode.md): what the reference core prints, what the kiosk reads,
and that no scanned text, however mangled, does anything but parse or raise a typed error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_system.seed import DEMO_BILLERS, bill_code, demo_bill_codes
from kiosk.money import bill_code as bc
from kiosk.money.bill_code import BillCode, BillCodeError

SGCC_CODE = "BP1/SGCC/1234567890/12550/B-SGCC-2026-10-0001/04"
CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/"

codes = st.builds(
    BillCode,
    biller=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8),
    account=st.text("0123456789", min_size=1, max_size=20),
    amount_minor=st.integers(min_value=1, max_value=9_999_999_999),
    bill_id=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=24),
)


def test_the_demo_bill_prints_the_documented_code_and_reads_back() -> None:
    assert demo_bill_codes()["B-SGCC-2026-10-0001"] == SGCC_CODE
    code = bc.parse(SGCC_CODE + "\r\n")
    assert code == BillCode("SGCC", "1234567890", 12550, "B-SGCC-2026-10-0001")
    assert "1234567890" not in repr(code)
    assert bc.for_biller(code, DEMO_BILLERS).code == "SGCC"


def test_every_demo_bill_reads_back_as_itself() -> None:
    from core_system.seed import DEMO_ACCOUNTS

    for account in DEMO_ACCOUNTS:
        for bill in account.bills:
            code = bc.parse(bill_code(bill))
            assert (code.biller, code.account, code.bill_id) == (
                bill.biller,
                bill.account,
                bill.bill_id,
            )
            assert code.amount_minor == bill.amount_due.minor


def test_check_digits_are_iso_7064_mod_97_10() -> None:
    # The ISO 7064 example for the pure MOD 97-10 system: 794 -> check digits 44.
    assert bc.mod97_10("794") == "44"
    # The whole text, read as one number (letters and punctuation by their values), is 1 mod 97.
    body, check = SGCC_CODE.rsplit("/", 1)
    digits = "".join(f"{CHARS.index(c):02d}" for c in body)  # every character two digits
    assert int(digits + check) % 97 == 1


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "BILL_CODE_UNREADABLE"),
        ("   \r\n", "BILL_CODE_UNREADABLE"),
        ("BP1/SGCC/1234567890/12550/B-SGCC-2026-10-0001/5", "BILL_CODE_UNREADABLE"),
        ("BP1/SGCC/12345A7890/12550/B-SGCC-2026-10-0001/04", "BILL_CODE_UNREADABLE"),
        ("BP1/SGCC/1234567890/012550/B-SGCC-2026-10-0001/56", "BILL_CODE_UNREADABLE"),
        ("BP1/SGCC/1234567890/12550/56", "BILL_CODE_UNREADABLE"),
        ("BP1/SGCC/1234567890/12550/B-SGCC\x00/56", "BILL_CODE_UNREADABLE"),
        ("BP1/国家电网/1234567890/12550/B/56", "BILL_CODE_UNREADABLE"),
        ("BP1/" + "9" * 200, "BILL_CODE_UNREADABLE"),
        ("6901234567892", "BILL_CODE_FOREIGN"),  # an EAN-13 from a shop
        ("https://example.com/pay?id=1", "BILL_CODE_FOREIGN"),  # a QR code with a web link
        ("BP2/SGCC/1234567890/12550/B-SGCC-2026-10-0001/56", "BILL_CODE_FOREIGN"),
        ("BP1/SGCC/1234567890/12550/B-SGCC-2026-10-0001/57", "BILL_CODE_TAMPERED"),
        ("BP1/SGCC/1234567890/1255/B-SGCC-2026-10-0001/56", "BILL_CODE_TAMPERED"),
        ("BP1/SGCC/1234567980/12550/B-SGCC-2026-10-0001/56", "BILL_CODE_TAMPERED"),
    ],
)
def test_each_kind_of_bad_code_has_its_stable_error(text: str, error: str) -> None:
    with pytest.raises(BillCodeError) as raised:
        bc.parse(text)
    assert raised.value.code == error


def test_lower_case_from_a_wedge_scanner_with_caps_lock_reads_the_same() -> None:
    assert bc.parse(SGCC_CODE.lower()) == bc.parse(SGCC_CODE)


def test_a_biller_this_kiosk_does_not_take_or_a_foreign_account_is_foreign() -> None:
    other = BillCode("TELCO", "1234567890", 100, "B-1").text()
    with pytest.raises(BillCodeError) as raised:
        bc.for_biller(bc.parse(other), DEMO_BILLERS)
    assert raised.value.code == "BILL_CODE_FOREIGN"
    short = BillCode("SGCC", "12345", 100, "B-1").text()  # SGCC accounts have 10 digits
    with pytest.raises(BillCodeError) as raised:
        bc.for_biller(bc.parse(short), DEMO_BILLERS)
    assert raised.value.code == "BILL_CODE_FOREIGN"


def test_a_field_outside_the_format_cannot_be_printed() -> None:
    with pytest.raises(ValueError):
        BillCode("SG/CC", "1", 1, "B").text()
    with pytest.raises(ValueError):
        BillCode("SGCC", "1", 0, "B").text()


@given(codes)
def test_every_printable_code_reads_back_as_itself(code: BillCode) -> None:
    text = code.text()
    assert len(text) <= bc.MAX_LENGTH
    assert set(text) <= set(CHARS)
    assert bc.parse(text) == code


@given(codes, st.data())
def test_any_single_character_changed_is_caught(code: BillCode, data: st.DataObject) -> None:
    text = code.text()
    i = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from(CHARS).filter(lambda c: c != text[i]))
    with pytest.raises(BillCodeError):
        bc.parse(text[:i] + replacement + text[i + 1 :])


@given(codes, st.data())
def test_any_two_adjacent_characters_swapped_is_caught(code: BillCode, data: st.DataObject) -> None:
    text = code.text()
    i = data.draw(st.integers(0, len(text) - 2))
    if text[i] == text[i + 1]:
        return
    swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    with pytest.raises(BillCodeError):
        bc.parse(swapped)


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_a_typed_error(text: str) -> None:
    try:
        code = bc.parse(text)
    except BillCodeError as exc:
        assert exc.code in {"BILL_CODE_UNREADABLE", "BILL_CODE_FOREIGN", "BILL_CODE_TAMPERED"}
    else:
        assert bc.parse(code.text()) == code


@given(st.text(CHARS, max_size=90))
def test_any_text_in_the_code_alphabet_parses_or_raises_a_typed_error(text: str) -> None:
    try:
        bc.parse("BP1/" + text)
    except BillCodeError as exc:
        assert exc.code in {"BILL_CODE_UNREADABLE", "BILL_CODE_TAMPERED"}
