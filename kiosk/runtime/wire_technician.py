"""Wiring step for the technician's side: device health and telemetry, then technician entry
and maintenance mode (the router the journey controller drives).

Built last by the composition root because it reads every device the kiosk has (note acceptor,
printer, coins, card reader and stripe head, headphone) and wraps the customer's session. It
builds objects only (no thread started, no device opened) and returns what it built.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.clock import Clock
from kiosk.events import EventBus
from kiosk.i18n import Catalog
from kiosk.journeys.card_services_menu import CardServices
from kiosk.journeys.kiosk_session import KioskSession
from kiosk.runtime.adapters import SyncAdapter
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.runtime.wire_money import Books, CoreLinks, core_http, core_reachable
from kiosk.speech.health import VoiceGuidanceHealth
from kiosk.speech.select import EngineChoice
from kiosk.technician.health import HealthMonitor, ServiceBoard
from kiosk.technician.mode_wiring import TechnicianWiring, build_technician
from kiosk.technician.telemetry import TelemetryWorker, wire_health


@dataclass(frozen=True)
class TechnicianSide:
    health: HealthMonitor  # technician dashboard, diag, telemetry
    telemetry: TelemetryWorker
    technician: TechnicianWiring  # entry + maintenance mode (router)


def wire_technician(
    config: KioskConfig,
    *,
    registry: DeviceRegistry,
    context: DeviceContext,
    catalog: Catalog,
    clock: Clock,
    bus: EventBus,
    books: Books,
    links: CoreLinks,
    board: ServiceBoard,
    session: KioskSession,
    cash: BuiltDevice,
    printer: BuiltDevice,
    coin: BuiltDevice | None,
    card: CardServices | None,
    headphone: BuiltDevice | None,
    speech: EngineChoice,
) -> TechnicianSide:
    """`board`: the service state the health snapshots feed (attract banner, menu gating)."""
    health, telemetry = wire_health(
        board=board,
        devices={
            "cash": cash.device,
            "printer": printer.device,
            "coin": coin.device if coin is not None else None,
            "card_reader": card.station.reader if card is not None else None,
            "card_stripe": card.station.stripe if card is not None else None,
            "headphone": headphone.device if headphone is not None else None,
            # voice guidance is offered where there is a jack: silent audio is a fault
            "speech": VoiceGuidanceHealth("" if speech.available else speech.reason or "none")
            if headphone is not None
            else None,
        },
        outbox=books.outbox,
        engine=books.engine,
        clock=clock,
        config=config,
        http=core_http(config),  # its own session and thread: a heartbeat never waits behind money
        core_reachable=lambda: core_reachable(books.outbox),
    )
    technician = build_technician(
        config=config,
        session=session,
        registry=registry,
        context=context,
        catalog=catalog,
        clock=clock,
        ledger=books.ledger,
        engine=books.engine,
        health=health,
        printer_port=links.printer_port,
        sync=SyncAdapter(links.sync),
        submit=links.workers.printer.submit,
        publish=bus.publish,
        cash=cash,
        printer_device=printer.device,
        coin=coin,
        headphone=headphone,
        card_reader=card.station.reader if card is not None else None,
        card_reads=card.station.port if card is not None else None,
        card_stripe=card.station.stripe if card is not None else None,
        speech=speech.engine,
        speech_problem=speech.reason,
    )
    return TechnicianSide(health=health, telemetry=telemetry, technician=technician)
