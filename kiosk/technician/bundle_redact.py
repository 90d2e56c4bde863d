"""Secrets out of everything a diagnostic bundle carries.

Two layers, because a bundle leaves the site (e-mail, a ticket system): the config is copied
with every secret-looking value replaced, and then every byte of every file is scrubbed of the
secret VALUES themselves (core token, PIN key, journal key, and any variable or key file the
config names), so a secret that leaked into a log line or a journal record cannot leave either.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

REDACTED = "[REDACTED]"
_SECRET_NAME = re.compile(r"(token|secret|password|passwd|key|pin|credential|auth)", re.I)
_ENV_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|KEY|PIN|CREDENTIAL)", re.I)
MIN_SECRET_LEN = 6  # shorter values would scrub ordinary words and digits


def redact_config(raw: Any) -> Any:
    """The config tree with secret-named values replaced. Names of environment variables
    (`*_env`) stay, so the technician sees WHICH variable was used, never its value; `*_file`
    paths stay as well (a path is not the key)."""
    if isinstance(raw, dict):
        out: dict[str, Any] = {}
        for name, value in raw.items():
            keep = name.endswith("_env") or name.endswith("_file")
            if _SECRET_NAME.search(name) and not keep and not isinstance(value, dict):
                out[name] = REDACTED
            else:
                out[name] = redact_config(value)
        return out
    if isinstance(raw, list):
        return [redact_config(v) for v in raw]
    return raw


def _walk(raw: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(raw, dict):
        for name, value in raw.items():
            yield name, value
            yield from _walk(value)
    elif isinstance(raw, list):
        for value in raw:
            yield from _walk(value)


def secret_values(
    raw_config: Any, env: Mapping[str, str] | None = None, extra: Iterable[bytes | str] = ()
) -> list[bytes]:
    """Every secret value this kiosk knows: those of the variables and key files the config
    names, secret-named environment variables, and `extra` (the loaded config's token and
    journal key). Longest first, so a secret containing another is scrubbed whole."""
    env = os.environ if env is None else env
    found: set[bytes] = set()
    for name, value in _walk(raw_config):
        if not isinstance(value, str) or not value:
            continue
        if name.endswith("_env"):
            found.add(env.get(value, "").encode())
        elif name.endswith("_file") and _SECRET_NAME.search(name):
            with contextlib.suppress(OSError):  # an unreadable key file has nothing to leak
                found.add(Path(value).read_bytes().strip())
        elif _SECRET_NAME.search(name) and not name.endswith("_sha256"):
            found.add(value.encode())
    for name, value in env.items():
        if _ENV_NAME.search(name):
            found.add(value.encode())
    for value in extra:
        found.add(value.encode() if isinstance(value, str) else bytes(value))
    variants: set[bytes] = set()
    for secret in found:
        if len(secret) >= MIN_SECRET_LEN:
            hexed = secret.hex().encode()  # raw key bytes are often logged or stored as hex
            variants.update({secret, secret.lower(), secret.upper(), hexed, hexed.upper()})
    return sorted(variants, key=len, reverse=True)


def scrub(data: bytes, secrets: Iterable[bytes]) -> bytes:
    for secret in secrets:
        if secret in data:
            data = data.replace(secret, REDACTED.encode())
    return data
