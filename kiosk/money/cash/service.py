"""The journeys' CashPort with the cashbox rules on top of the device adapter.

Cash is offered only when the acceptor is online — a removed cashbox puts the driver in
USER_ERROR until the device reports it replaced, a jam or a full stacker in HARDWARE_ERROR — and
the cashbox is not full by the journal's count (so the kiosk stops taking notes before the
stacker jams on a full box, and says so before the customer starts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.journeys.ports import CashPort
from kiosk.money.cash.counters import CashboxCounts, CashboxLevel

log = logging.getLogger(__name__)


class CashService:
    def __init__(self, port: CashPort, counts: Callable[[], CashboxCounts]) -> None:
        self._port = port
        self._counts = counts

    def available(self) -> bool:
        if not self._port.available():
            return False
        level = self._counts().level
        if level is CashboxLevel.FULL:
            log.warning("cashbox full by the journal's count: cash out of service")
            return False
        return True

    def enable(self) -> None:
        self._port.enable()

    def disable(self) -> None:
        self._port.disable()

    def accept_escrow(self) -> None:
        self._port.accept_escrow()

    def reject_escrow(self) -> None:
        self._port.reject_escrow()

    def denominations_minor(self) -> tuple[int, ...]:
        return self._port.denominations_minor()
