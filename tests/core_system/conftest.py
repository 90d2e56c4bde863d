"""The `rig` fixture: a reference core with two kiosks and two enrolled cards (card_rig.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core_system.cards import CardIssuer
from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from tests.core_system.card_rig import KEYS, PAN, PAN_2, PIN, TOKENS, Rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    clock = FakeClock()
    issuer = CardIssuer(clock, {k: ("iso0", key) for k, key in KEYS.items()}, auto_enrol=False)
    issuer.enrol(PAN, PIN, "100.50")
    issuer.enrol(PAN_2, PIN, "100.50")
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens=TOKENS, clock=clock, cards=issuer)
    url = server.start()
    try:
        yield Rig(url, issuer, store, clock)
    finally:
        server.stop()
        store.close()
