"""The reference core's HTTP API (CORE_API.md v1) on the stdlib ThreadingHTTPServer.

Reply shapes the contract leaves open (documented in the project's OpenAPI too):
  GET  /v1/billers        -> {"billers": [biller...]}
  GET  /v1/bills          -> {"bills": [bill...]}  (an account with nothing open: [])
  POST /v1/transactions   -> {"results": [{txn_id, status, core_ref, error}...]}, at most
                             MAX_BATCH items; per-item codes: VALIDATION_FAILED, MONEY_INVALID,
                             KIOSK_MISMATCH, PAN_NOT_MASKED, UNKNOWN_BILL, BILL_MISMATCH,
                             IDEMPOTENCY_CONFLICT, HOLD_NOT_OWN, HOLD_MISMATCH,
                             ORIGINAL_NOT_OWN (a kiosk captures and reverses only its own),
                             AMOUNT_NOT_ALLOWED, PARTIAL_NOT_ALLOWED, PARTIAL_NOT_DECLARED,
                             PREPAYMENT_MISMATCH (the amount must fit the bill: validation.py)
  GET  /v1/reconciliation -> {kiosk_id, date, count, types: {type: {count, totals: [money]}}}
  POST /v1/telemetry      -> 202 {"status": "accepted"}
HTTP/1.0 (one request per connection) so stop() really makes the core unreachable.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
import threading
from collections.abc import Callable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core_system.cards import CardIssuer, CardRateLimited
from core_system.openapi import openapi_document
from core_system.store import Store, TxnResult
from core_system.validation import ValidationError, ValidTxn, validate_transaction
from kiosk.clock import Clock, SystemClock, rfc3339

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
MAX_BATCH = 100
_BILLER = re.compile(r"^[A-Z0-9_]{1,16}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,32}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_RECEIPT_REF = re.compile(r"^([A-Za-z0-9_.-]{1,64})-([0-9]{1,12})$")

Reply = tuple[int, dict[str, Any]]


class ApiError(Exception):
    """An error reply with a stable code; `headers` carry e.g. Retry-After on a 429."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})


class CoreServer:
    def __init__(
        self,
        store: Store,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        kiosk_tokens: dict[str, str],
        clock: Clock | None = None,
        cards: CardIssuer | None = None,
    ) -> None:
        if any(not token for token in kiosk_tokens.values()):
            raise ValueError("every kiosk needs a non-empty token")
        self._store = store
        self._host, self._port = host, port
        self._tokens = dict(kiosk_tokens)
        self._clock = clock or SystemClock()
        self._cards = cards or CardIssuer(self._clock, pin_keys={})
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> str:
        """Binds and serves in a background thread; returns the base URL."""
        if self._httpd is not None:
            raise RuntimeError("core server already running")
        httpd = ThreadingHTTPServer((self._host, self._port), _Handler)
        httpd.daemon_threads = True
        httpd.core = self  # type: ignore[attr-defined]
        self._port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="core-http"
        )
        self._thread.start()
        return f"http://{self._host}:{self._port}"

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join()

    def serve_forever(self) -> None:
        """Serves in the calling thread until stop() is called from another thread."""
        self.start()
        thread = self._thread
        if thread is not None:
            thread.join()

    # -- request handling (plain functions of the request; the handler does the HTTP) ----------

    def dispatch(
        self, method: str, target: str, headers: Any, read_body: Callable[[], Any]
    ) -> Reply:
        url = urlsplit(target)
        if url.path == "/openapi.json":
            _allow(method, "GET")
            return 200, openapi_document()
        if url.path == "/v1/health":
            _allow(method, "GET")
            return 200, {"status": "ok", "time": rfc3339(self._clock.now())}
        if url.path == "/v1/accounts/statement":
            _allow(method, "GET")
            return self._statement(headers, _query(url.query))
        kiosk_id = self._authenticate(headers)
        params = _query(url.query)
        if url.path == "/v1/cards/authorize":
            _allow(method, "POST")
            try:
                return self._cards.authorize(kiosk_id, read_body())
            except CardRateLimited as exc:
                raise ApiError(
                    429,
                    "CARD_RATE_LIMITED",
                    "too many attempts for this card: try again later",
                    headers={"Retry-After": str(exc.retry_after)},
                ) from exc
        if url.path == "/v1/billers":
            _allow(method, "GET")
            return 200, {"billers": [b.to_wire() for b in self._store.billers()]}
        if url.path == "/v1/bills":
            _allow(method, "GET")
            return self._bills(params)
        if url.path == "/v1/transactions":
            _allow(method, "POST")
            return self._transactions(kiosk_id, read_body())
        if url.path.startswith("/v1/invoices/"):  # receipt reprints: "<kiosk_id>-<seq>"
            _allow(method, "GET")
            return self._invoice(kiosk_id, url.path.removeprefix("/v1/invoices/"))
        if url.path == "/v1/reconciliation":
            _allow(method, "GET")
            return self._reconciliation(kiosk_id, params)
        if url.path == "/v1/telemetry":
            _allow(method, "POST")
            body = read_body()
            if not isinstance(body, dict):
                raise ApiError(400, "VALIDATION_FAILED", "telemetry must be a JSON object")
            self._store.save_heartbeat(kiosk_id, body, self._clock.now())
            return 202, {"status": "accepted"}
        raise ApiError(404, "NOT_FOUND", "no such endpoint")

    def _statement(self, headers: Any, params: dict[str, str]) -> Reply:
        """CORE_API.md: the kiosk's own bearer token AND the card session in X-Card-Session.

        A card session sent as the only credential is refused: anyone holding the token could
        otherwise call as that kiosk."""
        card_session = headers.get("X-Card-Session")
        if card_session is None:
            raise ApiError(
                401,
                "CARD_SESSION_REQUIRED",
                "send the kiosk's bearer token and the card session in X-Card-Session",
            )
        kiosk_id = self._authenticate(headers)
        return self._cards.statement(kiosk_id, card_session, params)

    def _authenticate(self, headers: Any) -> str:
        kiosk_id = headers.get("X-Kiosk-Id") or ""
        auth = headers.get("Authorization") or ""
        presented = auth[7:] if auth.startswith("Bearer ") else ""
        expected = self._tokens.get(kiosk_id)
        # Compare even for an unknown kiosk so timing does not reveal which kiosk ids exist.
        ok = hmac.compare_digest(presented.encode(), (expected or "\x00unknown").encode())
        if expected is None or not ok:
            raise ApiError(401, "UNAUTHORIZED", "unknown kiosk or wrong credential")
        return kiosk_id

    def _invoice(self, kiosk_id: str, reference: str) -> Reply:
        """An invoice belongs to the kiosk that made it (CORE_API.md). Another kiosk's reference
        gets the very reply of one that does not exist, so invoices can be neither read nor
        enumerated (`<kiosk>-<seq>` references are easy to guess)."""
        match = _RECEIPT_REF.match(reference)
        if match is None:
            raise ApiError(400, "VALIDATION_FAILED", "reference must be <kiosk_id>-<seq>")
        owner, seq = match.group(1), int(match.group(2))
        invoice = self._store.invoice(owner, seq) if owner == kiosk_id else None
        if invoice is None:
            raise ApiError(404, "UNKNOWN_INVOICE", "no invoice of this kiosk with that reference")
        return 200, {"invoice": invoice}

    def _bills(self, params: dict[str, str]) -> Reply:
        biller_code = _param(params, "biller", _BILLER)
        account = _param(params, "account", _ACCOUNT)
        biller = self._store.biller(biller_code)
        if biller is None:
            raise ApiError(404, "UNKNOWN_BILLER", f"no biller {biller_code}")
        if not biller.account_valid(account):
            raise ApiError(400, "INVALID_ACCOUNT", "account number has the wrong form")
        if not self._store.account_exists(biller_code, account):
            raise ApiError(404, "UNKNOWN_ACCOUNT", "no such account at this biller")
        return 200, {"bills": [b.to_wire() for b in self._store.open_bills(biller_code, account)]}

    def _transactions(self, kiosk_id: str, body: Any) -> Reply:
        items = body.get("transactions") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ApiError(400, "VALIDATION_FAILED", 'body must be {"transactions": [...]}')
        if len(items) > MAX_BATCH:
            raise ApiError(400, "BATCH_TOO_LARGE", f"at most {MAX_BATCH} transactions per batch")
        # One transaction for the request's valid items, a verdict per item (Store.record_batch:
        # the same rules, idempotency and request log as one by one, one commit instead of N).
        answers: list[TxnResult | None] = []
        valid: list[tuple[int, ValidTxn]] = []
        for raw in items:
            try:
                txn = validate_transaction(raw, kiosk_id)
                self._check_ownership(kiosk_id, txn)
            except ValidationError:
                answers.append(self._one(kiosk_id, raw))  # the per-item rejection, as before
                continue
            valid.append((len(answers), txn))
            answers.append(None)
        results = self._store.record_batch([t for _, t in valid], self._clock.now())
        for (index, txn), result in zip(valid, results, strict=True):
            if result.status == "accepted":  # card holds: captured or released once (cards.py)
                self._cards.apply_transaction(txn.type, txn.txn_id, txn.details)
            answers[index] = result
        return 200, {"results": [a.wire() for a in answers if a is not None]}

    def _one(self, kiosk_id: str, raw: Any) -> TxnResult:
        try:
            txn = validate_transaction(raw, kiosk_id)
        except ValidationError as exc:
            txn_id = raw.get("txn_id") if isinstance(raw, dict) else None
            txn_id = txn_id if isinstance(txn_id, str) and len(txn_id) <= 64 else None
            return TxnResult(txn_id, "rejected", error_code=exc.code, error_message=exc.message)
        try:
            self._check_ownership(kiosk_id, txn)
        except ValidationError as exc:
            return TxnResult(txn.txn_id, "rejected", error_code=exc.code, error_message=exc.message)
        result = self._store.record(txn, self._clock.now())
        if result.status == "accepted":  # card holds: captured or released once (cards.py)
            self._cards.apply_transaction(txn.type, txn.txn_id, txn.details)
        return result

    def _check_ownership(self, kiosk_id: str, txn: ValidTxn) -> None:
        """A kiosk captures and reverses only what it made (CORE_API.md): holds by the card
        issuer's books, booked originals by the store's."""
        self._cards.check_transaction(kiosk_id, txn.type, txn.txn_id, txn.amount, txn.details)
        if txn.type == "reversal":
            owner = self._store.transaction_kiosk(str(txn.details["original_txn_id"]))
            if owner is not None and owner != kiosk_id:
                raise ValidationError("ORIGINAL_NOT_OWN", "the original belongs to another kiosk")

    def _reconciliation(self, kiosk_id: str, params: dict[str, str]) -> Reply:
        day_text = _param(params, "date", _DATE)
        asked = params.get("kiosk_id", kiosk_id)
        if asked != kiosk_id:
            raise ApiError(403, "FORBIDDEN", "a kiosk may only reconcile itself")
        try:
            day = date.fromisoformat(day_text)
        except ValueError as exc:
            raise ApiError(400, "INVALID_PARAMETER", "date must be YYYY-MM-DD") from exc
        return 200, self._store.reconciliation(kiosk_id, day)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "ReferenceCore/1.0"
    sys_version = ""
    timeout = 15  # a client that stalls mid-request does not hold a thread for ever

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        core: CoreServer = self.server.core  # type: ignore[attr-defined]
        extra: dict[str, str] = {}
        try:
            status, body = core.dispatch(method, self.path, self.headers, self._read_json)
        except ApiError as exc:
            status, body = exc.status, {"error": {"code": exc.code, "message": exc.message}}
            extra = exc.headers
        except Exception:
            logger.exception("internal error on %s %s", method, urlsplit(self.path).path)
            status, body = 500, {"error": {"code": "INTERNAL", "message": "internal error"}}
        self._send(status, body, extra)

    def _read_json(self) -> Any:
        """The request body as strict JSON: Content-Length (no chunking), at most MAX_BODY
        bytes, Content-Type application/json (or none), UTF-8, no duplicate keys (which of two
        amounts would be meant?), no NaN/Infinity or overflowing numbers, nesting within the
        parser's depth. Every refusal is an ApiError with a stable code, never a 500."""
        if self.headers.get("Transfer-Encoding") is not None:
            raise ApiError(411, "LENGTH_REQUIRED", "chunked bodies are not taken: Content-Length")
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            raise ApiError(411, "LENGTH_REQUIRED", "Content-Length is required")
        length = int(length_text)
        if length > MAX_BODY:
            self._drain(length)
            raise ApiError(413, "PAYLOAD_TOO_LARGE", f"body over {MAX_BODY} bytes")
        try:
            raw = self.rfile.read(length)
        except TimeoutError as exc:
            raise ApiError(408, "REQUEST_TIMEOUT", "the body did not arrive in time") from exc
        # A missing Content-Type is read as JSON (plain HTTP clients and test proxies leave it
        # out); a declared other type is refused, the body is not second-guessed.
        declared = self.headers.get("Content-Type")
        media_type = (declared or "application/json").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            raise ApiError(400, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
        if len(raw) != length:
            raise ApiError(400, "MALFORMED_JSON", "body shorter than its Content-Length")
        try:
            return json.loads(
                raw.decode("utf-8"),
                parse_constant=_no_constant,
                parse_float=_finite_float,
                object_pairs_hook=_unique_keys,
            )
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ApiError(400, "MALFORMED_JSON", "body is not strict UTF-8 JSON") from exc

    def _drain(self, length: int) -> None:
        """Reads (and drops) a moderately oversized body so the client sees the 413."""
        left = min(length, 16 * MAX_BODY)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            logger.info("client went away before the %d reply", status)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unknown method) in the contract's shape."""
        self.close_connection = True
        self._send(code, {"error": {"code": f"HTTP_{code}", "message": message or ""}})

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s " + format, self.address_string(), *args)


def _allow(method: str, allowed: str) -> None:
    if method != allowed:
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"use {allowed}")


def _query(text: str) -> dict[str, str]:
    try:
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except ValueError as exc:
        raise ApiError(400, "INVALID_PARAMETER", "malformed query string") from exc
    if any(len(values) > 1 for values in parsed.values()):
        raise ApiError(400, "INVALID_PARAMETER", "a parameter is repeated")
    return {key: values[0] for key, values in parsed.items()}


def _param(params: dict[str, str], name: str, pattern: re.Pattern[str]) -> str:
    value = params.get(name)
    if not value:
        raise ApiError(400, "MISSING_PARAMETER", f"parameter {name!r} is required")
    if not pattern.match(value):
        raise ApiError(400, "INVALID_PARAMETER", f"parameter {name!r} is malformed")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:40]!r}")
        result[key] = value
    return result
