"""In service / degraded / out of service, derived from device health by one pure function.

Why a pure function: the attract screen, the technician dashboard, telemetry and the tests must
all agree on what the kiosk can offer, so they all call this with the same device health and
never keep their own copy of the rules. Reasons are stable ids; the customer-facing text of a
reason is the catalog message `service_reason_<id>` (zh_CN and en).

Rules (the field manuals' "degraded mode" table, reduced to this kiosk's devices):
- printer out of paper / cover open / offline: no paper receipts; receipts go on screen (QR)
  and services that only print (reprint, statement) are withdrawn. With `cash_needs_paper`
  (the default) and a working card reader, cash is withdrawn too: card-only, with the on-screen
  receipt. A kiosk without a card reader keeps taking cash with the on-screen receipt (turning
  every customer away would be worse than a QR receipt).
- cashbox removed, cashbox full or the note acceptor faulted: no cash.
- coin acceptor faulted: no coins; card reader faulted or absent: no card.
- no paper and no cash and no card (nothing a customer can do): out of service.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from drivers.base import DeviceHealth, DeviceState

CASH, COIN, CARD = "cash", "coin", "card"
PRINTING_ONLY_SERVICES = frozenset({"service_reprint", "service_statement"})


class ServiceState(str, Enum):
    IN_SERVICE = "in_service"
    DEGRADED = "degraded"
    OUT_OF_SERVICE = "out_of_service"


@dataclass(frozen=True)
class ServiceStatus:
    """What the kiosk can offer right now, and why not everything."""

    state: ServiceState
    reasons: tuple[str, ...]  # stable ids, catalog message `service_reason_<id>`
    tenders: frozenset[str]  # subset of {"cash", "coin", "card"}
    paper_receipts: bool  # False: receipts on screen only
    printing_services: bool  # reprint / statement may be offered
    warnings: tuple[str, ...] = ()  # for the technician (paper near end ...); not degrading

    def offers(self, label_id: str) -> bool:
        """Whether a menu entry (its catalog label id) may be offered in this state."""
        if self.state is ServiceState.OUT_OF_SERVICE:
            return False
        return self.printing_services or label_id not in PRINTING_ONLY_SERVICES


def _by_kind(devices: Iterable[DeviceHealth]) -> dict[str, DeviceHealth]:
    """Device ids are the config kinds ("cash", "printer", "coin", "card", "headphone");
    a suffixed id ("cash-2") counts as its kind."""
    out: dict[str, DeviceHealth] = {}
    for health in devices:
        kind = health.device_id.split("-", 1)[0]
        if kind == "card_reader":
            kind = "card"
        out.setdefault(kind, health)
    return out


def _printer(health: DeviceHealth | None, reasons: list[str], warnings: list[str]) -> bool:
    if health is None:
        reasons.append("printer_missing")
        return False
    paper = health.supplies.get("paper", "")
    if paper == "paper_near_end":
        warnings.append("printer_paper_near_end")
    if health.state is DeviceState.ONLINE:
        return True
    if paper == "paper_out":
        reasons.append("printer_paper_out")
    elif paper == "cover_open":
        reasons.append("printer_cover_open")
    else:
        reasons.append("printer_fault")
    return False


def _cash(health: DeviceHealth | None, reasons: list[str], warnings: list[str]) -> bool:
    if health is None:
        return False  # a kiosk without a note acceptor is not degraded by its absence
    cashbox = health.supplies.get("cashbox", "")
    if cashbox == "near_full":
        warnings.append("cashbox_near_full")
    if health.state is DeviceState.USER_ERROR and "cashbox removed" in health.detail.lower():
        reasons.append("cashbox_removed")
        return False
    if health.state is not DeviceState.ONLINE:
        reasons.append("cash_fault")
        return False
    if cashbox == "full":
        reasons.append("cashbox_full")
        return False
    return True


def _simple(health: DeviceHealth | None, reason: str, reasons: list[str]) -> bool:
    if health is None:
        return False
    if health.state is not DeviceState.ONLINE:
        reasons.append(reason)
        return False
    return True


def derive_service_status(
    devices: Iterable[DeviceHealth],
    *,
    core_reachable: bool = True,
    cash_needs_paper: bool = True,
) -> ServiceStatus:
    """The one place the degraded-mode rules live (see the module docstring)."""
    kinds = _by_kind(devices)
    reasons: list[str] = []
    warnings: list[str] = []
    paper = _printer(kinds.get("printer"), reasons, warnings)
    cash = _cash(kinds.get(CASH), reasons, warnings)
    coin = _simple(kinds.get(COIN), "coin_fault", reasons)
    card = _simple(kinds.get(CARD), "card_reader_fault", reasons)
    if not core_reachable:
        reasons.append("core_unreachable")  # offline mode: the queue takes payments
    if cash_needs_paper and not paper and card and (cash or coin):
        reasons.append("cash_needs_receipt")  # steer to card; without a card, cash goes on
        cash = coin = False
    tenders = frozenset(name for name, ok in ((CASH, cash), (COIN, coin), (CARD, card)) if ok)
    if not paper and not cash and not card:
        state = ServiceState.OUT_OF_SERVICE
    elif reasons:
        state = ServiceState.DEGRADED
    else:
        state = ServiceState.IN_SERVICE
    return ServiceStatus(
        state=state,
        reasons=tuple(reasons),
        tenders=tenders,
        paper_receipts=paper,
        printing_services=paper,
        warnings=tuple(warnings),
    )


def reason_message_id(reason: str) -> str:
    """The catalog message that explains a reason to a customer."""
    return f"service_reason_{reason}"
