"""The emulated dispenser's storage: cassettes, reject and retract bins, the mix, the payloads.

Pure data and arithmetic (no I/O), so the rules a real dispenser keeps — never pay from a unit
that is not a dispensing unit, never more items than it can, counts that add up after every
move — are easy to read and to test. Names follow `Storage.GetStorage`: storage units are
`unit1`, `unit2`... with a physical `id`, and cash item types are named like `type100CNY1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from drivers.xfs4iot.emulator_service import CommandFailed
from drivers.xfs4iot.errors import CompletionCode
from drivers.xfs4iot.messages import Payload
from drivers.xfs4iot.token import minor_digits

MAX_DISPENSE_ITEMS = 40


@dataclass
class Cassette:
    name: str  # the storage object name: unit1, unit2, ...
    unit_id: str  # the physical id: CST1 ...
    currency: str
    value_minor: int
    count: int
    kind: str = "cashOut"  # cashOut | reject | retract
    capacity: int = 2000
    low: int = 20
    status: str = "ok"  # ok | inoperative | missing
    presented: int = 0  # items of this unit the customer took
    rejected: int = 0  # items of this unit moved to the reject bin

    @property
    def item_type(self) -> str:
        major = Decimal(self.value_minor).scaleb(-minor_digits(self.currency)).normalize()
        return f"type{major:f}{self.currency}1".replace(".", "")

    @property
    def replenishment(self) -> str:
        if self.kind != "cashOut":
            return "full" if self.count >= self.capacity else "ok"
        if self.count == 0:
            return "empty"
        return "low" if self.count <= self.low else "ok"


def default_cassettes(currency: str = "CNY") -> list[Cassette]:
    """Four note cassettes (100, 50, 20, 10 yuan) plus a reject bin and a retract bin."""
    return cassettes_from_spec("100x500,50x500,20x500,10x500", currency)


def cassettes_from_spec(spec: str, currency: str = "CNY") -> list[Cassette]:
    """`100x500,50x20` (major value x notes per cassette) plus the reject and retract bins."""
    units: list[Cassette] = []
    for n, part in enumerate(spec.split(","), start=1):
        value, sep, count = part.strip().partition("x")
        if not sep or not value.isdigit() or not count.isdigit() or int(value) == 0:
            raise ValueError(f"cassette {part!r} is not <value>x<count>")
        minor = int(value) * 10 ** minor_digits(currency)
        units.append(Cassette(f"unit{n}", f"CST{n}", currency, minor, int(count)))
    n = len(units)
    units.append(Cassette(f"unit{n + 1}", "REJ1", currency, 0, 0, kind="reject", capacity=300))
    units.append(Cassette(f"unit{n + 2}", "RET1", currency, 0, 0, kind="retract", capacity=100))
    return units


def _not_dispensable(detail: str) -> CommandFailed:
    return CommandFailed(CompletionCode.COMMAND_ERROR_CODE, detail, error_code="notDispensable")


def denominate(
    units: list[Cassette], amount_minor: int, currency: str, max_items: int = MAX_DISPENSE_ITEMS
) -> dict[str, int]:
    """The fewest notes that make the amount from working cassettes (largest notes first)."""
    usable = sorted(
        (u for u in units if u.kind == "cashOut" and u.status == "ok" and u.currency == currency),
        key=lambda u: -u.value_minor,
    )
    if not any(u.currency == currency for u in units if u.kind == "cashOut"):
        raise CommandFailed(
            CompletionCode.COMMAND_ERROR_CODE, f"no {currency} units", error_code="invalidCurrency"
        )
    if amount_minor <= 0:
        raise _not_dispensable("amount must be positive")
    failed: set[tuple[int, int, int]] = set()

    def search(i: int, remaining: int, items_left: int) -> dict[str, int] | None:
        if remaining == 0:
            return {}
        if i == len(usable) or items_left == 0 or (i, remaining, items_left) in failed:
            return None
        unit = usable[i]
        for take in range(min(unit.count, remaining // unit.value_minor, items_left), -1, -1):
            rest = search(i + 1, remaining - take * unit.value_minor, items_left - take)
            if rest is not None:
                return {unit.name: take, **rest} if take else rest
        failed.add((i, remaining, items_left))
        return None

    found = search(0, amount_minor, max_items)
    if found is None:
        if search(0, amount_minor, 10_000) is not None:
            raise CommandFailed(
                CompletionCode.COMMAND_ERROR_CODE, "too many notes", error_code="tooManyItems"
            )
        raise _not_dispensable(f"{amount_minor} {currency} cannot be made from the cassettes")
    return found


def check_counts(units: list[Cassette], counts: dict[str, int]) -> None:
    """An application mix must name working dispensing units that hold the items."""
    by_name = {u.name: u for u in units}
    for name, count in counts.items():
        unit = by_name.get(name)
        if unit is None or unit.kind != "cashOut" or not isinstance(count, int) or count < 0:
            raise _not_dispensable(f"{name} is not a dispensing unit")
        if count > unit.count or unit.status != "ok":
            raise _not_dispensable(f"{name} cannot pay {count} items")
    if sum(counts.values()) > MAX_DISPENSE_ITEMS:
        raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="tooManyItems")


def total_minor(units: list[Cassette], counts: dict[str, int]) -> int:
    by_name = {u.name: u for u in units}
    return sum(by_name[name].value_minor * n for name, n in counts.items())


def denomination_payload(units: list[Cassette], counts: dict[str, int]) -> Payload:
    """`currencies` (major units, one entry per currency) and `values` (items per unit)."""
    by_name = {u.name: u for u in units}
    minor: dict[str, int] = {}
    for name, n in counts.items():
        unit = by_name[name]
        minor[unit.currency] = minor.get(unit.currency, 0) + unit.value_minor * n
    currencies = {c: float(Decimal(v).scaleb(-minor_digits(c))) for c, v in minor.items()}
    return {"currencies": currencies, "values": {k: v for k, v in counts.items() if v}}


def storage_payload(units: list[Cassette]) -> Payload:
    """The `storage` map of Storage.GetStorage for every unit."""
    storage: Payload = {}
    for index, unit in enumerate(units, start=1):
        types = {"cashOut": unit.kind == "cashOut", "reject": unit.kind == "reject"}
        types["retract"] = unit.kind == "retract"
        cash_status: Payload = {
            "index": index,
            "count": unit.count,
            "out": {
                "presented": {"cash": {unit.item_type: {"fit": unit.presented}}},
                "rejected": {"cash": {unit.item_type: {"fit": unit.rejected}}},
            },
            "accuracy": "accurate",
            "replenishmentStatus": unit.replenishment,
        }
        configuration: Payload = {"types": types, "currency": unit.currency, "lowThreshold": 0}
        if unit.kind == "cashOut":
            configuration["value"] = float(
                Decimal(unit.value_minor).scaleb(-minor_digits(unit.currency))
            )
            configuration["lowThreshold"] = unit.low
        storage[unit.name] = {
            "id": unit.unit_id,
            "positionName": f"slot {index}",
            "capacity": unit.capacity,
            "status": unit.status,
            "serialNumber": f"EMU-{unit.unit_id}",
            "cash": {
                "capabilities": {"types": types},
                "configuration": configuration,
                "status": cash_status,
            },
        }
    return storage
