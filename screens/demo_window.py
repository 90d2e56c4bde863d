"""Demo mode with a display: the kiosk window plus a panel that plays the customer's hands."""

from __future__ import annotations

from kiosk.demo_env import DemoEnvironment
from screens.app import run_window
from screens.theme import standard


def run_demo_window(env: DemoEnvironment) -> int:
    cash = env.cash_emulator
    printer = env.printer_emulator
    actions = [
        (f"插入 ¥{v} / Insert ¥{v} note", lambda v=v: cash.insert_note(v))
        for v in (100, 50, 20, 10, 5, 1)
    ]
    jack = env.headphone
    if jack is not None:
        actions += [
            ("插入耳机 / Plug in headphones", jack.plug),
            ("拔出耳机 / Unplug headphones", jack.unplug),
        ]
    actions += [
        ("打印机缺纸 / Printer: paper out", lambda: printer.set_paper("out")),
        ("打印机就绪 / Printer: ready", lambda: printer.set_paper("ready")),
    ]
    config = env.runtime.config
    return run_window(
        env.runtime.controller,
        theme=standard(),
        size=(config.screen.width, config.screen.height),
        fullscreen=False,
        demo_actions=actions,
    )
