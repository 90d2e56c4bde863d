"""The customer's session from the attract screen: language, the services menu, then one service.

Each service (bill payment, top-up, balance, reprint, ...) is its own journey behind the small
`Service` contract; this state machine only chooses one and hands it the language. Keys go to
the active service; cash-device events go to the active service or, between customers, to the
fallback service that accounts for a note nobody was waiting for; results of slow work (print,
look-up, sync) go to every service, each of which recognises only its own request ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from kiosk.clock import Clock
from kiosk.events import CustomerTouched, Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.screen_model import Choice, ScreenModel, Tone
from kiosk.runtime.config import TimeoutConfig

CASH_EVENTS = (NoteInEscrow, NoteCredited, NoteReturned, AcceptorStateChanged, CoinCredited)
MAX_SERVICES = 6


class Service(Protocol):
    """A journey the menu can start; it reports `done` once it is back at its idle state."""

    timeout_factor: float

    def begin(self, lang: str) -> None: ...

    def handle(self, event: object) -> None: ...

    def tick(self) -> None: ...

    def screen(self) -> ScreenModel: ...

    def abandon(self) -> None: ...

    @property
    def done(self) -> bool: ...

    def available(self) -> bool:
        """Whether the service can be offered right now (devices, core, billers)."""
        ...


@dataclass(frozen=True)
class MenuEntry:
    label_id: str  # catalog message id of the menu label
    service: Service


class SessionState(str, Enum):
    ATTRACT = "attract"
    LANGUAGE = "language"
    MENU = "menu"
    SERVICE = "service"


TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    SessionState.ATTRACT: frozenset({SessionState.LANGUAGE}),
    SessionState.LANGUAGE: frozenset({SessionState.MENU, SessionState.ATTRACT}),
    SessionState.MENU: frozenset({SessionState.SERVICE, SessionState.ATTRACT}),
    SessionState.SERVICE: frozenset({SessionState.ATTRACT}),
}


class KioskSession:
    def __init__(
        self,
        *,
        entries: tuple[MenuEntry, ...],
        fallback: Service,
        catalog: Catalog,
        clock: Clock,
        timeouts: TimeoutConfig,
        default_language: str,
        service_gate: Callable[[str], bool] | None = None,  # menu label id -> offered now?
        service_notice: Callable[[str], str] | None = None,  # lang -> degraded-service line
    ) -> None:
        self.entries = entries[:MAX_SERVICES]
        self._fallback = fallback
        self.catalog = catalog
        self.clock = clock
        self.timeouts = timeouts
        self.default_language = default_language
        self._gate = service_gate or (lambda label_id: True)
        self._notice = service_notice or (lambda lang: "")
        self.lang = default_language
        self.state = SessionState.ATTRACT
        self.active: Service | None = None
        self._factor = 1.0
        self._deadline: float | None = None
        self._menu_message = ""  # why the number just pressed is not offered now

    # ------------------------------------------------------------------ plumbing

    @property
    def timeout_factor(self) -> float:
        return self._factor

    @timeout_factor.setter
    def timeout_factor(self, factor: float) -> None:
        """Voice mode's longer timeouts reach every service, active or not."""
        self._factor = factor
        for entry in self.entries:
            entry.service.timeout_factor = factor

    def _go(self, target: SessionState) -> None:
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"{self.state.value} -> {target.value} is not allowed")
        self.state = target
        self._menu_message = ""
        waiting = target in (SessionState.LANGUAGE, SessionState.MENU)
        self._deadline = (
            self.clock.monotonic() + self.timeouts.menu * self._factor if waiting else None
        )

    def _is_offered(self, entry: MenuEntry) -> bool:
        return self._gate(entry.label_id) and entry.service.available()

    def _offered(self) -> list[MenuEntry]:
        return [e for e in self.entries if self._is_offered(e)]

    # ------------------------------------------------------------------ events and time

    def handle(self, event: object) -> None:
        if isinstance(event, KeyPressed | CustomerTouched):
            self._on_input(event)
        elif isinstance(event, CASH_EVENTS):
            # a service that takes no cash (reprint, balance) ignores notes and coins, so the
            # fallback journey books or returns them: money is never dropped unseen
            takes_cash = self.active is not None and getattr(self.active, "takes_cash", False)
            (self.active if takes_cash else self._fallback).handle(event)
        else:  # print, look-up and sync results: each service recognises its own ids
            for service in {id(e.service): e.service for e in self.entries}.values():
                service.handle(event)
        self._check_done()

    def tick(self) -> None:
        if self.active is not None:
            self.active.tick()
            self._check_done()
        elif self._deadline is not None and self.clock.monotonic() >= self._deadline:
            self._deadline = None
            self._go(SessionState.ATTRACT)

    def abandon(self) -> None:
        if self.active is not None:
            self.active.abandon()
            self._check_done()
        elif self.state is not SessionState.ATTRACT:
            self._go(SessionState.ATTRACT)

    def _check_done(self) -> None:
        if self.active is not None and self.active.done:
            self.active = None
            self._go(SessionState.ATTRACT)
            self.lang = self.default_language

    def _on_input(self, event: KeyPressed | CustomerTouched) -> None:
        if self.active is not None:
            self.active.handle(event)
            return
        key = event.key if isinstance(event, KeyPressed) else None
        if self.state is SessionState.ATTRACT:
            self.lang = self.default_language
            self._go(SessionState.LANGUAGE)
            return
        if key is None:
            return
        self._deadline = self.clock.monotonic() + self.timeouts.menu * self._factor
        if key is Key.CANCEL:
            self._go(SessionState.ATTRACT)
        elif self.state is SessionState.LANGUAGE and key in (Key.D1, Key.D2):
            self.lang = "zh_CN" if key is Key.D1 else "en"
            self._go(SessionState.MENU)
        elif self.state is SessionState.MENU and key is Key.LANGUAGE:
            self.lang = "en" if self.lang == "zh_CN" else "zh_CN"
        elif self.state is SessionState.MENU and key.is_digit:
            self._menu_message = ""
            if not 1 <= int(key.value) <= len(self.entries):
                return
            entry = self.entries[int(key.value) - 1]
            if not self._is_offered(entry):
                self._menu_message = "menu_service_unavailable"  # said, and it stays in place
                return
            self.active = entry.service
            self._go(SessionState.SERVICE)
            self.active.begin(self.lang)
            self._check_done()

    # ------------------------------------------------------------------ screens

    def screen(self) -> ScreenModel:
        if self.active is not None:
            return self.active.screen()
        t = self.catalog.text
        if self.state is SessionState.ATTRACT:
            return self._attract()
        if self.state is SessionState.LANGUAGE:
            return self._with_countdown(
                ScreenModel(
                    screen_id="language",
                    lang=self.lang,
                    title=t(self.lang, "language_title"),
                    choices=(
                        Choice("1", t(self.lang, "language_zh"), lang="zh_CN"),
                        Choice("2", t(self.lang, "language_en"), lang="en"),
                    ),
                    cancel_label=t(self.lang, "cancel"),
                )
            )
        return self._with_countdown(
            ScreenModel(
                screen_id="menu",
                lang=self.lang,
                title=t(self.lang, "menu_title"),
                body=(t(self.lang, "menu_body"),),
                # every service keeps its number; one that cannot be used now says so in place
                choices=tuple(self._menu_choice(n, e) for n, e in enumerate(self.entries, 1)),
                message=self._menu_text(),
                tone=Tone.INFO if self._offered() and not self._menu_message else Tone.ERROR,
                cancel_label=t(self.lang, "cancel"),
                language_label=t(self.lang, "switch_language"),
                theme_label=t(self.lang, "large_text"),
            )
        )

    def _menu_choice(self, number: int, entry: MenuEntry) -> Choice:
        label = self.catalog.text(self.lang, entry.label_id)
        if self._is_offered(entry):
            return Choice(str(number), label)
        unavailable = self.catalog.text(self.lang, "menu_unavailable", label=label)
        return Choice(str(number), unavailable, enabled=False)

    def _menu_text(self) -> str:
        if not self._offered():
            return self.catalog.text(self.lang, "no_service_available")
        return self.catalog.text(self.lang, self._menu_message) if self._menu_message else ""

    def _attract(self) -> ScreenModel:
        lang, t = self.default_language, self.catalog.text
        other = "en" if lang == "zh_CN" else "zh_CN"
        if not self._offered():
            return ScreenModel(
                screen_id="attract",
                tap_key="enter",
                lang=lang,
                title=t(lang, "attract_title"),
                body=(t(other, "attract_title"),),
                message=" / ".join(t(x, "attract_out_of_service") for x in (lang, other)),
                tone=Tone.WARNING,
            )
        return ScreenModel(
            screen_id="attract",
            tap_key="enter",
            lang=lang,
            title=t(lang, "attract_title"),
            body=(
                t(other, "attract_title"),
                t(lang, "attract_body"),
                t(other, "attract_body"),
                t(lang, "attract_voice_hint"),  # how voice guidance starts, and where help is
                t(other, "attract_voice_hint"),
            ),
            message=" / ".join(n for n in (self._notice(lang), self._notice(other)) if n),
            tone=Tone.WARNING if self._notice(lang) else Tone.INFO,
        )

    def _with_countdown(self, model: ScreenModel) -> ScreenModel:
        if self._deadline is None:
            return model
        left = max(0.0, self._deadline - self.clock.monotonic())
        if left > self.timeouts.warning:
            return model
        seconds = math.ceil(left)
        return replace(
            model,
            countdown=seconds,
            countdown_text=self.catalog.text(self.lang, "seconds_left", seconds=seconds),
            message=model.message or self.catalog.text(self.lang, "timeout_warning"),
            tap_key=model.tap_key or "help",  # a touch anywhere is activity, like any key
            tone=Tone.WARNING,
        )
