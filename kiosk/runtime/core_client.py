"""The kiosk's online look-ups at the core (CORE_API.md "need the core now").

Failures surface as `CoreError` (with `transient` telling the screen whether "try again later"
makes sense) or `CoreReplyError` when the core answered something off-contract; callers never
see a KeyError or a requests exception.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.errors import CoreError
from kiosk.money.billing import Bill, Biller, CoreReplyError
from offline_queue.http import CoreHttp

log = logging.getLogger(__name__)

# CoreHttp codes that mean "the core answered, off-contract": never reported as unreachable.
_ANSWERED_BADLY = frozenset({"CORE_REPLY_INVALID", "CORE_REPLY_TOO_LARGE"})


class CoreClient:
    def __init__(self, http: CoreHttp) -> None:
        self._http = http

    def health(self) -> bool:
        """True when the core answers its health check with status ok; never raises."""
        try:
            reply = self._http.get_json("/v1/health")
        except CoreError:
            return False
        return isinstance(reply, dict) and reply.get("status") == "ok"

    def billers(self) -> list[Biller]:
        """The billers the core offers, leaving out (and logging for a technician) any the
        kiosk cannot parse, so one bad biller never hides the others (CORE_API.md); a list
        with nothing usable in it is a CoreReplyError - the core answered, it is not away."""
        try:
            reply = self._get("/v1/billers")
        except CoreError as exc:
            if exc.code == "CORE_REPLY_INVALID":
                raise CoreReplyError(f"core answered with an invalid biller list: {exc}") from exc
            raise
        billers: list[Biller] = []
        invalid: list[str] = []
        for item in _list(reply, "billers"):
            try:
                billers.append(Biller.from_wire(item))
            except CoreReplyError as exc:
                code = item.get("code") if isinstance(item, dict) else None
                invalid.append(f"{code if isinstance(code, str) else '?'}: {exc}")
        if invalid:
            log.warning(
                "technician alert: core answered with an invalid biller (%d left out): %s",
                len(invalid),
                "; ".join(invalid)[:500],
            )
            if not billers:
                raise CoreReplyError("core answered with an invalid biller list")
        return billers

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET through CoreHttp; a reply too large is an invalid reply (issue 19 #14): the core
        answered, so it stays CORE_REPLY_INVALID (transient: a bill cache may still serve)
        and is never reported as an unreachable core."""
        try:
            return self._http.get_json(path, params)
        except CoreError as exc:
            if exc.code in _ANSWERED_BADLY and exc.code != "CORE_REPLY_INVALID":
                raise CoreError(
                    str(exc.args[0]), code="CORE_REPLY_INVALID", transient=True, status=exc.status
                ) from exc
            raise

    def bills(self, biller: str, account: str) -> list[Bill]:
        """Open bills of the account; CoreError UNKNOWN_BILLER / UNKNOWN_ACCOUNT when the core
        does not know them (permanent: the customer should check the number)."""
        reply = self._get("/v1/bills", {"biller": biller, "account": account})
        bills = [Bill.from_wire(item) for item in _list(reply, "bills")]
        if any(b.biller != biller or b.account != account for b in bills):
            raise CoreReplyError("bills for another account in the reply")
        return bills


def _list(reply: Any, key: str) -> list[Any]:
    items = reply.get(key) if isinstance(reply, dict) else None
    if not isinstance(items, list):
        raise CoreReplyError(f"reply has no {key!r} list")
    return items
