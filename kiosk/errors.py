"""Typed errors with stable codes.

Codes are part of the contract with technicians, logs and translations: a code never changes
meaning once released, so messages can be looked up by code in every language.
"""

from __future__ import annotations


class KioskError(Exception):
    """Base for every error the kiosk raises on purpose."""

    code: str = "KIOSK_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"[{self.code}] {self.args[0]}"


class ConfigError(KioskError):
    """A config value is missing or malformed; names the key and the expected form."""

    code = "CONFIG_INVALID"

    def __init__(self, key: str, expected: str, found: object = None) -> None:
        detail = f"config key '{key}': expected {expected}"
        if found is not None:
            detail += f", found {found!r}"
        super().__init__(detail)
        self.key = key
        self.expected = expected


class DeviceError(KioskError):
    """A device failed or answered something we cannot trust."""

    code = "DEVICE_ERROR"


class CoreError(KioskError):
    """The core system refused a request or could not be reached.

    `transient` follows CORE_API.md: timeouts, connection errors, 5xx and 429 may succeed later;
    4xx (but 429) never will for the same request.
    """

    code = "CORE_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        transient: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after
