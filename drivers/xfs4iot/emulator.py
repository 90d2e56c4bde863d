"""A real XFS4IoT endpoint on loopback: the service publisher plus a dispenser and an EPP service.

`ws://host:port/xfs4iot/v1.0` is the publisher (`ServicePublisher.GetServices` lists the two
service URIs); `.../cashdispenser` and `.../pinpad` are the services. The server runs its own
asyncio loop on one thread; tests, the CLI and the demo act on the devices (take the notes,
press a key, inject a fault) through thread-safe methods that run on that loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TypeVar

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from drivers.xfs4iot.emulator_cash import Cassette, default_cassettes
from drivers.xfs4iot.emulator_dispenser import DispenserModel
from drivers.xfs4iot.emulator_epp import EppModel
from drivers.xfs4iot.emulator_service import CommandContext, Endpoint
from drivers.xfs4iot.errors import CompletionCode
from drivers.xfs4iot.messages import MAX_FRAME, Message, MessageType, Payload, encode

PUBLISHER_PATH = "/xfs4iot/v1.0"
DISPENSER = "cashdispenser"
PINPAD = "pinpad"
T = TypeVar("T")


class Xfs4IotEmulator:
    def __init__(
        self,
        *,
        token_key: bytes | None,
        pin_key: bytes,
        host: str = "127.0.0.1",
        port: int = 0,
        vendor: str = "Kiosk terminal project (emulator)",
        cassettes: list[Cassette] | None = None,
    ) -> None:
        self.host, self.port, self.vendor = host, port, vendor
        self.dispenser = DispenserModel(token_key, cassettes or default_cassettes())
        self.epp = EppModel(pin_key)
        self.services = {
            DISPENSER: Endpoint(
                "CashDispenser",
                self.dispenser.handlers(),
                immediate=frozenset({"Common.Status", "Common.Capabilities"}),
            ),
            PINPAD: Endpoint(
                "PinPad",
                self.epp.handlers(),
                immediate=frozenset({"Common.Status", "Common.Capabilities"}),
            ),
        }
        self.dispenser.endpoint = self.services[DISPENSER]
        self.publisher = Endpoint(
            "ServicePublisher", {"ServicePublisher.GetServices": self._get_services}
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None

    @property
    def publisher_uri(self) -> str:
        return f"ws://{self.host}:{self.port}{PUBLISHER_PATH}"

    def service_uri(self, service: str) -> str:
        return f"{self.publisher_uri}/{service}"

    def start(self) -> int:
        """Listens (port 0 = an ephemeral port) and returns the port."""
        self._thread = threading.Thread(target=self._run, name="xfs4iot-emulator")
        self._thread.start()
        self._started.wait()
        if self._server is None:
            self._thread.join()
            raise OSError(f"cannot listen on {self.host}:{self.port}")
        return self.port

    def stop(self) -> None:
        """Closes every connection and the listener; the same port can be started again."""
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join()
        self._started.clear()
        self._server = None

    def run(self, action: Callable[[], Awaitable[T]], timeout: float = 10.0) -> T:
        """Runs a coroutine on the emulator's loop (device state lives there) and waits."""
        assert self._loop is not None

        async def wrapped() -> T:
            return await action()

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(timeout)

    # --- what a customer, technician or test does to the devices ---

    def take_items(self) -> None:
        self.run(self.dispenser.take_items)

    def press(self, key: str) -> bool:
        """A key on the EPP: zero..nine, enter, cancel, clear, backspace."""

        async def press() -> bool:
            return self.epp.press(key)

        return self.run(press)

    def vanish(self, service: str = DISPENSER) -> None:
        self.run(self.services[service].vanish)

    def revive(self, service: str = DISPENSER) -> None:
        self.services[service].revive()

    def send_raw(self, service: str, text: str) -> None:
        self.run(lambda: self.services[service].send_raw(text))

    def send_stray(self, service: str, kind: MessageType, name: str, request_id: int) -> None:
        """A well-formed message that answers nothing the client sent."""
        code = CompletionCode.SUCCESS if kind is MessageType.COMPLETION else None
        message = Message(kind, name, request_id, {}, completion_code=code)
        self.send_raw(service, encode(message))

    # --- the loop thread ---

    async def _get_services(self, ctx: CommandContext, payload: Payload) -> Payload:
        services = [{"serviceURI": self.service_uri(name)} for name in self.services]
        return {"vendorName": self.vendor, "services": services}

    def _route(self, path: str) -> Endpoint | None:
        if path.rstrip("/") == PUBLISHER_PATH:
            return self.publisher
        prefix = PUBLISHER_PATH + "/"
        return self.services.get(path[len(prefix) :]) if path.startswith(prefix) else None

    def _check_path(self, connection: ServerConnection, request: Request) -> Response | None:
        endpoint = self._route(request.path)
        if endpoint is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "no such XFS4IoT service\n")
        if endpoint.vanished:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "service stopped\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        endpoint = self._route(connection.request.path if connection.request else "")
        if endpoint is not None:
            await endpoint.serve(connection)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            self._started.set()
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        for endpoint in (self.publisher, *self.services.values()):
            endpoint.reset_for_loop()
        try:
            server = await serve(
                self._handle,
                self.host,
                self.port,
                process_request=self._check_path,
                max_size=MAX_FRAME,
            )
        except OSError:
            return
        self._server = server
        self.port = server.sockets[0].getsockname()[1] if self.port == 0 else self.port
        self._started.set()
        await self._stop.wait()
        server.close()
        await server.wait_closed()
