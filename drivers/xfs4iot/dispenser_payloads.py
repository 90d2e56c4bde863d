"""CashDispenser / CashManagement / Storage payloads to and from the dispenser contract's types.

XFS4IoT states amounts as JSON numbers in major units (`"currencies": {"CNY": 300.0}`); the kiosk
counts in integer minor units. Conversions go through Decimal on the number's shortest text, so
300.1 becomes 30010 fen exactly, and a unit the mix names is checked against the storage list.
"""

from __future__ import annotations

from decimal import Decimal

from drivers.dispenser.base import (
    Denomination,
    DeviceErrorReported,
    DispenserCapabilities,
    DispenserStatus,
    ItemsPresented,
    ItemsTaken,
    PresentState,
    ShutterChanged,
    StorageUnit,
    TransactionState,
    UnitKind,
)
from drivers.xfs4iot.errors import ProtocolError
from drivers.xfs4iot.messages import Payload
from drivers.xfs4iot.status import device_state
from drivers.xfs4iot.token import TokenFormatError, minor_digits, parse_token

POSITION = "outDefault"


def _minor(amount: object, currency: str) -> int:
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        raise ProtocolError(f"amount {amount!r} is not a number")
    return int(Decimal(str(amount)).scaleb(minor_digits(currency)))


def _major(amount_minor: int, currency: str) -> float:
    return float(Decimal(amount_minor).scaleb(-minor_digits(currency)))


def _dict(payload: Payload, key: str) -> Payload:
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def storage_units(payload: Payload) -> tuple[StorageUnit, ...]:
    """Storage.GetStorage's `storage` map; units that are not cash units are left out."""
    units: list[StorageUnit] = []
    for name, unit in _dict(payload, "storage").items():
        cash = unit.get("cash") if isinstance(unit, dict) else None
        if not isinstance(cash, dict):
            continue
        config, status = _dict(cash, "configuration"), _dict(cash, "status")
        types = _dict(config, "types")
        kind = next((k for k in UnitKind if types.get(k.value)), UnitKind.CASH_OUT)
        currency = str(config.get("currency") or "")
        value = config.get("value", 0)
        units.append(
            StorageUnit(
                name=str(name),
                unit_id=str(unit.get("id") or name),
                kind=kind,
                currency=currency,
                value_minor=_minor(value, currency) if currency else 0,
                count=int(status.get("count") or 0),
                capacity=int(unit.get("capacity") or 0),
                status=str(unit.get("status") or "unknown"),
                replenishment=str(status.get("replenishmentStatus") or "ok"),
            )
        )
    return tuple(units)


def capabilities(payload: Payload, units: tuple[StorageUnit, ...]) -> DispenserCapabilities:
    cdm = _dict(payload, "cashDispenser")
    security = _dict(_dict(payload, "common"), "endToEndSecurity")
    cash_out = [u for u in units if u.kind is UnitKind.CASH_OUT]
    areas = tuple(sorted(k for k, v in _dict(cdm, "retractAreas").items() if v))
    return DispenserCapabilities(
        currency=cash_out[0].currency if cash_out else "",
        denominations_minor=tuple(sorted({u.value_minor for u in cash_out}, reverse=True)),
        max_dispense_items=int(cdm.get("maxDispenseItems") or 0),
        shutter_control=bool(cdm.get("shutterControl", True)),
        items_taken_sensor=bool(cdm.get("itemsTakenSensor", False)),
        retract_areas=areas,
        token_required="CashDispenser.Dispense" in (security.get("commands") or ()),
    )


def denomination(payload: Payload, units: tuple[StorageUnit, ...], currency: str) -> Denomination:
    """`currencies` + `values` (a Denominate completion, a dispense result, an event)."""
    values = _dict(payload, "values")
    order = [u.name for u in units]
    for name, count in values.items():
        if name not in order or not isinstance(count, int) or count < 0:
            raise ProtocolError(f"mix names unit {name!r} with {count!r} items")
    counts = tuple((name, values[name]) for name in order if values.get(name))
    amounts = _dict(payload, "currencies")
    amount = _minor(amounts[currency], currency) if currency in amounts else 0
    return Denomination(currency, amount, counts)


def denominate_request(amount_minor: int, currency: str) -> Payload:
    """Ask the service to choose the mix (house algorithm `mix1`, minimum bills)."""
    wanted = {"currencies": {currency: _major(amount_minor, currency)}}
    return {"denomination": {"denomination": wanted, "mix": "mix1"}}


def dispense_request(mix: Denomination, token: str) -> Payload:
    """The application's own mix (counts per unit) plus the host's dispense token."""
    wanted = {
        "currencies": {mix.currency: _major(mix.amount_minor, mix.currency)},
        "values": dict(mix.counts),
    }
    return {"denomination": {"denomination": wanted}, "position": POSITION, "token": token}


def retracted_items(payload: Payload) -> int:
    total = 0
    for unit in _dict(payload, "storage").values():
        retracted = unit.get("retracted") if isinstance(unit, dict) else None
        if isinstance(retracted, dict):
            total += int(retracted.get("unrecognized") or 0)
            for counts in _dict(retracted, "cash").values():
                if isinstance(counts, dict):
                    total += sum(v for v in counts.values() if isinstance(v, int))
    return total


def transaction_state(
    transaction: Payload,
    present: Payload,
    status: Payload,
    units: tuple[StorageUnit, ...],
    currency: str,
) -> TransactionState:
    """Common.GetTransactionState + CashDispenser.GetPresentStatus + Common.Status together."""
    token = str(present.get("token") or "")
    retracted: bool | None = None
    if token:
        try:
            retracted = parse_token(token).get("RETRACTED1") == "YES"
        except TokenFormatError as exc:
            raise ProtocolError(f"present status token: {exc}") from exc
    try:
        state = PresentState(present.get("presentState", "unknown"))
    except ValueError as exc:
        raise ProtocolError("presentState is not a standard value") from exc
    cdm = _dict(status, "cashDispenser")
    positions = cdm.get("positions") if isinstance(cdm.get("positions"), list) else []
    at_position = any(
        isinstance(p, dict) and p.get("positionStatus") == "notEmpty" for p in positions
    )
    return TransactionState(
        transaction_active=transaction.get("state") == "active",
        transaction_id=str(transaction.get("transactionID") or ""),
        present_state=state,
        dispensed=denomination(_dict(present, "denomination"), units, currency),
        retracted=retracted,
        items_at_position=at_position,
        items_on_stacker=cdm.get("intermediateStacker", "empty") != "empty",
        token=token,
    )


def dispenser_status(payload: Payload) -> DispenserStatus:
    found = device_state(payload)
    if found is None:
        raise ProtocolError("Common.Status has no common.device")
    cdm, cash = _dict(payload, "cashDispenser"), _dict(payload, "cashManagement")
    positions = cdm.get("positions") if isinstance(cdm.get("positions"), list) else []
    position = next((x for x in positions if isinstance(x, dict)), {})
    return DispenserStatus(
        state=found[0],
        detail=found[1],
        dispenser=str(cash.get("dispenser") or "unknown"),
        shutter=str(position.get("shutter") or "unknown"),
        position=str(position.get("positionStatus") or "unknown"),
        stacker=str(cdm.get("intermediateStacker") or "unknown"),
    )


def unsolicited_event(device_id: str, name: str, payload: Payload) -> object | None:
    """The contract's event for an unsolicited event (but status changes), None for others."""
    position = str(payload.get("position") or POSITION)
    if name == "CashManagement.ItemsTakenEvent":
        return ItemsTaken(device_id, position)
    if name == "CashManagement.ItemsPresentedEvent":
        return ItemsPresented(device_id, position)
    if name == "Common.ErrorEvent":
        return DeviceErrorReported(
            device_id,
            str(payload.get("eventId") or "hardware"),
            str(payload.get("action") or ""),
            str(payload.get("vendorDescription") or ""),
        )
    if name == "CashManagement.ShutterStatusChangedEvent":
        return ShutterChanged(device_id, position, str(payload.get("shutter") or "unknown"))
    return None
