"""Wiring steps for what the customer is offered: the menu (bill payment, top-up, IC-card
recharge, card services: balance, statement and card tender, receipt reprint) with the session
that offers it.

`wire_menu` runs its steps in the order the objects were always built (the card services come
first: the bill payment takes cards through them). Each step builds objects only (no thread
started, no device opened) and returns what it built; nothing is kept here.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DeviceState
from kiosk.card.stripe import stripe_head
from kiosk.clock import Clock
from kiosk.events import EventBus
from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.bill_payment_scan import ScannerOffer
from kiosk.journeys.card_payment_port import card_tender
from kiosk.journeys.card_services_menu import CardServices, build_card_services, card_http
from kiosk.journeys.kiosk_session import KioskSession, MenuEntry
from kiosk.journeys.parts.base import Cabinet
from kiosk.journeys.ports import CashPort
from kiosk.journeys.reprint import ReprintJourney
from kiosk.journeys.reprint_source import ReceiptLookup
from kiosk.journeys.services import ReprintService, TopupService
from kiosk.journeys.topup import Product, TopupJourney
from kiosk.journeys.topup_ic_card_service import IcCardRecharge, build_ic_card_recharge
from kiosk.money.ledger import Ledger
from kiosk.money.offline_policy import available_offline
from kiosk.runtime.adapters import PrinterAdapter, SyncAdapter
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.runtime.wire_money import Books, CashTender, CoreLinks, core_reachable
from kiosk.technician.health import ServiceBoard


@dataclass(frozen=True)
class Menu:
    """What the runtime keeps of the menu: the bill payment (also the session's fallback), the
    optional card services and IC-card recharge (started and stopped with the kiosk), and the
    session that offers every entry."""

    journey: BillPaymentJourney
    card: CardServices | None  # balance + statement, when a card reader is configured
    ic_card: IcCardRecharge | None  # [devices.ic_card_reader]: IC-card recharge
    session: KioskSession
    scanner: BuiltDevice | None = None  # [devices.scanner]: "scan your bill"; open with the kiosk


def wire_menu(
    config: KioskConfig,
    *,
    registry: DeviceRegistry,
    context: DeviceContext,
    catalog: Catalog,
    clock: Clock,
    bus: EventBus,
    books: Books,
    links: CoreLinks,
    cash: CashTender,
    board: ServiceBoard,
    printer: BuiltDevice,
) -> Menu:
    card = None
    if "card_reader" in config.devices:  # config.py requires the PIN pad with it
        card = wire_card_services(
            config,
            registry=registry,
            context=context,
            catalog=catalog,
            clock=clock,
            bus=bus,
            ledger=books.ledger,
            printer_port=links.printer_port,
        )
    scanner = None
    if "scanner" in config.devices:
        scanner = registry.build(config.devices["scanner"], context)
    journey = wire_bill_payment(
        config,
        catalog=catalog,
        clock=clock,
        books=books,
        links=links,
        cash=cash.port,
        card=card,
        scanner=scanner_offer(scanner),
    )
    topup = wire_topup(config, catalog=catalog, clock=clock, books=books, links=links, cash=cash)
    reprint = wire_reprint(
        config,
        catalog=catalog,
        clock=clock,
        ledger=books.ledger,
        bus=bus,
        links=links,
        printer=printer,
    )
    ic_card = None
    if "ic_card_reader" in config.devices:
        ic_card = wire_ic_card(
            config,
            registry=registry,
            context=context,
            catalog=catalog,
            clock=clock,
            books=books,
            links=links,
            cash=cash,
        )
    session = KioskSession(
        entries=(
            MenuEntry("service_pay_bill", journey),
            MenuEntry("service_topup", topup),
            *((ic_card.entry(),) if ic_card is not None else ()),
            *(card.entries() if card is not None else ()),
            MenuEntry("service_reprint", reprint),
        ),
        fallback=journey,
        catalog=catalog,
        clock=clock,
        timeouts=config.timeouts,
        default_language=config.default_language,
        service_gate=board.offers,
        service_notice=board.notice,
    )
    return Menu(journey=journey, card=card, ic_card=ic_card, session=session, scanner=scanner)


def scanner_offer(scanner: BuiltDevice | None) -> ScannerOffer | None:
    """What bill payment reads of the scanner: its events' device id and whether it is online
    (the driver's health, kept by its I/O thread)."""
    if scanner is None:
        return None
    device = scanner.device
    return ScannerOffer(device.device_id, lambda: device.status().state is DeviceState.ONLINE)


def wire_card_services(
    config: KioskConfig,
    *,
    registry: DeviceRegistry,
    context: DeviceContext,
    catalog: Catalog,
    clock: Clock,
    bus: EventBus,
    ledger: Ledger,
    printer_port: PrinterAdapter,
) -> CardServices:
    return build_card_services(
        reader=registry.build(config.devices["card_reader"], context).device,
        pinpad=registry.build(config.devices["pinpad"], context).device,
        reader_options=config.devices["card_reader"].options,
        http=card_http(config.core, config.kiosk_id),  # its own session, on its own worker
        journey_kwargs={
            "kiosk_id": config.kiosk_id,
            "catalog": catalog,
            "clock": clock,
            "timeouts": config.timeouts,
            "ledger": ledger,
            "printer": printer_port,
            "timezone": config.timezone,
            "cabinet": cabinet(config),
        },
        publish=bus.publish,
        stripe=stripe_head(config.devices["card_reader"].options, bus.publish, clock),
    )


def cabinet(config: KioskConfig) -> Cabinet:
    """Where this cabinet's slots are (clock positions, [voice]): said on every screen that
    asks for a card, notes or the receipt to be taken, and by voice mode's orientation."""
    voice = config.voice
    return Cabinet(voice.card_slot, voice.note_acceptor, voice.receipt_slot)


def wire_bill_payment(
    config: KioskConfig,
    *,
    catalog: Catalog,
    clock: Clock,
    books: Books,
    links: CoreLinks,
    cash: CashPort,
    card: CardServices | None,
    scanner: ScannerOffer | None = None,
) -> BillPaymentJourney:
    """`cash`: the notes, or notes and coins; `card`: when given, the journey also takes cards;
    `scanner`: when given, "scan your bill" comes first while it is online."""
    cash_options = config.devices["cash"].options
    return BillPaymentJourney(
        kiosk_id=config.kiosk_id,
        currency=config.currency,
        default_language=config.default_language,
        catalog=catalog,
        clock=clock,
        timeouts=config.timeouts,
        ledger=books.ledger,
        lookup=links.lookup,
        cash=cash,
        online=lambda: core_reachable(books.outbox),
        overpay_consent=bool(cash_options.get("overpay_consent", False)),
        scanner=scanner,
        printer=links.printer_port,
        sync=SyncAdapter(links.sync),
        timezone=config.timezone,
        cabinet=cabinet(config),
        **(card_tender(card) if card is not None else {}),
    )


def wire_topup(
    config: KioskConfig,
    *,
    catalog: Catalog,
    clock: Clock,
    books: Books,
    links: CoreLinks,
    cash: CashTender,
) -> TopupService:
    """A new journey per customer, its products read from the billers known at that moment."""
    outbox, lookup = books.outbox, links.lookup
    return TopupService(
        lambda lang: TopupJourney(
            kiosk_id=config.kiosk_id,
            currency=config.currency,
            catalog=catalog,
            clock=clock,
            timeouts=config.timeouts,
            ledger=books.ledger,
            products=tuple(Product(b.code, b) for b in lookup.billers()),
            cash=cash.port,
            printer=links.printer_port,
            sync=SyncAdapter(links.sync),
            online=lambda: core_reachable(outbox),
            lang=lang,
            timezone=config.timezone,
            cabinet=cabinet(config),
        ),
        # offline policy: top-up is not offered while the core is unreachable (told up front)
        available=lambda: (
            bool(lookup.billers())
            and cash.service.available()
            and (core_reachable(outbox) or available_offline("topup"))
        ),
    )


def wire_reprint(
    config: KioskConfig,
    *,
    catalog: Catalog,
    clock: Clock,
    ledger: Ledger,
    bus: EventBus,
    links: CoreLinks,
    printer: BuiltDevice,
) -> ReprintService:
    # same thread as lookups
    receipts = ReceiptLookup(ledger, links.lookup_http, bus, links.workers.network)
    return ReprintService(
        lambda lang: ReprintJourney(
            kiosk_id=config.kiosk_id,
            lang=lang,
            catalog=catalog,
            clock=clock,
            ledger=ledger,
            source=receipts,
            printer=links.printer_port,
            timezone=config.timezone,
            columns=printer.device.capabilities.columns,
        ),
        clock,
        config.timeouts.input,
    )


def wire_ic_card(
    config: KioskConfig,
    *,
    registry: DeviceRegistry,
    context: DeviceContext,
    catalog: Catalog,
    clock: Clock,
    books: Books,
    links: CoreLinks,
    cash: CashTender,
) -> IcCardRecharge:
    return build_ic_card_recharge(
        registry=registry,
        device=config.devices["ic_card_reader"],
        context=context,
        billers=links.lookup.billers,
        cash=cash.port,
        cash_available=cash.service.available,
        online=lambda: core_reachable(books.outbox),
        journey_kwargs={
            "kiosk_id": config.kiosk_id,
            "currency": config.currency,
            "clock": clock,
            "timeouts": config.timeouts,
            "ledger": books.ledger,
            "printer": links.printer_port,
            "sync": SyncAdapter(links.sync),
            "catalog": catalog,
            "timezone": config.timezone,
            "cabinet": cabinet(config),
        },
        default_language=config.default_language,
    )
