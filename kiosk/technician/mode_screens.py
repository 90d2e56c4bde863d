"""Screen models of technician entry and maintenance mode (the same renderer customers get).

Pure functions of the state objects: nothing here changes state, so tests assert on exactly
what the technician sees. The PIN appears only as a count of dots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.journeys.screen_model import AmountLine, Choice, ScreenModel, Tone
from kiosk.technician.cashbox_exchange_screens import cashbox_model
from kiosk.technician.figures import device_name, figures_line, state_name
from kiosk.technician.mode import FAULTS, MaintenanceMode, ModeState

OK_MARK, WARN_MARK, FAULT_MARK = "✔", "⚠", "✖"


def local_time(moment: object, zone: ZoneInfo, never: str) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    return str(moment) if moment else never


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h{s % 3600 // 60:02d}m"


def _bytes(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n = n / 1024  # type: ignore[assignment]
    return str(n)


# ---------------------------------------------------------------------- mode


def mode_model(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    return _BUILDERS[mode.state](mode, zone)


def _base(mode: MaintenanceMode, screen_id: str, title_id: str, **values: Any) -> dict[str, Any]:
    t, lang = mode.catalog.text, mode.lang
    return {
        "screen_id": screen_id,
        "lang": lang,
        "title": t(lang, title_id, **values),
        "cancel_label": t(lang, "tech_back"),
        "language_label": t(lang, "switch_language"),
    }


def _menu(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    t, lang = mode.catalog.text, mode.lang
    labels = ("tech_menu_dashboard", "tech_menu_selftests", "tech_menu_cashbox")
    labels += ("tech_menu_export", "tech_menu_exit")
    return ScreenModel(
        **{**_base(mode, "tech_menu", "tech_menu_title"), "cancel_label": t(lang, "tech_exit")},
        body=(t(lang, "tech_menu_body", who=mode.who),),
        choices=tuple(Choice(str(n), t(lang, label)) for n, label in enumerate(labels, 1)),
    )


def _device_lines(mode: MaintenanceMode, snapshot: Any, zone: ZoneInfo) -> list[str]:
    """Faulted devices first (what the technician came for), each with its figures."""
    t, lang = mode.catalog.text, mode.lang
    lines: list[str] = []
    ordered = sorted(snapshot.devices, key=lambda d: d.state not in FAULTS)
    for device in ordered:
        mark = OK_MARK if device.state.value == "online" else FAULT_MARK
        if device.state.value in ("busy", "offline"):
            mark = WARN_MARK
        name = device_name(mode.catalog, lang, device.device_id)
        head = f"{mark} {name}: {state_name(mode.catalog, lang, device.state.value)}"
        lines.append(f"{head} — {device.detail}" if device.detail else head)
        figures = figures_line(mode.catalog, lang, device.supplies, device.counters)
        if figures:
            lines.append("    " + ", ".join(figures))
        last = snapshot.last_errors.get(device.device_id)
        if last is not None:
            when = local_time(last.at, zone, "-")
            lines.append("    " + t(lang, "tech_last_error", detail=last.detail, time=when))
    return lines


def _reason(mode: MaintenanceMode, reason: str) -> str:
    """The technician's words for a degraded-service reason (the customer's are gentler)."""
    message_id = f"tech_reason_{reason}"
    if message_id in mode.catalog.ids():
        return mode.catalog.text(mode.lang, message_id)
    return reason


def _dashboard(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    t, lang, snap = mode.catalog.text, mode.lang, mode.snapshot
    if snap is None:  # the first reading is on its way from the worker
        return ScreenModel(
            **_base(mode, "tech_dashboard", "tech_dashboard_title"),
            message=t(lang, "tech_reading"),
            busy=True,
        )
    never = t(lang, "tech_never")
    state = t(lang, f"tech_state_{snap.service_state.value}")
    faulted = [
        device_name(mode.catalog, lang, d.device_id) for d in snap.devices if d.state in FAULTS
    ]
    reasons = ", ".join(_reason(mode, r) for r in snap.degraded_reasons)
    summary = t(lang, "tech_service_state", state=state) + (f" ({reasons})" if reasons else "")
    queue = t(
        lang,
        "tech_queue_line",
        pending=snap.queue_pending,
        dead=snap.queue_dead,
        oldest=_duration(snap.oldest_pending_age_s),
        last_sync=local_time(snap.last_sync_at, zone, never),
    )
    system = t(
        lang,
        "tech_system_line",
        core=t(lang, "tech_core_online" if snap.core_reachable else "tech_core_offline"),
        version=snap.version,
        uptime=_duration(snap.uptime_s),
        disk=_bytes(snap.free_disk_bytes),
    )
    message = (
        t(lang, "tech_faulted", count=len(faulted), devices=", ".join(faulted))
        if faulted
        else t(lang, "tech_all_ok")
    )
    return ScreenModel(
        **_base(mode, "tech_dashboard", "tech_dashboard_title"),
        body=(summary, queue, system, *_device_lines(mode, snap, zone)),
        message=message,
        tone=Tone.ERROR if faulted else Tone.SUCCESS,
    )


def _selftests(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    t, lang = mode.catalog.text, mode.lang
    choices = [Choice(str(n), name) for n, name in enumerate(mode.page_tests(), 1)]
    if len(mode.tests()) > len(mode.page_tests()) or mode.page:
        choices.append(Choice("6", t(lang, "tech_more")))
    return ScreenModel(
        **_base(mode, "tech_selftests", "tech_selftests_title"),
        body=(t(lang, "tech_selftests_body"),),
        choices=tuple(choices),
    )


def _running(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    return ScreenModel(
        **{**_base(mode, "tech_selftest_running", "tech_selftests_title"), "cancel_label": ""},
        message=mode.catalog.text(mode.lang, "tech_test_running"),
        busy=True,
    )


def _result(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    t, lang, result = mode.catalog.text, mode.lang, mode.result
    if result is None:
        return ScreenModel(
            **_base(mode, "tech_selftest_result", "tech_result_title", test="?"),
            message=t(lang, "tech_result_error", error=mode.result_error or "?"),
            tone=Tone.ERROR,
        )
    status = result.status.value
    tone = {"pass": Tone.SUCCESS, "fail": Tone.ERROR}.get(status, Tone.WARNING)
    details = tuple(f"{k}: {v}" for k, v in sorted(dict(result.details).items()) if v != "")
    where = f"{result.test} / {result.device_id}" if result.device_id else result.test
    return ScreenModel(
        **_base(mode, "tech_selftest_result", "tech_result_title", test=where),
        body=(t(lang, "tech_result_code", code=result.code or "-", ms=f"{result.duration_ms:.0f}"),)
        + details,
        message=t(lang, f"tech_result_{status}"),
        tone=tone,
    )


def _keypad(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    t, lang = mode.catalog.text, mode.lang
    echo = " ".join(mode.echo) if mode.echo else t(lang, "tech_keypad_none")
    return ScreenModel(
        **{**_base(mode, "tech_keypad_test", "tech_keypad_title"), "language_label": ""},
        body=(t(lang, "tech_keypad_body"), echo),
    )


def _screen_test(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    """Every element the renderer draws, once: tones, six choices, amounts, input, QR, bars."""
    t, lang = mode.catalog.text, mode.lang
    return ScreenModel(
        **_base(mode, "tech_screen_test", "tech_screen_title"),
        body=(t(lang, "tech_screen_body"), "█▓▒░ ░▒▓█ " * 6, "ABC abc 0123456789 中文测试 ¥€$"),
        choices=(
            Choice("1", t(lang, "tech_screen_ok")),
            Choice("2", t(lang, "tech_screen_fault")),
            *(Choice(str(n), "▮▮▮▮▮▮ " + "▯" * n) for n in range(3, 7)),
        ),
        amounts=(AmountLine("¥", "¥1,234,567.89", emphasis=True),),
        message="✔ ⚠ ✖ ℹ",
        tone=Tone.WARNING,
        qr="kiosk screen test pattern",
    )


def _sensor_test(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    t, lang = mode.catalog.text, mode.lang
    seen = tuple(mode.echo) or (t(lang, "tech_sensor_none"),)
    return ScreenModel(
        **_base(mode, "tech_sensor_test", "tech_sensor_title"),
        body=(t(lang, "tech_sensor_body"), *seen),
        enter_label=t(lang, "tech_ok"),
    )


def _exported(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    t, lang = mode.catalog.text, mode.lang
    return ScreenModel(
        **_base(mode, "tech_exported", "tech_export_title"),
        body=(t(lang, "tech_export_body", count=mode.export_count, path=str(mode.export_path)),),
        tone=Tone.SUCCESS,
        enter_label=t(lang, "tech_ok"),
    )


def _cashbox(mode: MaintenanceMode, zone: ZoneInfo) -> ScreenModel:
    return cashbox_model(mode.cashbox, mode.lang)


_BUILDERS = {
    ModeState.MENU: _menu,
    ModeState.DASHBOARD: _dashboard,
    ModeState.SELFTESTS: _selftests,
    ModeState.SELFTEST_RUNNING: _running,
    ModeState.SELFTEST_RESULT: _result,
    ModeState.KEYPAD_TEST: _keypad,
    ModeState.SCREEN_TEST: _screen_test,
    ModeState.SENSOR_TEST: _sensor_test,
    ModeState.CASHBOX: _cashbox,
    ModeState.EXPORTED: _exported,
    ModeState.EXITED: _menu,
}
