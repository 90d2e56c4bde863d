"""Issue 19 / CORE_API.md: request bodies are bounded and strictly JSON, and every refusal has a
stable code - never a 500, never a guess at what an ambiguous body meant."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from core_system.server import MAX_BODY
from tests.core_system.card_rig import Rig


def _post(
    rig: Rig, data: bytes, content_type: str | None = "application/json"
) -> requests.Response:
    headers = rig.headers()
    if content_type is not None:
        headers["Content-Type"] = content_type
    return requests.post(f"{rig.url}/v1/transactions", data=data, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b'{"transactions": []}', "text/plain", 400, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b'{"transactions": []}',
            "application/x-www-form-urlencoded",
            400,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "MALFORMED_JSON"),  # depth
        (b'{"transactions": [], "transactions": [1]}', "application/json", 400, "MALFORMED_JSON"),
        (b'{"transactions": [1e999999]}', "application/json", 400, "MALFORMED_JSON"),
        (b'{"transactions": []} trailing', "application/json", 400, "MALFORMED_JSON"),
        (b" " * (MAX_BODY + 1), "application/json", 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_a_body_that_is_not_strict_bounded_json_gets_a_typed_400_or_413(
    rig: Rig, data: bytes, content_type: str | None, status: int, code: str
) -> None:
    reply = _post(rig, data, content_type)
    assert (reply.status_code, reply.json()["error"]["code"]) == (status, code), reply.text


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", None])
def test_json_with_a_charset_or_without_a_declared_type_is_read(
    rig: Rig, content_type: str | None
) -> None:
    reply = _post(rig, b'{"transactions": []}', content_type)
    assert reply.status_code == 200 and reply.json() == {"results": []}


def _raw(rig: Rig, head: bytes, body: bytes) -> tuple[int, dict]:
    url = urlsplit(rig.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)  # the client is done: the body ends here
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    return status, json.loads(reply.split(b"\r\n\r\n", 1)[1])


def _head(extra: str) -> bytes:
    return (
        "POST /v1/transactions HTTP/1.1\r\nHost: x\r\nX-Kiosk-Id: k1\r\n"
        f"Authorization: Bearer t1\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


def test_a_body_shorter_than_its_content_length_is_refused_not_a_500(rig: Rig) -> None:
    status, body = _raw(rig, _head("Content-Length: 100\r\n"), b'{"transactions": []}')
    assert (status, body["error"]["code"]) == (400, "MALFORMED_JSON")


def test_chunked_bodies_are_not_taken(rig: Rig) -> None:
    chunked = b'14\r\n{"transactions": []}\r\n0\r\n\r\n'
    head = _head("Transfer-Encoding: chunked\r\nContent-Length: 20\r\n")
    status, body = _raw(rig, head, chunked)
    assert (status, body["error"]["code"]) == (411, "LENGTH_REQUIRED")
