"""Typed XFS4IoT errors: a class with a stable code per completion code, plus transport faults.

A completion's `completionCode` (XFS4IoT header) says how a command ended; `errorCode` in the
payload refines `commandErrorCode` (e.g. `notDispensable`). Journeys and technicians branch on the
class or `code`, never on the service's free-text `errorDescription`, which varies by vendor.
"""

from __future__ import annotations

from enum import Enum

from kiosk.errors import DeviceError


class CompletionCode(str, Enum):
    """The standard completion codes of the message header, spelled as on the wire."""

    SUCCESS = "success"
    COMMAND_ERROR_CODE = "commandErrorCode"
    CANCELED = "canceled"
    DEVICE_NOT_READY = "deviceNotReady"
    HARDWARE_ERROR = "hardwareError"
    INTERNAL_ERROR = "internalError"
    INVALID_COMMAND = "invalidCommand"
    INVALID_REQUEST_ID = "invalidRequestID"
    TIME_OUT = "timeOut"
    UNSUPPORTED_COMMAND = "unsupportedCommand"
    INVALID_DATA = "invalidData"
    USER_ERROR = "userError"
    UNSUPPORTED_DATA = "unsupportedData"
    FRAUD_ATTEMPT = "fraudAttempt"
    SEQUENCE_ERROR = "sequenceError"
    AUTHORISATION_REQUIRED = "authorisationRequired"
    NO_COMMAND_NONCE = "noCommandNonce"
    INVALID_TOKEN = "invalidToken"
    INVALID_TOKEN_NONCE = "invalidTokenNonce"
    INVALID_TOKEN_HMAC = "invalidTokenHMAC"
    INVALID_TOKEN_FORMAT = "invalidTokenFormat"
    INVALID_TOKEN_KEY_NO_VALUE = "invalidTokenKeyNoValue"
    NOT_ENOUGH_SPACE = "notEnoughSpace"


class AckStatus(str, Enum):
    """Why a service refused to queue a command (the acknowledge header's `status`)."""

    INVALID_MESSAGE = "invalidMessage"
    INVALID_REQUEST_ID = "invalidRequestID"
    TOO_MANY_REQUESTS = "tooManyRequests"


class Xfs4IotError(DeviceError):
    """Base of every XFS4IoT failure; `command` names the message it answers, if any."""

    code = "XFS4IOT_ERROR"

    def __init__(self, message: str, *, command: str = "") -> None:
        super().__init__(message)
        self.command = command


# --- transport and protocol faults (no completion was received) ---


class ProtocolError(Xfs4IotError):
    """A frame that is not a valid XFS4IoT message, or one that answers nothing we sent."""

    code = "XFS4IOT_PROTOCOL"


class ServiceOffline(Xfs4IotError):
    """The service is not connected right now; nothing was sent."""

    code = "XFS4IOT_OFFLINE"


class ServiceLost(Xfs4IotError):
    """The connection dropped while the command was pending: its outcome is unknown.

    For a dispense this means money may have moved; recovery asks the device what happened.
    """

    code = "XFS4IOT_SERVICE_LOST"


class CommandTimeout(Xfs4IotError):
    """No completion within the client's deadline (the command was then cancelled)."""

    code = "XFS4IOT_CLIENT_TIMEOUT"


class CommandRefused(Xfs4IotError):
    """The acknowledge carried a status: the service did not queue the command."""

    code = "XFS4IOT_REFUSED"

    def __init__(self, message: str, *, command: str = "", status: str = "") -> None:
        super().__init__(message, command=command)
        self.status = status


class DiscoveryError(Xfs4IotError):
    """The service publisher did not list a service with the interface we need."""

    code = "XFS4IOT_DISCOVERY"


# --- one class per completion code ---


class CompletionError(Xfs4IotError):
    """A completion whose completionCode is not success."""

    code = "XFS4IOT_COMPLETION"
    completion_code = CompletionCode.INTERNAL_ERROR

    def __init__(self, message: str, *, command: str = "", error_code: str = "") -> None:
        super().__init__(message, command=command)
        self.error_code = error_code  # the payload's errorCode, for commandErrorCode
        self.payload: dict[str, object] = {}  # e.g. what a failed dispense did move


class CommandErrorCode(CompletionError):
    code, completion_code = "XFS4IOT_COMMAND_ERROR", CompletionCode.COMMAND_ERROR_CODE


class Canceled(CompletionError):
    code, completion_code = "XFS4IOT_CANCELED", CompletionCode.CANCELED


class DeviceNotReady(CompletionError):
    code, completion_code = "XFS4IOT_DEVICE_NOT_READY", CompletionCode.DEVICE_NOT_READY


class HardwareError(CompletionError):
    code, completion_code = "XFS4IOT_HARDWARE_ERROR", CompletionCode.HARDWARE_ERROR


class InternalError(CompletionError):
    code, completion_code = "XFS4IOT_INTERNAL_ERROR", CompletionCode.INTERNAL_ERROR


class InvalidCommand(CompletionError):
    code, completion_code = "XFS4IOT_INVALID_COMMAND", CompletionCode.INVALID_COMMAND


class InvalidRequestId(CompletionError):
    code, completion_code = "XFS4IOT_INVALID_REQUEST_ID", CompletionCode.INVALID_REQUEST_ID


class TimedOut(CompletionError):
    """The service's own timer (the header's `timeout`) expired."""

    code, completion_code = "XFS4IOT_TIMEOUT", CompletionCode.TIME_OUT


class UnsupportedCommand(CompletionError):
    code, completion_code = "XFS4IOT_UNSUPPORTED_COMMAND", CompletionCode.UNSUPPORTED_COMMAND


class InvalidData(CompletionError):
    code, completion_code = "XFS4IOT_INVALID_DATA", CompletionCode.INVALID_DATA


class UserError(CompletionError):
    code, completion_code = "XFS4IOT_USER_ERROR", CompletionCode.USER_ERROR


class UnsupportedData(CompletionError):
    code, completion_code = "XFS4IOT_UNSUPPORTED_DATA", CompletionCode.UNSUPPORTED_DATA


class FraudAttempt(CompletionError):
    code, completion_code = "XFS4IOT_FRAUD_ATTEMPT", CompletionCode.FRAUD_ATTEMPT


class SequenceError(CompletionError):
    code, completion_code = "XFS4IOT_SEQUENCE_ERROR", CompletionCode.SEQUENCE_ERROR


class NotEnoughSpace(CompletionError):
    code, completion_code = "XFS4IOT_NOT_ENOUGH_SPACE", CompletionCode.NOT_ENOUGH_SPACE


class TokenRefused(CompletionError):
    """The device refused the end-to-end authorisation: the host must authorise again."""

    code = "XFS4IOT_TOKEN_REFUSED"


class AuthorisationRequired(TokenRefused):
    code, completion_code = "XFS4IOT_AUTHORISATION_REQUIRED", CompletionCode.AUTHORISATION_REQUIRED


class NoCommandNonce(TokenRefused):
    code, completion_code = "XFS4IOT_NO_COMMAND_NONCE", CompletionCode.NO_COMMAND_NONCE


class InvalidToken(TokenRefused):
    code, completion_code = "XFS4IOT_INVALID_TOKEN", CompletionCode.INVALID_TOKEN


class InvalidTokenNonce(TokenRefused):
    code, completion_code = "XFS4IOT_INVALID_TOKEN_NONCE", CompletionCode.INVALID_TOKEN_NONCE


class InvalidTokenHmac(TokenRefused):
    code, completion_code = "XFS4IOT_INVALID_TOKEN_HMAC", CompletionCode.INVALID_TOKEN_HMAC


class InvalidTokenFormat(TokenRefused):
    code, completion_code = "XFS4IOT_INVALID_TOKEN_FORMAT", CompletionCode.INVALID_TOKEN_FORMAT


class InvalidTokenKeyNoValue(TokenRefused):
    code = "XFS4IOT_INVALID_TOKEN_KEY_NO_VALUE"
    completion_code = CompletionCode.INVALID_TOKEN_KEY_NO_VALUE


_BY_CODE: dict[CompletionCode, type[CompletionError]] = {
    cls.completion_code: cls
    for cls in (
        CommandErrorCode,
        Canceled,
        DeviceNotReady,
        HardwareError,
        InternalError,
        InvalidCommand,
        InvalidRequestId,
        TimedOut,
        UnsupportedCommand,
        InvalidData,
        UserError,
        UnsupportedData,
        FraudAttempt,
        SequenceError,
        NotEnoughSpace,
        AuthorisationRequired,
        NoCommandNonce,
        InvalidToken,
        InvalidTokenNonce,
        InvalidTokenHmac,
        InvalidTokenFormat,
        InvalidTokenKeyNoValue,
    )
}


def completion_error(
    completion_code: CompletionCode, *, command: str, description: str = "", error_code: str = ""
) -> CompletionError:
    """The typed error for a failed completion (success has none and is a caller bug)."""
    cls = _BY_CODE[completion_code]
    detail = f"{command} ended {completion_code.value}"
    if error_code:
        detail += f" ({error_code})"
    if description:
        detail += f": {description}"
    return cls(detail, command=command, error_code=error_code)
