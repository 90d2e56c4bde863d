"""Card profiles as data files (profiles/*.json), so testers add cards without code.

A profile lists applications with their records as tag -> value ("hex" or "ascii:TEXT"), or a
record's raw bytes ("raw") for deliberately malformed cards, plus behaviour knobs: T=0 style
61xx answers, 6Cxx for a wrong Le, a per-APDU delay, removal after N commands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from drivers.card_reader.emv import tlv
from kiosk.errors import ConfigError


@dataclass(frozen=True)
class Record:
    sfi: int
    number: int
    body: bytes  # the full record as the card sends it (normally a 70 template)


@dataclass(frozen=True)
class AppProfile:
    aid: bytes
    label: str
    priority: int = 0
    pdol: bytes = b""
    blocked: bool = False
    records: tuple[Record, ...] = ()

    def afl(self) -> bytes:
        out = bytearray()
        by_sfi: dict[int, list[int]] = {}
        for record in self.records:
            by_sfi.setdefault(record.sfi, []).append(record.number)
        for sfi, numbers in sorted(by_sfi.items()):
            out += bytes([sfi << 3, min(numbers), max(numbers), 0])
        return bytes(out)


@dataclass(frozen=True)
class CardProfile:
    name: str
    description: str
    atr: bytes
    pse: bool
    applications: tuple[AppProfile, ...]
    t0_get_response: bool = False
    wrong_le: bool = False
    delay_ms: int = 0
    remove_after: int | None = None  # APDUs after power-on, then the card leaves the reader
    extra: dict[str, Any] = field(default_factory=dict)


def _value(text: str) -> bytes:
    if text.startswith("ascii:"):
        return text[6:].encode("ascii")
    return bytes.fromhex(text)


def _record(raw: dict[str, Any]) -> Record:
    if "raw" in raw:
        body = bytes.fromhex(raw["raw"])
    else:
        inner = b"".join(tlv.encode(int(tag, 16), _value(v)) for tag, v in raw["tags"].items())
        body = tlv.encode(0x70, inner)
    return Record(int(raw.get("sfi", 1)), int(raw["record"]), body)


def parse_profile(data: dict[str, Any]) -> CardProfile:
    try:
        apps = tuple(
            AppProfile(
                aid=bytes.fromhex(app["aid"]),
                label=app.get("label", ""),
                priority=int(app.get("priority", 0)),
                pdol=bytes.fromhex(app.get("pdol", "")),
                blocked=bool(app.get("blocked", False)),
                records=tuple(_record(r) for r in app.get("records", [])),
            )
            for app in data["applications"]
        )
        behaviour = data.get("behaviour", {})
        return CardProfile(
            name=data["name"],
            description=data.get("description", ""),
            atr=bytes.fromhex(data.get("atr", "3B6800000073C84013009000")),
            pse=bool(data.get("pse", True)),
            applications=apps,
            t0_get_response=bool(behaviour.get("t0_get_response", False)),
            wrong_le=bool(behaviour.get("wrong_le", False)),
            delay_ms=int(behaviour.get("delay_ms", 0)),
            remove_after=behaviour.get("remove_after"),
            extra=dict(data.get("extra", {})),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError("card profile", f"a valid profile ({exc})") from exc


def profile_names() -> tuple[str, ...]:
    folder = resources.files("drivers.card_reader.virtual_card").joinpath("profiles")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


def load_profile(name: str) -> CardProfile:
    if name not in profile_names():
        raise ConfigError("--profile", f"one of {', '.join(profile_names())}", name)
    folder = resources.files("drivers.card_reader.virtual_card").joinpath("profiles")
    return parse_profile(json.loads(folder.joinpath(f"{name}.json").read_text("utf-8")))
