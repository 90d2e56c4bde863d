"""The emulated cash dispenser service: Common, Storage, CashDispenser and CashManagement.

It pays out only against a dispense token sealed with the token key over the nonce it issued
(`Common.GetCommandNonce`), never more than the token's DISPENSE1 in total, and it forgets the
nonce once cash is presented, so a token cannot be replayed. Faults a technician meets are
switches on the model: a jammed cassette, a partial dispense, a shutter that will not open, and
a service that disappears in the middle of a dispense (notes already on the stacker).
All state lives on the emulator's loop thread; the emulator schedules outside actions there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from drivers.xfs4iot.emulator_cash import (
    Cassette,
    check_counts,
    default_cassettes,
    denominate,
    denomination_payload,
    storage_payload,
    total_minor,
)
from drivers.xfs4iot.emulator_dispenser_info import capabilities_payload, status_payload
from drivers.xfs4iot.emulator_service import CommandContext, CommandFailed, Endpoint, Handler
from drivers.xfs4iot.emulator_tokens import check_token, present_token
from drivers.xfs4iot.errors import CompletionCode
from drivers.xfs4iot.messages import Payload
from drivers.xfs4iot.token import minor_digits

POSITION = "outDefault"


@dataclass
class DispenserFaults:
    jam_unit: str | None = None  # the next dispense from this unit jams half way
    partial_next: int | None = None  # the next dispense stops after this many notes
    shutter_jammed: bool = False  # the next present finds the shutter jammed closed
    vanish_on_dispense: bool = False  # the service dies after the notes reach the stacker


@dataclass
class DispenserModel:
    token_key: bytes | None
    units: list[Cassette] = field(default_factory=default_cassettes)
    faults: DispenserFaults = field(default_factory=DispenserFaults)
    endpoint: Endpoint | None = None
    device: str = "online"
    shutter: str = "closed"
    stacker: dict[str, int] = field(default_factory=dict)  # dispensed, not yet presented
    at_position: dict[str, int] = field(default_factory=dict)  # presented, not yet taken
    last_dispense: dict[str, int] = field(default_factory=dict)  # since the last nonce
    present_state: str = "notPresented"
    retracted: bool = False
    nonce: str | None = None
    spent_minor: int = 0  # stacked against the current nonce (a token's value is a total)
    transaction: tuple[str, str] = ("inactive", "")

    def handlers(self) -> dict[str, Handler]:
        return {
            "Common.Status": self.status,
            "Common.Capabilities": self.capabilities,
            "Common.GetCommandNonce": self.get_nonce,
            "Common.ClearCommandNonce": self.clear_nonce,
            "Common.GetTransactionState": self.get_transaction,
            "Common.SetTransactionState": self.set_transaction,
            "Storage.GetStorage": self.get_storage,
            "CashDispenser.Denominate": self.denominate,
            "CashDispenser.Dispense": self.dispense,
            "CashDispenser.Present": self.present,
            "CashDispenser.Reject": self.reject,
            "CashDispenser.GetPresentStatus": self.present_status,
            "CashManagement.Retract": self.retract,
            "CashManagement.Reset": self.reset,
            "CashManagement.OpenShutter": self.open_shutter,
            "CashManagement.CloseShutter": self.close_shutter,
        }

    async def _notify(self, name: str, payload: Payload) -> None:
        if self.endpoint is not None:
            await self.endpoint.broadcast(name, payload)

    async def _set_device(self, device: str) -> None:
        if device != self.device:
            self.device = device
            await self._notify("Common.StatusChangedEvent", {"common": {"device": device}})

    async def _set_shutter(self, shutter: str) -> None:
        if shutter != self.shutter:
            self.shutter = shutter
            changed = {"position": POSITION, "shutter": shutter}
            await self._notify("CashManagement.ShutterStatusChangedEvent", changed)

    # --- Common ---

    async def status(self, ctx: CommandContext, payload: Payload) -> Payload:
        return status_payload(
            self.device, self.shutter, self.units, bool(self.at_position), bool(self.stacker)
        )

    async def capabilities(self, ctx: CommandContext, payload: Payload) -> Payload:
        return capabilities_payload(list(self.handlers()))

    async def get_nonce(self, ctx: CommandContext, payload: Payload) -> Payload:
        self.nonce, self.spent_minor, self.last_dispense = secrets.token_hex(16).upper(), 0, {}
        self.present_state, self.retracted = "notPresented", False
        return {"commandNonce": self.nonce, "nonceTimeout": 3600}

    async def clear_nonce(self, ctx: CommandContext, payload: Payload) -> None:
        self.nonce = None

    async def get_transaction(self, ctx: CommandContext, payload: Payload) -> Payload:
        return {"state": self.transaction[0], "transactionID": self.transaction[1]}

    async def set_transaction(self, ctx: CommandContext, payload: Payload) -> None:
        state = payload.get("state")
        if state not in ("active", "inactive"):
            raise CommandFailed(CompletionCode.INVALID_DATA, "state is active or inactive")
        self.transaction = (state, str(payload.get("transactionID") or ""))

    # --- Storage and CashDispenser ---

    async def get_storage(self, ctx: CommandContext, payload: Payload) -> Payload:
        return {"storage": storage_payload(self.units)}

    def _mix(self, request: object) -> dict[str, int]:
        """The `denomination` request: {denomination: {currencies, values}, mix}."""
        if not isinstance(request, dict) or not isinstance(request.get("denomination"), dict):
            raise CommandFailed(CompletionCode.INVALID_DATA, "denomination missing")
        wanted = request["denomination"]
        values, currencies = wanted.get("values"), wanted.get("currencies") or {}
        if values:
            if not isinstance(values, dict):
                raise CommandFailed(CompletionCode.INVALID_DATA, "values must be an object")
            check_counts(self.units, values)
            return dict(values)
        if not isinstance(currencies, dict) or len(currencies) != 1:
            raise CommandFailed(CompletionCode.INVALID_DATA, "one currency amount expected")
        ((currency, amount),) = currencies.items()
        if not isinstance(amount, int | float) or isinstance(amount, bool):
            raise CommandFailed(CompletionCode.INVALID_DATA, "amount must be a number")
        minor = int(Decimal(str(amount)).scaleb(minor_digits(currency)))
        return denominate(self.units, minor, currency)

    async def denominate(self, ctx: CommandContext, payload: Payload) -> Payload:
        return denomination_payload(self.units, self._mix(payload.get("denomination")))

    async def dispense(self, ctx: CommandContext, payload: Payload) -> Payload:
        if self.at_position:
            raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="itemsLeft")
        if self.device != "online":
            raise CommandFailed(CompletionCode.DEVICE_NOT_READY, f"device {self.device}")
        counts = self._mix(payload.get("denomination"))
        amount = total_minor(self.units, counts)
        currency = self.units[0].currency
        check_token(
            self.token_key, payload.get("token"), self.nonce, self.spent_minor + amount, currency
        )
        moved = self._move_out(counts)
        self.spent_minor += total_minor(self.units, moved)  # the token pays for what moved
        if moved != {k: v for k, v in counts.items() if v}:
            await ctx.event("CashDispenser.IncompleteDispenseEvent", self._out(moved))
            await self._set_device("hardwareError")
            error = {"eventId": "hardware", "action": "reset", "vendorDescription": "note jam"}
            await self._notify("Common.ErrorEvent", error)
            raise CommandFailed(
                CompletionCode.HARDWARE_ERROR,
                "dispense stopped: notes jammed in the transport",
                error_code="cashUnitError",
                payload={"denomination": self._out(moved)},
            )
        if self.faults.vanish_on_dispense and self.endpoint is not None:
            self.faults.vanish_on_dispense = False
            await self.endpoint.vanish()
        return {"denomination": self._out(moved), "bunches": "1"}

    def _out(self, counts: dict[str, int]) -> Payload:
        return denomination_payload(self.units, counts)

    def _move_out(self, counts: dict[str, int]) -> dict[str, int]:
        """Picks the notes onto the stacker, obeying the jam and partial faults."""
        budget, self.faults.partial_next = self.faults.partial_next, None
        moved: dict[str, int] = {}
        total = 0
        for unit in self.units:
            want = counts.get(unit.name, 0)
            if unit.name == self.faults.jam_unit and want:
                self.faults.jam_unit, unit.status = None, "inoperative"
                want //= 2
                budget = total + want  # nothing gets past the jam
            if budget is not None:
                want = min(want, max(0, budget - total))
            if want:
                unit.count -= want
                moved[unit.name] = want
                self.stacker[unit.name] = self.stacker.get(unit.name, 0) + want
                self.last_dispense[unit.name] = self.last_dispense.get(unit.name, 0) + want
            total += want
        return moved

    async def present(self, ctx: CommandContext, payload: Payload) -> Payload:
        if not self.stacker:
            raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="noItems")
        if self.faults.shutter_jammed:
            self.faults.shutter_jammed = False
            await self._set_shutter("jammedClosed")
            await self._set_device("hardwareError")
            raise CommandFailed(
                CompletionCode.HARDWARE_ERROR, "shutter jammed", error_code="shutterNotOpen"
            )
        await self._set_shutter("open")
        self.at_position, self.stacker = self.stacker, {}
        self.present_state, self.nonce = "presented", None
        await self._notify("Common.NonceClearedEvent", {"reasonDescription": "cash presented"})
        presented = {"position": POSITION, "additionalBunches": "none"}
        await self._notify("CashManagement.ItemsPresentedEvent", presented)
        return {"position": POSITION, "additionalBunches": "none", "bunchesRemaining": 0}

    async def take_items(self) -> None:
        """The customer takes the notes at the output position (a sensor, not a command)."""
        if not self.at_position:
            return
        for unit in self.units:
            unit.presented += self.at_position.get(unit.name, 0)
        self.at_position = {}
        await self._notify("CashManagement.ItemsTakenEvent", {"position": POSITION})
        await self._set_shutter("closed")

    def _bin(self, kind: str) -> Cassette:
        return next(u for u in self.units if u.kind == kind)

    async def reject(self, ctx: CommandContext, payload: Payload) -> None:
        if not self.stacker:
            raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="noItems")
        self._into(self._bin("reject"), self.stacker, rejected=True)
        self.stacker = {}

    def _into(self, target: Cassette, counts: dict[str, int], *, rejected: bool) -> Payload:
        for unit in self.units:
            if rejected:
                unit.rejected += counts.get(unit.name, 0)
        items = sum(counts.values())
        target.count += items
        return {target.name: {"retractOperations": 1, "retracted": {"unrecognized": items}}}

    async def present_status(self, ctx: CommandContext, payload: Payload) -> Payload:
        body: Payload = {
            "denomination": self._out(self.last_dispense),
            "presentState": self.present_state,
        }
        host_nonce = payload.get("nonce")
        if isinstance(host_nonce, str) and host_nonce and self.token_key is not None:
            dispensed = total_minor(self.units, self.last_dispense)
            presented = self.present_state == "presented"
            body["token"] = present_token(
                self.token_key,
                host_nonce,
                dispensed,
                self.units[0].currency,
                presented=presented,
                retracted=self.retracted,
            )
        return body

    # --- CashManagement ---

    async def retract(self, ctx: CommandContext, payload: Payload) -> Payload:
        location = payload.get("location") or {}
        area = location.get("retractArea", "retract") if isinstance(location, dict) else None
        if area not in ("retract", "reject"):
            raise CommandFailed(
                CompletionCode.COMMAND_ERROR_CODE, "", error_code="invalidRetractPosition"
            )
        source = self.at_position or self.stacker
        if not source:
            raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="noItems")
        storage = self._into(self._bin(area), source, rejected=area == "reject")
        if source is self.at_position:
            self.retracted, self.at_position = True, {}
            await self._set_shutter("closed")
        else:
            self.stacker = {}
        return {"storage": storage}

    async def reset(self, ctx: CommandContext, payload: Payload) -> Payload:
        storage: Payload = {}
        if self.stacker:
            storage.update(self._into(self._bin("reject"), self.stacker, rejected=True))
            self.stacker = {}
        if self.at_position:
            storage.update(self._into(self._bin("retract"), self.at_position, rejected=False))
            self.retracted, self.at_position = True, {}
        for unit in self.units:
            unit.status = "ok" if unit.status == "inoperative" else unit.status
        await self._set_shutter("closed")
        await self._set_device("online")
        return {"storage": storage}

    async def open_shutter(self, ctx: CommandContext, payload: Payload) -> None:
        await self._shutter_command("open")

    async def close_shutter(self, ctx: CommandContext, payload: Payload) -> None:
        await self._shutter_command("closed")

    async def _shutter_command(self, wanted: str) -> None:
        if self.shutter.startswith("jammed"):
            raise CommandFailed(CompletionCode.HARDWARE_ERROR, f"shutter {self.shutter}")
        await self._set_shutter(wanted)
