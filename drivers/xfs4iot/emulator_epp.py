"""The emulated encrypting PIN pad: Keyboard.PinEntry, PinPad.GetPinBlock (ISO 9564 format 4).

The PIN digits live only here, in the device: during `Keyboard.PinEntry` each digit key sends a
`Keyboard.KeyEvent` that names no digit (the spec omits it in PIN mode), Clear wipes the buffer,
Cancel ends the entry, Enter ends it once `minLen` digits are in. `PinPad.GetPinBlock` turns the
buffer into a format 4 block under the AES PIN key, returns it base64-encoded and wipes the
buffer. Keys arrive through `press()` — the emulator's stand-in for the pad's own keyboard.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from dataclasses import dataclass, field

from drivers.pinpad.pinblock import PinBlockError, format4_encrypt
from drivers.xfs4iot.emulator_service import CommandContext, CommandFailed, Handler
from drivers.xfs4iot.errors import CompletionCode
from drivers.xfs4iot.messages import Payload

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
FUNCTION_KEYS = ("enter", "cancel", "clear", "backspace")
PIN_KEY_NAME = "PINKEY"


@dataclass
class EppModel:
    pin_key: bytes
    key_name: str = PIN_KEY_NAME
    _buffer: bytearray = field(default_factory=bytearray)
    _keys: asyncio.Queue[str] | None = None
    # set while Keyboard.PinEntry runs; `started` is released once per entry that starts, so a
    # test (or the demo panel) can wait for *this* entry, not a previous one still ending
    entering: threading.Event = field(default_factory=threading.Event)
    started: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))

    def __repr__(self) -> str:
        return f"EppModel(digits={len(self._buffer)})"

    def handlers(self) -> dict[str, Handler]:
        return {
            "Common.Status": self.status,
            "Common.Capabilities": self.capabilities,
            "Keyboard.PinEntry": self.pin_entry,
            "PinPad.GetPinBlock": self.get_pin_block,
        }

    def press(self, key: str) -> bool:
        """A key on the pad (loop thread); False when no entry is running and it was dropped."""
        if not self.entering.is_set() or self._keys is None:
            return False
        self._keys.put_nowait(key)
        return True

    def _wipe(self) -> None:
        for i in range(len(self._buffer)):
            self._buffer[i] = 0
        self._buffer.clear()

    async def status(self, ctx: CommandContext, payload: Payload) -> Payload:
        return {
            "common": {"device": "online", "devicePosition": "inPosition"},
            "keyboard": {"autoBeepMode": {"activeAvailable": False, "inactiveAvailable": False}},
            "keyManagement": {"encryptionState": "ready", "certificateState": "unknown"},
        }

    async def capabilities(self, ctx: CommandContext, payload: Payload) -> Payload:
        commands = {name: {"versions": ["2.0"]} for name in self.handlers()}
        names = sorted({name.split(".")[0] for name in commands})
        return {
            "interfaces": [
                {"name": n, "commands": {c: v for c, v in commands.items() if c.startswith(n)}}
                for n in names
            ],
            "common": {"serviceVersion": "1.0"},
            "keyboard": {"autoBeep": {"activeAvailable": False}, "etsCaps": []},
            "pinPad": {"pinFormats": {"iso4": True}, "presentationAlgorithms": {}},
            "keyManagement": {"keyNum": 1},
        }

    async def pin_entry(self, ctx: CommandContext, payload: Payload) -> Payload:
        low, high = payload.get("minLen", 4), payload.get("maxLen", 12)
        if not isinstance(low, int) or not isinstance(high, int) or not 0 <= low <= high <= 12:
            raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="minimumLength")
        active = payload.get("activeKeys")
        if not isinstance(active, dict) or not active:
            raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="noActiveKeys")
        terminate = {k for k, v in active.items() if isinstance(v, dict) and v.get("terminate")}
        if not terminate:
            raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="noTerminateKeys")
        auto_end = bool(payload.get("autoEnd"))
        self._wipe()
        self._keys = asyncio.Queue()
        self.entering.set()
        self.started.release()
        try:
            while True:
                key = await self._keys.get()
                if key not in active:
                    continue  # an inactive key only beeps
                outcome = await self._key(ctx, key, low, high, key in terminate, auto_end)
                if outcome is not None:
                    return {"digits": len(self._buffer), "completion": outcome}
        except asyncio.CancelledError:
            self._wipe()
            raise
        finally:
            self.entering.clear()

    async def _key(
        self, ctx: CommandContext, key: str, low: int, high: int, terminates: bool, auto_end: bool
    ) -> str | None:
        """Applies one key; returns the entry's completion when the key ends it."""
        if key in DIGITS:
            if len(self._buffer) >= high:
                return None  # past maxLen the pad ignores digits
            self._buffer.append(ord("0") + DIGITS.index(key))
            await ctx.event("Keyboard.KeyEvent", {"completion": "continue"})
            if auto_end and len(self._buffer) == high:
                return "auto"
            return None
        if key in ("clear", "backspace"):
            self._wipe()
            await ctx.event("Keyboard.KeyEvent", {"completion": key, "digit": key})
            return None
        if key == "cancel":
            self._wipe()
            await ctx.event("Keyboard.KeyEvent", {"completion": "cancel", "digit": "cancel"})
            return "cancel" if terminates else None
        if key == "enter" and terminates and len(self._buffer) >= max(low, 1):
            await ctx.event("Keyboard.KeyEvent", {"completion": "enter", "digit": "enter"})
            return "enter"
        return None  # Enter before minLen digits: the pad beeps and waits

    async def get_pin_block(self, ctx: CommandContext, payload: Payload) -> Payload:
        try:
            if payload.get("key") != self.key_name:
                raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="keyNotFound")
            if payload.get("format") != "iso4":
                raise CommandFailed(
                    CompletionCode.COMMAND_ERROR_CODE, "", error_code="formatNotSupported"
                )
            if len(self._buffer) < 4:
                raise CommandFailed(CompletionCode.COMMAND_ERROR_CODE, "", error_code="noPin")
            pan = payload.get("customerData")
            if not isinstance(pan, str):
                raise CommandFailed(CompletionCode.INVALID_DATA, "customerData (the PAN) missing")
            try:
                block = format4_encrypt(self._buffer.decode("ascii"), pan, self.pin_key)
            except PinBlockError as exc:
                raise CommandFailed(CompletionCode.INVALID_DATA, exc.code) from exc
            return {"data": base64.b64encode(block).decode("ascii")}
        finally:
            self._wipe()
