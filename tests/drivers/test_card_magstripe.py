"""ISO 7813 stripe parsing: LRC and format checks, and chip cards sent back to the chip."""

from __future__ import annotations

from datetime import date

import pytest

from drivers.card_reader.errors import CardRejected, StripeUnreadable, UseChip
from drivers.card_reader.magstripe import card_from_stripe, parse_track1, parse_track2, with_lrc

TODAY = date(2026, 11, 23)
T1 = "%B4761730000000011^SMITH/JOHN^30121010000000000?"
T2 = ";4761730000000011=30121010000000000?"


def test_stripe_only_card_is_read_with_both_tracks() -> None:
    card = card_from_stripe(with_lrc(T2, 2), with_lrc(T1, 1), today=TODAY)
    assert card.masked_pan == "476173******0011" and card.cardholder_name == "SMITH/JOHN"
    assert card.source == "stripe" and card.expiry == date(2030, 12, 31)


def test_chip_card_swiped_is_told_to_use_the_chip() -> None:
    with pytest.raises(UseChip):
        card_from_stripe(with_lrc(T2.replace("=3012101", "=3012201"), 2), None, today=TODAY)
    with pytest.raises(UseChip):
        card_from_stripe(with_lrc(T2.replace("=3012101", "=3012601"), 2), None, today=TODAY)


@pytest.mark.parametrize(
    "raw",
    [
        T2 + "0",  # wrong LRC
        T2,  # LRC missing
        ";4761730000000011=30121010000000000",  # no end sentinel
        ";4761730000000011D30121010000000000?",  # not track 2 characters
        ";47617300=3012101?",  # PAN too short
    ],
)
def test_bad_track2_is_unreadable(raw: str) -> None:
    with pytest.raises(StripeUnreadable):
        parse_track2(raw)


def test_track1_lrc_and_format() -> None:
    assert parse_track1(with_lrc(T1, 1)).name == "SMITH/JOHN"
    with pytest.raises(StripeUnreadable):
        parse_track1(with_lrc(T1.replace("%B", "%A"), 1))
    with pytest.raises(StripeUnreadable):
        parse_track1(T1 + "!")


def test_tracks_that_disagree_and_expired_stripes_are_refused() -> None:
    other = with_lrc(T1.replace("4761730000000011", "4761730000000029"), 1)
    with pytest.raises(StripeUnreadable):
        card_from_stripe(with_lrc(T2, 2), other, today=TODAY)
    expired = with_lrc(T2.replace("=3012", "=2406"), 2)
    with pytest.raises(CardRejected):
        card_from_stripe(expired, None, today=TODAY)
