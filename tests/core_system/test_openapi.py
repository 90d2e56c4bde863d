"""The reference core against its own OpenAPI document, with schemathesis generating requests.

Every generated request (valid and invalid: wrong types, missing fields, odd strings, bad
methods) must get an answer the document describes and never a 500: a kiosk that sends
something odd must be told what is wrong, never crash the core or have money silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from core_system.openapi import openapi_document
from core_system.server import CoreServer
from core_system.store import Store

TOKENS = {"kiosk-1": "s3cret-1"}
AUTH = {"X-Kiosk-Id": "kiosk-1", "Authorization": "Bearer s3cret-1"}
# Small in CI; raise with OPENAPI_EXAMPLES=500 for a longer hunt.
EXAMPLES = int(os.environ.get("OPENAPI_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def core_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("core")
    store = Store(f"sqlite:///{tmp}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens=TOKENS)
    url = server.start()
    yield url
    server.stop()
    store.close()


def _operations(core_url: str) -> list[schemathesis.schemas.APIOperation]:
    schema = schemathesis.openapi.from_url(core_url + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


# schemathesis's own pytest plugin does not run under pytest 9 yet, so its generators are driven
# through plain hypothesis: the same strategies (built from the served document), both valid
# requests (POSITIVE) and requests that break the schema on purpose (NEGATIVE).
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_generated_request_gets_a_documented_answer_and_never_a_500(
    core_url: str, mode: GenerationMode
) -> None:
    operations = _operations(core_url)
    assert len(operations) >= 6
    for operation in operations:
        headers = dict(AUTH) if operation.path != "/v1/health" else {}
        raw = operation.definition.raw
        if mode is GenerationMode.NEGATIVE and not (
            raw.get("parameters") or raw.get("requestBody")
        ):
            continue  # nothing in the request to break

        @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(timeout=10)
            assert response.status_code < 500, (
                case.operation.label,
                response.status_code,
                response.text[:300],
            )
            if mode is GenerationMode.POSITIVE:
                case.validate_response(response)

        check()


def test_the_document_is_served_and_describes_every_endpoint(core_url: str) -> None:
    served = requests.get(core_url + "/openapi.json", timeout=5)
    assert served.status_code == 200
    document = served.json()
    assert document == openapi_document()
    assert set(document["paths"]) >= {
        "/v1/health",
        "/v1/billers",
        "/v1/bills",
        "/v1/transactions",
        "/v1/reconciliation",
        "/v1/telemetry",
        "/v1/cards/authorize",
        "/v1/accounts/statement",
    }
