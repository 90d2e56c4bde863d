"""A device's table in the config: which backend, and that backend's own options.

Its own module because both the config loader and the device registry need it, and the loader
asks the registry which backends exist: neither may import the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeviceConfig:
    """A device's backend id and its backend-specific options (checked by the backend factory)."""

    kind: str
    backend: str
    options: dict[str, Any] = field(default_factory=dict)

    def key(self, name: str) -> str:
        return f"devices.{self.kind}.{name}"
