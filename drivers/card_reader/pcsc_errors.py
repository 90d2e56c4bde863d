"""PC/SC return codes mapped to the reader's typed errors (one table, used everywhere)."""

from __future__ import annotations

from smartcard import scard

from drivers.card_reader.errors import CardError, CardRemoved, NoCard, ReaderUnavailable

# The daemon or the reader is gone: drop the context, report Offline, reconnect later.
SERVICE_GONE = frozenset(
    {
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_E_INVALID_HANDLE,
        scard.SCARD_E_READER_UNAVAILABLE,
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_NO_READERS_AVAILABLE,
        scard.SCARD_E_COMM_DATA_LOST,
        scard.SCARD_F_COMM_ERROR,
        scard.SCARD_F_INTERNAL_ERROR,
        scard.SCARD_E_UNEXPECTED,
    }
)
CARD_GONE = frozenset(
    {scard.SCARD_W_REMOVED_CARD, scard.SCARD_W_RESET_CARD, scard.SCARD_W_UNPOWERED_CARD}
)


def describe(hresult: int) -> str:
    return f"{scard.SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})"


def to_error(hresult: int, what: str) -> CardError:
    text = f"{what}: {describe(hresult)}"
    if hresult in SERVICE_GONE:
        return ReaderUnavailable(text)
    if hresult in CARD_GONE:
        return CardRemoved(text)
    if hresult == scard.SCARD_E_NO_SMARTCARD:
        return NoCard(text)
    return CardError(text)
