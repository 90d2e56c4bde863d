"""The technician sign-in screens: PIN prompt (dots only) and the lockout / not-set-up notice."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from kiosk.journeys.screen_model import InputField, ScreenModel, Tone
from kiosk.technician.entry import EntryMethod, EntryState, TechnicianEntry
from kiosk.technician.mode_screens import local_time


def entry_model(entry: TechnicianEntry, catalog: Any, lang: str, zone: ZoneInfo) -> ScreenModel:
    t = catalog.text
    if entry.state is EntryState.NOTICE:
        until = local_time(entry.locked_until, zone, "-")
        return ScreenModel(
            screen_id="tech_notice",
            lang=lang,
            title=t(lang, "tech_pin_title"),
            message=t(lang, entry.message_id, until=until)
            if entry.message_id == "tech_locked_out"
            else t(lang, entry.message_id),
            tone=Tone.ERROR,
            cancel_label=t(lang, "cancel"),
        )
    body = (
        t(lang, "tech_pin_body_card", who=entry.who)
        if entry.method is EntryMethod.CARD
        else t(lang, "tech_pin_body")
    )
    return ScreenModel(
        screen_id="tech_pin",
        lang=lang,
        title=t(lang, "tech_pin_title"),
        body=(body,),
        input=InputField(
            label=t(lang, "tech_pin_label"),
            value="●" * entry.pin_digits,
            max_length=entry.settings.pin_length,
            hint=t(lang, "tech_pin_hint", tries=entry.tries_left),
            secret=True,
        ),
        message=t(lang, entry.message_id) if entry.message_id else "",
        tone=Tone.ERROR if entry.message_id else Tone.INFO,
        enter_label=t(lang, "tech_ok"),
        cancel_label=t(lang, "cancel"),
        clear_label=t(lang, "tech_clear"),
    )
