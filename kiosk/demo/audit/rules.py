"""The rules every customer screen must keep, checked on its screen model and its spoken script.

These are the rules a lobby customer, an elderly customer and a blind customer would otherwise
trip over (issue 21): a way back from every input screen and no Cancel where it means nothing,
the language switch, texts that are translated and speakable, masked numbers spoken as digits,
and a spoken script that says everything the screen shows. The pixel rules (sizes, contrast,
clipping) need a renderer and live in screens/audit_probe.py; both report `Finding`s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kiosk.journeys.screen_model import ScreenModel
from kiosk.speech.script import Utterance

CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,.'-]+[A-Za-z]{2,}")
RAW_CODE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # CARD_EXPIRED, UNKNOWN_ACCOUNT
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
MASK_RUN = re.compile(r"[*●•xX]{3,}")
MAX_CHOICES = 6
# Screens where Cancel cannot do anything for the customer: the card or the money is on its
# way, or the printer is working; showing it there is a promise the kiosk cannot keep.
NO_CANCEL = frozenset(
    {
        "card_reading",
        "card_authorizing",
        "card_take_card",
        "card_retained",
        "settling_cash",
        "printing_receipt",
        "printing_credit_slip",
        "syncing",
        "topup_settling",
        "topup_printing",
        "ic_settling",
        "ic_writing",
        "ic_verifying",
    }
)
# Screens with no language switch by design: the attract screen is bilingual, the language
# screen is the switch, and a busy screen has nothing to read but its title.
NO_LANGUAGE_SWITCH = frozenset({"attract", "attract_in_service", "language"})
# Screens where the customer must act on a device: they say where it is (shown and spoken).
DEVICE_SCREENS = {
    "insert_cash": "cash",
    "topup_insert_cash": "cash",
    "ic_insert_cash": "cash",
    "card_insert_card": "card",
    "card_take_card": "card",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    screen_id: str
    detail: str


Rule = Callable[[ScreenModel, tuple[Utterance, ...], "AuditTexts"], Iterable[Finding]]


@dataclass(frozen=True)
class AuditTexts:
    """What the rules compare against: every catalog id, and the location cue of each device."""

    message_ids: frozenset[str]
    location_cues: dict[str, str]  # "cash" / "card" -> the cue text in the screen's language


def _texts(model: ScreenModel) -> tuple[str, ...]:
    return model.visible_texts()


def translated(model: ScreenModel, _s: tuple[Utterance, ...], a: AuditTexts) -> Iterable[Finding]:
    """No catalog id, placeholder or raw error code is ever shown."""
    for text in _texts(model):
        if text in a.message_ids:
            yield Finding("translated", model.screen_id, f"message id shown: {text!r}")
        if PLACEHOLDER.search(text):
            yield Finding("translated", model.screen_id, f"unfilled placeholder in {text!r}")
        if RAW_CODE.search(text):
            yield Finding("translated", model.screen_id, f"raw code shown: {text!r}")


def speech_language(
    model: ScreenModel, script: tuple[Utterance, ...], _a: AuditTexts
) -> Iterable[Finding]:
    """Each text is said in its own language's voice: no Chinese handed to the English voice
    (a Chinese name on an English screen is said by the Mandarin voice)."""
    for utterance in script:
        if utterance.lang == "en" and CJK.search(utterance.says):
            detail = f"the English voice is given Chinese: {utterance.says!r}"
            yield Finding("speech_language", model.screen_id, detail)
        elif (
            utterance.lang == "zh_CN"
            and ENGLISH.search(utterance.says)
            and not CJK.search(utterance.says)
        ):
            detail = f"the Mandarin voice is given English: {utterance.says!r}"
            yield Finding("speech_language", model.screen_id, detail)


def controls(model: ScreenModel, _s: tuple[Utterance, ...], _a: AuditTexts) -> Iterable[Finding]:
    """Every input screen has Enter, Clear and Cancel; choices are numbered 1..6, once each."""
    sid = model.screen_id
    if model.input is not None:
        for name, label in (
            ("Enter", model.enter_label),
            ("Clear", model.clear_label),
            ("Cancel", model.cancel_label),
        ):
            if not label:
                yield Finding("controls", sid, f"input screen without {name}")
    keys = [c.key for c in model.choices]
    if len(keys) > MAX_CHOICES:
        yield Finding("controls", sid, f"{len(keys)} choices (at most {MAX_CHOICES})")
    if len(set(keys)) != len(keys) or any(k not in "123456" or not k for k in keys):
        yield Finding("controls", sid, f"choice keys {keys} are not distinct digits 1..6")
    if sid in NO_CANCEL and model.cancel_label:
        yield Finding("controls", sid, "Cancel offered where it can do nothing")


def language_switch(
    model: ScreenModel, _s: tuple[Utterance, ...], _a: AuditTexts
) -> Iterable[Finding]:
    """The language switch is on every customer screen that asks something of the customer."""
    asks = bool(model.choices or model.input or model.enter_label)
    if model.screen_id in NO_LANGUAGE_SWITCH or model.busy or not asks:
        return
    if model.screen_id.startswith("tech_"):
        return  # the technician's screens follow the technician's language setting
    if not model.language_label:
        yield Finding("language_switch", model.screen_id, "no language switch")


def spoken(model: ScreenModel, script: tuple[Utterance, ...], _a: AuditTexts) -> Iterable[Finding]:
    """Every visible text is in the script; what is said has no codes, ids or mask runs."""
    shown = {u.shows for u in script}
    for line in model.amounts:  # an amount is said with its label: "Amount due ¥125.50"
        if f"{line.label} {line.amount}" in shown:
            shown |= {line.label, line.amount}
    secret = model.input.value if model.input is not None and model.input.secret else None
    for text in _texts(model):
        if text == secret:
            continue  # a PIN's dots: only their number is said
        if text not in shown:
            yield Finding("spoken", model.screen_id, f"shown but never said: {text!r}")
    for utterance in script:
        says = utterance.says
        if not says.strip() and utterance.shows:
            yield Finding("spoken", model.screen_id, f"says nothing for {utterance.shows!r}")
        if RAW_CODE.search(says) or PLACEHOLDER.search(says):
            yield Finding("spoken", model.screen_id, f"says a code or placeholder: {says!r}")
        if MASK_RUN.search(says):
            yield Finding("spoken", model.screen_id, f"says a run of mask characters: {says!r}")


def orientation(
    model: ScreenModel, script: tuple[Utterance, ...], a: AuditTexts
) -> Iterable[Finding]:
    """A screen where the customer acts on a device says where the device is."""
    device = DEVICE_SCREENS.get(model.screen_id)
    if device is None:
        return
    cue = a.location_cues.get(device, "")
    if not cue or cue not in _texts(model):
        yield Finding("orientation", model.screen_id, f"does not say where the {device} slot is")


RULES: tuple[Rule, ...] = (
    translated,
    speech_language,
    controls,
    language_switch,
    spoken,
    orientation,
)


def check(model: ScreenModel, script: tuple[Utterance, ...], texts: AuditTexts) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(model, script, texts)]
