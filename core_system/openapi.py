"""The reference core's API as an OpenAPI 3.0 document, served at GET /openapi.json.

It writes down what CORE_API.md leaves open (reply envelopes, error codes, limits) so a kiosk
vendor and the property tests (schemathesis) work from one description. Built as plain data:
no framework, and `openapi_document()` returns a fresh copy each call so no caller can mutate
what the server serves.
"""

from __future__ import annotations

import copy
from typing import Any

UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
AMOUNT = "^[0-9]{1,12}(\\.[0-9]{1,4})?$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _retry_after(description: str) -> dict[str, Any]:
    reply = _error(description)
    reply["headers"] = {
        "Retry-After": {
            "description": "seconds or an HTTP date; the kiosk waits at least this long",
            "schema": {"type": "string"},
        }
    }
    return reply


_AUTH_ERRORS = {
    "401": _error(
        "UNAUTHORIZED: unknown kiosk or wrong bearer token (permanent for this credential)"
    ),
    "405": _error("METHOD_NOT_ALLOWED: wrong method"),
    "429": _retry_after("throttled (transient: honour Retry-After)"),
    "503": _retry_after("unavailable (transient: honour Retry-After)"),
}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                    "message": {"type": "string"},
                },
            }
        },
    },
    "Money": {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "string", "pattern": AMOUNT, "example": "125.50"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "example": "CNY"},
        },
    },
    "Biller": {
        "type": "object",
        "required": ["code", "name", "account_pattern", "min_amount", "max_amount", "offline"],
        "properties": {
            "code": {"type": "string"},
            "name": {
                "type": "object",
                "required": ["zh_CN", "en"],
                "properties": {"zh_CN": {"type": "string"}, "en": {"type": "string"}},
            },
            "account_pattern": {"type": "string", "description": "a regular expression"},
            "min_amount": _ref("Money"),
            "max_amount": _ref("Money"),
            "partial_allowed": {"type": "boolean"},
            "offline": {
                "type": "object",
                "required": ["allowed", "limit"],
                "properties": {"allowed": {"type": "boolean"}, "limit": _ref("Money")},
            },
        },
    },
    "Bill": {
        "type": "object",
        "required": ["bill_id", "biller", "account", "holder", "period", "amount_due", "due_date"],
        "properties": {
            "bill_id": {"type": "string"},
            "biller": {"type": "string"},
            "account": {"type": "string"},
            "holder": {"type": "string", "description": "masked"},
            "period": {"type": "string", "example": "2026-10"},
            "amount_due": _ref("Money"),
            "due_date": {"type": "string", "format": "date"},
        },
    },
    "Transaction": {
        "type": "object",
        "description": "One money movement made on a kiosk. Items that break these rules are "
        "answered per item with status `rejected`, never by failing the whole batch.",
        "required": [
            "txn_id",
            "kiosk_id",
            "seq",
            "type",
            "created_at",
            "amount",
            "currency",
            "tender",
            "details",
        ],
        "properties": {
            "txn_id": {"type": "string", "pattern": UUID, "description": "idempotency key"},
            "kiosk_id": {"type": "string", "description": "must equal X-Kiosk-Id"},
            "seq": {"type": "integer", "minimum": 1, "maximum": 2**53},
            "type": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"},
            "created_at": {"type": "string", "example": "2026-11-23T08:15:00Z"},
            "amount": {"type": "string", "pattern": AMOUNT},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "tender": {
                "type": "object",
                "description": "cash: notes; card: masked_pan and auth_code (never a full PAN)",
            },
            "details": {"type": "object"},
        },
    },
    "TransactionResult": {
        "type": "object",
        "required": ["txn_id", "status", "core_ref", "error"],
        "properties": {
            "txn_id": {"type": "string", "nullable": True},
            "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
            "core_ref": {"type": "string", "nullable": True},
            # OpenAPI 3.0 cannot put `nullable` next to `$ref`, hence the one-item allOf.
            "error": {"nullable": True, "allOf": [_ref("ItemError")]},
        },
    },
    "ItemError": {
        "type": "object",
        "required": ["code", "message"],
        "description": "VALIDATION_FAILED, MONEY_INVALID, KIOSK_MISMATCH, PAN_NOT_MASKED, "
        "UNKNOWN_BILL, BILL_MISMATCH, IDEMPOTENCY_CONFLICT (same txn_id, other content), "
        "HOLD_NOT_OWN (a card_payment capturing another kiosk's hold), HOLD_MISMATCH (a "
        "capture of another amount than held), ORIGINAL_NOT_OWN (a reversal naming another "
        "kiosk's hold or transaction; a reversal must name details.original_txn_id, and one "
        "naming an authorization the core never saw is accepted as a no-op). A bill_payment "
        "or card_payment naming details.bill_id must fit the bill and its biller: "
        "AMOUNT_NOT_ALLOWED (0.00, over max_amount, a partial under min_amount), "
        "PARTIAL_NOT_ALLOWED (less than due, biller without partial_allowed), "
        "PARTIAL_NOT_DECLARED (less than due without details.partial: true), "
        "PREPAYMENT_MISMATCH (more than due unless amount - details.prepayment = amount_due), "
        "BILL_MISMATCH (details.biller/account/amount_due not the bill's), UNKNOWN_BILLER "
        "(the bill's biller record is unusable)",
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
    },
}

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Kiosk core system (reference implementation)",
        "version": "1.0.0",
        "description": "CORE_API.md v1. 400/404/409/422 are permanent; 401/403 permanent for "
        "the credential; 429/503 with Retry-After and other 5xx are transient. Request bodies "
        "are strict JSON: Content-Length required (no chunking), at most 1 MiB (413 "
        "PAYLOAD_TOO_LARGE), Content-Type application/json when declared (else 400 "
        "UNSUPPORTED_MEDIA_TYPE), UTF-8, no duplicate keys, no NaN/Infinity or overflowing "
        "numbers, bounded nesting (else 400 MALFORMED_JSON). Every error has a stable "
        "error.code; besides those listed per operation: an unknown path is 404 NOT_FOUND, an "
        "internal fault 500 INTERNAL (transient), a malformed request line HTTP_<status>.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearer": [], "kioskId": []}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "kioskId": {"type": "apiKey", "in": "header", "name": "X-Kiosk-Id"},
        },
        "schemas": _SCHEMAS,
    },
    "paths": {
        "/v1/health": {
            "get": {
                "operationId": "health",
                "security": [],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["status", "time"],
                            "properties": {
                                "status": {"type": "string", "enum": ["ok"]},
                                "time": {"type": "string"},
                            },
                        },
                        "the core is up",
                    ),
                    "405": _error("wrong method"),
                },
            }
        },
        "/v1/billers": {
            "get": {
                "operationId": "billers",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["billers"],
                            "properties": {"billers": {"type": "array", "items": _ref("Biller")}},
                        },
                        "billers this kiosk may take payments for, in the order to offer them; "
                        "a biller whose record is malformed is left out (and logged), never "
                        "hiding the others",
                    ),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/v1/bills": {
            "get": {
                "operationId": "bills",
                "parameters": [
                    {
                        "name": "biller",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Z0-9_]{1,16}$"},
                    },
                    {
                        "name": "account",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9A-Za-z]{1,32}$"},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["bills"],
                            "properties": {"bills": {"type": "array", "items": _ref("Bill")}},
                        },
                        "open bills (empty when nothing is open)",
                    ),
                    "400": _error("MISSING_PARAMETER, INVALID_PARAMETER or INVALID_ACCOUNT"),
                    "404": _error("UNKNOWN_BILLER or UNKNOWN_ACCOUNT"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/v1/invoices/{reference}": {
            "get": {
                "operationId": "invoice",
                "description": "Data to reprint a receipt, by its reference <kiosk_id>-<seq>. "
                "Only the kiosk that made it may read it: any other kiosk gets the same 404 "
                "UNKNOWN_INVOICE as for a reference that does not exist.",
                "parameters": [
                    {
                        "name": "reference",
                        "in": "path",
                        "required": True,
                        "schema": {
                            "type": "string",
                            "pattern": "^[A-Za-z0-9._-]{1,64}-[0-9]{1,12}$",
                        },
                    }
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["invoice"],
                            "properties": {"invoice": {"type": "object"}},
                        },
                        "the transaction as the kiosk sent it, with its core reference",
                    ),
                    "400": _error("VALIDATION_FAILED: not a <kiosk_id>-<seq> reference"),
                    "404": _error("UNKNOWN_INVOICE: none, or another kiosk's (not revealed)"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/v1/transactions": {
            "post": {
                "operationId": "postTransactions",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["transactions"],
                                "properties": {
                                    "transactions": {
                                        "type": "array",
                                        "maxItems": 100,
                                        "items": _ref("Transaction"),
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["results"],
                            "properties": {
                                "results": {"type": "array", "items": _ref("TransactionResult")}
                            },
                        },
                        "one result per item, in request order; idempotent by txn_id",
                    ),
                    "400": _error(
                        "MALFORMED_JSON, UNSUPPORTED_MEDIA_TYPE, VALIDATION_FAILED or "
                        "BATCH_TOO_LARGE"
                    ),
                    "408": _error("REQUEST_TIMEOUT: the body did not arrive in time"),
                    "411": _error(
                        "LENGTH_REQUIRED: no Content-Length (chunked bodies are not taken)"
                    ),
                    "413": _error("PAYLOAD_TOO_LARGE: body over 1 MiB"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/v1/reconciliation": {
            "get": {
                "operationId": "reconciliation",
                "parameters": [
                    {
                        "name": "date",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "format": "date"},
                    },
                    {"name": "kiosk_id", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["kiosk_id", "date", "count", "types"],
                            "properties": {
                                "kiosk_id": {"type": "string"},
                                "date": {"type": "string", "format": "date"},
                                "count": {"type": "integer"},
                                "types": {
                                    "type": "object",
                                    "additionalProperties": {
                                        "type": "object",
                                        "required": ["count", "totals"],
                                        "properties": {
                                            "count": {"type": "integer"},
                                            "totals": {"type": "array", "items": _ref("Money")},
                                        },
                                    },
                                },
                                "seq": _ref("SeqReport"),
                            },
                        },
                        "the core's count and totals per type for that kiosk and UTC day",
                    ),
                    "400": _error("MISSING_PARAMETER or INVALID_PARAMETER"),
                    "403": _error("a kiosk may only reconcile itself"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/v1/telemetry": {
            "post": {
                "operationId": "telemetry",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "202": _json(
                        {"type": "object", "properties": {"status": {"type": "string"}}},
                        "heartbeat stored",
                    ),
                    "400": _error("MALFORMED_JSON, UNSUPPORTED_MEDIA_TYPE or VALIDATION_FAILED"),
                    "408": _error("REQUEST_TIMEOUT: the body did not arrive in time"),
                    "411": _error(
                        "LENGTH_REQUIRED: no Content-Length (chunked bodies are not taken)"
                    ),
                    "413": _error("PAYLOAD_TOO_LARGE: body over 1 MiB"),
                    **_AUTH_ERRORS,
                },
            }
        },
    },
}

_SCHEMAS["SeqReport"] = {
    "type": "object",
    "description": "The kiosk's seq numbers the core holds: gaps are missing transactions "
    "(still queued, dead-lettered, or lost) for a person to chase.",
    "required": ["highest", "received", "gaps"],
    "properties": {
        "highest": {"type": "integer"},
        "received": {"type": "integer"},
        "gaps": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["first", "last"],
                "properties": {"first": {"type": "integer"}, "last": {"type": "integer"}},
            },
        },
    },
}

# Card payments (issue 4): the hold placed by a payment authorization is captured by the
# `card_payment` transaction with the same txn_id and released by a `reversal` whose
# details.original_txn_id names it; each applies once (a repeated reversal refunds nothing).
_SCHEMAS["CardAuthorizeRequest"] = {
    "type": "object",
    "required": ["track2", "pan_sequence", "pin_block", "purpose"],
    "properties": {
        "track2": {"type": "string", "description": "track-2 equivalent data (tag 57), D as '='"},
        "pan_sequence": {"type": "string", "nullable": True},
        "pin_block": {"type": "string", "description": "hex, under this kiosk's PIN key"},
        "pin_format": {"type": "string", "enum": ["iso0", "iso4"]},
        "purpose": {"type": "string", "enum": ["balance", "statement", "payment"]},
        "amount": {
            "allOf": [_ref("Money")],
            "description": "payment only: the amount to hold (declined INSUFFICIENT_FUNDS)",
        },
        "txn_id": {
            "type": "string",
            "pattern": UUID,
            "description": "required for a payment, optional otherwise: binds the answer to "
            "(kiosk, txn_id, PAN, purpose, amount, PIN block); the same request again gets the "
            "same answer and never a second hold, anything else under it is a 409. The "
            "card_payment transaction reuses it; a reversal names it in "
            "details.original_txn_id.",
        },
    },
}
_SCHEMAS["CardAuthorizeReply"] = {
    "type": "object",
    "required": ["approved", "retain_card"],
    "properties": {
        "approved": {"type": "boolean"},
        "auth_code": {"type": "string", "nullable": True},
        "session_token": {"type": "string", "nullable": True},
        "tries_left": {"type": "integer", "nullable": True},
        "retain_card": {"type": "boolean"},
        "balance": _ref("Money"),
        "reason": {
            "type": "string",
            "description": "when declined: WRONG_PIN, PIN_TRIES_EXCEEDED, INSUFFICIENT_FUNDS, "
            "EXPIRED_CARD, INVALID_CARD, UNKNOWN_CARD",
        },
    },
}
_DOCUMENT["paths"]["/v1/cards/authorize"] = {
    "post": {
        "operationId": "authorizeCard",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("CardAuthorizeRequest")}},
        },
        "responses": {
            "200": _json(_ref("CardAuthorizeReply"), "the issuer's answer (declines are 200)"),
            "400": _error("MALFORMED_JSON, UNSUPPORTED_MEDIA_TYPE or VALIDATION_FAILED"),
            "408": _error("REQUEST_TIMEOUT: the body did not arrive in time"),
            "403": _error("NO_PIN_KEY: no PIN key is shared with this kiosk"),
            "409": _error(
                "IDEMPOTENCY_CONFLICT: the txn_id was already used with another kiosk, card, "
                "purpose, amount or PIN block (the same request again gets the same answer); "
                "PIN_BLOCK_REPLAYED: this card's PIN block already verified under another "
                "txn_id within the last 10 minutes (format 0 has no nonce: a replay is refused, "
                "no try is counted; the customer enters the PIN again)"
            ),
            "411": _error("LENGTH_REQUIRED: no Content-Length (chunked bodies are not taken)"),
            "413": _error("PAYLOAD_TOO_LARGE: body over 1 MiB"),
            **_AUTH_ERRORS,
            "429": _retry_after(
                "CARD_RATE_LIMITED: more than 10 new attempts for this card in 5 minutes, from "
                "any kiosk (transient: honour Retry-After)"
            ),
        },
    }
}

_SCHEMAS["StatementEntry"] = {
    "type": "object",
    "required": ["date", "description", "amount", "balance"],
    "properties": {
        "date": {"type": "string", "format": "date"},
        "description": {"type": "string"},
        "amount": _ref("Money"),
        "balance": _ref("Money"),
    },
}
_DOCUMENT["paths"]["/v1/accounts/statement"] = {
    "get": {
        "operationId": "accountStatement",
        "description": "Entries of the card's account, newest first, paged. Needs the kiosk's own "
        "bearer token AND the card session from POST /v1/cards/authorize (purpose statement) "
        "in X-Card-Session; a session belongs to the kiosk that made it. (The reference core "
        "still takes the session as the only bearer while the kiosk's client sends that; a "
        "strict core answers 401 CARD_SESSION_REQUIRED to it.)",
        "parameters": [
            {
                "name": "X-Card-Session",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
            },
            {
                "name": "from",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "format": "date"},
            },
            {
                "name": "to",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "format": "date"},
            },
            {
                "name": "cursor",
                "in": "query",
                "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"},
            },
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 50},
            },
        ],
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": ["currency", "entries", "next_cursor"],
                    "properties": {
                        "currency": {"type": "string"},
                        "entries": {"type": "array", "items": _ref("StatementEntry")},
                        "next_cursor": {"type": "string", "nullable": True},
                    },
                },
                "one page of the statement",
            ),
            "400": _error(
                "INVALID_PARAMETER: from/to YYYY-MM-DD (from <= to), cursor/limit numbers"
            ),
            "403": _error(
                "SESSION_FORBIDDEN: the session belongs to another kiosk; SESSION_WRONG_PURPOSE: "
                "it was not issued for a statement"
            ),
            **_AUTH_ERRORS,
            "401": _error(
                "UNAUTHORIZED (kiosk credential), SESSION_INVALID (unknown or expired card "
                "session) or CARD_SESSION_REQUIRED"
            ),
        },
    }
}


def openapi_document() -> dict[str, Any]:
    return copy.deepcopy(_DOCUMENT)
