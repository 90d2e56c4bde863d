"""Checks the core's reply to POST /v1/transactions against CORE_API.md before anything is
settled: one result per item, the same txn_ids in the same order, a core_ref for every accepted
or duplicate item, an error code for every rejection. Anything else is CORE_REPLY_INVALID, a
transient failure: nothing is marked, the batch is re-sent (and answered `duplicate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk.errors import CoreError
from offline_queue.outbox import OutboxEntry

TRANSACTIONS_PATH = "/v1/transactions"


def parse_results(reply: Any, batch: Sequence[OutboxEntry]) -> list[dict[str, Any]]:
    """Checks the reply against CORE_API.md: one result per item, same txn_ids, same order."""
    results = reply.get("results") if isinstance(reply, dict) else None
    if not isinstance(results, list) or len(results) != len(batch):
        raise _invalid("results missing or not one per item")
    for entry, result in zip(batch, results, strict=True):
        if not isinstance(result, dict) or result.get("txn_id") != entry.txn_id:
            raise _invalid("results out of order or for another txn_id")
        status = result.get("status")
        if status in ("accepted", "duplicate"):
            ref = result.get("core_ref")
            if not isinstance(ref, str) or not ref or len(ref) > 64:
                raise _invalid(f"no core_ref for {entry.txn_id}")
        elif status == "rejected":
            error = result.get("error")
            if not isinstance(error, dict) or not isinstance(error.get("code"), str):
                raise _invalid(f"rejection without an error code for {entry.txn_id}")
            if not isinstance(error.get("message"), str):
                error["message"] = ""
        else:
            raise _invalid(f"unknown status {status!r}")
    return results


def _invalid(message: str) -> CoreError:
    return CoreError(
        f"POST {TRANSACTIONS_PATH}: {message}", code="CORE_REPLY_INVALID", transient=True
    )
