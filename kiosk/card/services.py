"""Adapters from the card journeys' ports to the real devices and the core.

PcscCardService runs EMV reads on the PC/SC reader's own I/O thread and publishes the outcome
as events; CardCoreService runs authorisations and statement fetches on one worker thread.
Neither ever sees a clear PIN: only the PIN block the pad produced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from typing import Any

from drivers.base import DeviceState
from drivers.card_reader.apdu import RawTransmit
from drivers.card_reader.emv.applications import Application
from drivers.card_reader.emv.read import read_card
from drivers.card_reader.errors import CardError, ReaderUnavailable
from drivers.card_reader.pcsc import PcscCardReader
from kiosk.clock import Clock
from kiosk.errors import CoreError
from kiosk.journeys.card_ports import (
    AuthorizeDone,
    AuthResult,
    CardAppsOffered,
    CardReadDone,
    CardReadFailed,
    CoreRequestFailed,
    StatementFetched,
)
from kiosk.money.billing import CoreReplyError
from kiosk.runtime.worker import Worker
from offline_queue.http import CoreHttp

log = logging.getLogger(__name__)
Publish = Callable[[object], None]
MAX_STATEMENT_PAGES = 20


class _ChoiceNeeded(Exception):
    def __init__(self, apps: tuple[Application, ...]) -> None:
        super().__init__("customer must choose")
        self.apps = apps


class PcscCardService:
    def __init__(self, reader: PcscCardReader, publish: Publish, clock: Clock) -> None:
        self._reader = reader
        self._publish = publish
        self._clock = clock

    def available(self) -> bool:
        return self._reader.health().state is DeviceState.ONLINE

    def eject(self) -> None:
        """A dip/latch reader has no motor: the card is released when the customer pulls it."""

    def retain(self) -> bool:
        return False  # no capture bin on a PC/SC dip reader; the handler journals it

    def request_read(self, request_id: str, aid: str | None = None) -> None:
        today = self._clock.now().date()

        def chooser(apps: tuple[Application, ...]) -> int:
            if aid is None:
                raise _ChoiceNeeded(apps)
            wanted = bytes.fromhex(aid)
            return next((i for i, a in enumerate(apps) if a.aid == wanted), 0)

        def job(transmit: RawTransmit, atr: str) -> Any:
            return read_card(transmit, today=today, chooser=chooser)

        self._reader.submit(job).add_done_callback(lambda f: self._done(request_id, f))

    def _done(self, request_id: str, future: Future[Any]) -> None:
        error = future.exception()
        if error is None:
            self._publish(CardReadDone(request_id, future.result()))
        elif isinstance(error, _ChoiceNeeded):
            aids = tuple(a.aid.hex().upper() for a in error.apps)
            self._publish(CardAppsOffered(request_id, aids, tuple(a.label for a in error.apps)))
        elif isinstance(error, CardError):
            log.info("card read failed: %s", error.code)
            self._publish(CardReadFailed(request_id, error.code))
        else:
            log.error("card read job failed: %r", error)
            self._publish(CardReadFailed(request_id, ReaderUnavailable.code))


class CardCoreHttp(CoreHttp):
    def get_json_with_card_session(self, path: str, params: dict[str, str], session: str) -> Any:
        """A call for a card holder: the kiosk's own token (in the session headers) AND the card
        session in X-Card-Session (CORE_API.md) - a session alone is never a credential."""
        return self._request("GET", path, params=params, headers={"X-Card-Session": session})


class CardCoreService:
    def __init__(self, http: CardCoreHttp, worker: Worker, publish: Publish) -> None:
        self._http = http
        self._worker = worker
        self._publish = publish

    def request_authorize(
        self, request_id: str, card: Any, pin_block: str, pin_format: str, purpose: str
    ) -> None:
        body = {
            "track2": card.track2.text(),
            "pan_sequence": card.pan_sequence,
            "pin_block": pin_block,
            "pin_format": pin_format,
            "purpose": purpose,
        }
        self._worker.submit(lambda: self._run(request_id, lambda: self._authorize(body)))

    def _authorize(self, body: dict[str, Any]) -> AuthResult:
        reply = self._http.post_json("/v1/cards/authorize", body)
        if not isinstance(reply, dict) or not isinstance(reply.get("approved"), bool):
            raise CoreReplyError("authorize reply has no 'approved'")
        return AuthResult(
            approved=reply["approved"],
            tries_left=reply.get("tries_left"),
            retain_card=bool(reply.get("retain_card")),
            auth_code=reply.get("auth_code") or "",
            session_token=reply.get("session_token") or "",
            balance=reply.get("balance"),
            reason=reply.get("reason") or "",
        )

    def request_statement(self, request_id: str, token: str, start: date, end: date) -> None:
        self._worker.submit(lambda: self._run(request_id, lambda: self._pages(token, start, end)))

    def _pages(self, token: str, start: date, end: date) -> tuple[tuple[dict[str, Any], ...], str]:
        entries: list[dict[str, Any]] = []
        cursor, currency = "0", "CNY"
        for _ in range(MAX_STATEMENT_PAGES):
            params = {"from": start.isoformat(), "to": end.isoformat(), "cursor": cursor}
            reply = self._http.get_json_with_card_session("/v1/accounts/statement", params, token)
            if not isinstance(reply, dict) or not isinstance(reply.get("entries"), list):
                raise CoreReplyError("statement reply has no 'entries'")
            entries += reply["entries"]
            currency = reply.get("currency", currency)
            cursor = reply.get("next_cursor")
            if not cursor:
                break
        return tuple(entries), currency

    def _run(self, request_id: str, call: Callable[[], Any]) -> None:
        try:
            result = call()
        except CoreError as exc:
            self._publish(CoreRequestFailed(request_id, exc.code, exc.transient))
            return
        except CoreReplyError as exc:
            self._publish(CoreRequestFailed(request_id, exc.code, False))
            return
        if isinstance(result, AuthResult):
            self._publish(AuthorizeDone(request_id, result))
        else:
            self._publish(StatementFetched(request_id, result[0], result[1]))
