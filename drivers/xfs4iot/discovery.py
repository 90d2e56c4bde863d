"""Service discovery: ask the service publisher for its services, find the one we need.

The publisher (`ws://host:port/xfs4iot/v1.0`) answers `ServicePublisher.GetServices` with
`services[].serviceURI`. Which URI is the dispenser is not in its name by rule, so each service
is asked for `Common.Capabilities` and picked by the interfaces it implements.
"""

from __future__ import annotations

from drivers.xfs4iot.connection import ServiceConnection
from drivers.xfs4iot.errors import DiscoveryError, Xfs4IotError
from drivers.xfs4iot.status import interface_names


def publisher_uri(host: str, port: int) -> str:
    return f"ws://{host}:{port}/xfs4iot/v1.0"


def _ask(uri: str, command: str, timeout_s: float) -> dict[str, object]:
    connection = ServiceConnection(uri)
    connection.start()
    try:
        if not connection.wait_online(timeout_s):
            raise DiscoveryError(f"{uri} does not answer", command=command)
        return connection.call(command, timeout_s=timeout_s)
    finally:
        connection.stop()


def list_services(uri: str, timeout_s: float = 5.0) -> list[str]:
    """The service URIs the publisher at `uri` lists."""
    payload = _ask(uri, "ServicePublisher.GetServices", timeout_s)
    services = payload.get("services")
    if not isinstance(services, list):
        return []
    return [
        s["serviceURI"]
        for s in services
        if isinstance(s, dict) and isinstance(s.get("serviceURI"), str)
    ]


def find_service(uri: str, interface: str, timeout_s: float = 5.0) -> str:
    """The URI of the first listed service that implements `interface` (e.g. CashDispenser)."""
    for service in list_services(uri, timeout_s):
        try:
            capabilities = _ask(service, "Common.Capabilities", timeout_s)
        except Xfs4IotError:
            continue  # a listed service that is down now cannot be the one we use
        if interface in interface_names(capabilities):
            return service
    raise DiscoveryError(f"no service implementing {interface} at {uri}")
