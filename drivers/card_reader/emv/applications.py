"""Building the candidate list: PSE directory first, then the terminal's AID list (Book 1 12.3)."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.card_reader.apdu import RawTransmit, Response, command, exchange
from drivers.card_reader.emv import tlv
from drivers.card_reader.emv.aids import TerminalAid, match
from drivers.card_reader.errors import MalformedTlv

PSE = b"1PAY.SYS.DDF01"
SW_OK, SW_BLOCKED, SW_NOT_FOUND, SW_NO_RECORD = 0x9000, 0x6283, 0x6A82, 0x6A83
SW_FUNC_NOT_SUPPORTED = 0x6A81  # card blocked or command not supported
MAX_DIR_RECORDS = 16


@dataclass(frozen=True)
class Application:
    aid: bytes
    label: str
    priority: int  # 1 = highest, 15 = lowest, 0 = none given (sorted last)
    scheme: str
    confirmation_required: bool = False

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.priority == 0, self.priority)


def select(transmit: RawTransmit, name: bytes, *, next_occurrence: bool = False) -> Response:
    return exchange(transmit, command(0x00, 0xA4, 0x04, 0x02 if next_occurrence else 0x00, name))


def read_record(transmit: RawTransmit, sfi: int, record: int) -> Response:
    return exchange(transmit, command(0x00, 0xB2, record, (sfi << 3) | 4, le=0))


def _label(entry: tlv.Tlv | tuple[tlv.Tlv, ...], fallback: str) -> str:
    items = entry.children if isinstance(entry, tlv.Tlv) else entry
    found = tlv.find(items, 0x50)
    if found is None:
        return fallback
    return found.value.decode("ascii", "replace").strip() or fallback


def _priority(items: tuple[tlv.Tlv, ...]) -> tuple[int, bool]:
    found = tlv.find(items, 0x87)
    if found is None or not found.value:
        return 0, False
    return found.value[0] & 0x0F, bool(found.value[0] & 0x80)


def from_pse(transmit: RawTransmit, candidates: tuple[TerminalAid, ...]) -> list[Application]:
    """Applications listed in the PSE directory that the terminal supports ([] if no PSE)."""
    response = select(transmit, PSE)
    if response.sw != SW_OK:
        return []
    fci = tlv.parse(response.data)
    sfi_obj = tlv.find(fci, 0x88)
    if sfi_obj is None or len(sfi_obj.value) != 1 or not 1 <= sfi_obj.value[0] <= 30:
        raise MalformedTlv("PSE FCI has no valid directory SFI (88)")
    found: list[Application] = []
    for number in range(1, MAX_DIR_RECORDS + 1):
        record = read_record(transmit, sfi_obj.value[0], number)
        if record.sw == SW_NO_RECORD:
            break
        if record.sw != SW_OK:
            return found
        template = tlv.parse(record.data)
        if not template or template[0].tag != 0x70:
            raise MalformedTlv("PSE directory record is not template 70")
        for entry in template[0].children:
            if entry.tag != 0x61:
                continue
            aid_obj = entry.find(0x4F)
            if aid_obj is None:
                raise MalformedTlv("directory entry without ADF name (4F)")
            terminal = match(aid_obj.value, candidates)
            if terminal is None:
                continue
            priority, confirm = _priority(entry.children)
            label = _label(entry, terminal.label)
            found.append(Application(aid_obj.value, label, priority, terminal.scheme, confirm))
    return found


def from_aid_list(
    transmit: RawTransmit, candidates: tuple[TerminalAid, ...]
) -> tuple[list[Application], list[bytes]]:
    """SELECT each terminal AID (with 'next occurrence' for partial matches).

    Returns the usable applications and the AIDs the card reported blocked (SW 6283).
    """
    found: list[Application] = []
    blocked: list[bytes] = []
    for terminal in candidates:
        response = select(transmit, terminal.aid)
        for _ in range(8):  # a card may hold several AIDs under one partial name
            if response.sw == SW_BLOCKED:
                blocked.append(terminal.aid)
            if response.sw not in (SW_OK, SW_BLOCKED) or not response.data:
                break
            fci = tlv.parse(response.data)
            name = tlv.find(fci, 0x84)
            aid = name.value if name is not None else terminal.aid
            if response.sw == SW_OK and match(aid, (terminal,)):
                priority, confirm = _priority(fci)
                label = _label(fci, terminal.label)
                found.append(Application(aid, label, priority, terminal.scheme, confirm))
            if aid == terminal.aid:
                break  # exact match: no further occurrences to ask for
            response = select(transmit, terminal.aid, next_occurrence=True)
    return found, blocked
