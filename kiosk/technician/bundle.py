"""The diagnostic bundle: one zip a technician takes away, provably complete and unaltered.

Members: journal.jsonl (the slice asked for) and journal_check.json (chain verdict), logs/*,
device_status.json, config.json (secrets redacted), environment.json (which secret variables
were set, never their values), queue.json, and manifest.json listing every member with its
SHA-256 and size. manifest.hmac is HMAC-SHA256 over manifest.json's exact bytes, keyed by the
journal seal key, so the back office can tell a bundle straight from the kiosk from one edited
on the way (`kiosk diag verify-bundle`). Every member is scrubbed of secret values first
(kiosk/technician/bundle_redact.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError
from kiosk.technician.bundle_redact import scrub

FORMAT = "kiosk-diag-bundle/1"
MANIFEST, SIGNATURE = "manifest.json", "manifest.hmac"


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


@dataclass
class BundleWriter:
    """Collects members in memory (a bundle is a few MB at most), then writes the zip."""

    secrets: list[bytes]
    members: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, data: bytes) -> None:
        if name in (MANIFEST, SIGNATURE) or name in self.members:
            raise ValueError(f"duplicate or reserved member {name}")
        self.members[name] = scrub(data, self.secrets)

    def add_json(self, name: str, value: Any) -> None:
        self.add(name, _json(value))

    def write(self, out: Path, key: bytes, header: dict[str, Any]) -> dict[str, Any]:
        if not key:
            raise ConfigError("journal.key_env", "the journal seal key set, to sign the bundle")
        manifest = {
            "format": FORMAT,
            **header,
            "files": {
                name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                for name, data in sorted(self.members.items())
            },
            "hmac": "HMAC-SHA256 over manifest.json, key: journal seal key",
        }
        manifest_bytes = scrub(_json(manifest), self.secrets)
        signature = hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in sorted(self.members.items()):
                zf.writestr(name, data)
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(SIGNATURE, signature + "\n")
        tmp.replace(out)
        return manifest


@dataclass(frozen=True)
class BundleCheck:
    ok: bool
    problems: tuple[str, ...]
    files: int

    def wire(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": list(self.problems), "files": self.files}


def verify_bundle(path: Path, key: bytes) -> BundleCheck:
    """HMAC of the manifest first (nothing else can be trusted without it), then every
    member's hash, and no member missing or added."""
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if MANIFEST not in names or SIGNATURE not in names:
                return BundleCheck(False, ("manifest or signature missing",), 0)
            manifest_bytes = zf.read(MANIFEST)
            presented = zf.read(SIGNATURE).decode("ascii", "replace").strip()
            expected = hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(presented, expected):
                return BundleCheck(False, ("manifest HMAC does not match",), 0)
            files: dict[str, Any] = json.loads(manifest_bytes)["files"]
            for name, entry in sorted(files.items()):
                if name not in names:
                    problems.append(f"{name}: missing")
                elif hashlib.sha256(zf.read(name)).hexdigest() != entry["sha256"]:
                    problems.append(f"{name}: content changed")
            for name in sorted(names - set(files) - {MANIFEST, SIGNATURE}):
                problems.append(f"{name}: not in the manifest")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        return BundleCheck(False, (f"not a readable bundle: {exc}",), 0)
    return BundleCheck(not problems, tuple(problems), len(files))


def log_files(logs_dir: Path, limit_bytes: int = 20 * 1024 * 1024) -> Iterable[tuple[str, bytes]]:
    """The kiosk's log files, newest first, up to `limit_bytes` in all (the tail of a file
    that does not fit whole: the most recent lines matter most)."""
    if not logs_dir.is_dir():
        return
    left = limit_bytes
    files = sorted(
        (p for p in logs_dir.rglob("*") if p.is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in files:
        if left <= 0:
            return
        data = path.read_bytes()[-left:]
        left -= len(data)
        yield f"logs/{path.relative_to(logs_dir).as_posix()}", data
