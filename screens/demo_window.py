"""Demo mode with a display: the kiosk window plus a panel that plays the customer's hands."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.demo.env import DemoEnvironment
from screens.app import run_window
from screens.theme import standard

Action = tuple[str, Callable[[], object]]
OPERATOR_SWITCH_LABEL = "维护钥匙开关 / Operator switch (on/off)"


def demo_actions(env: DemoEnvironment) -> list[Action]:
    """The panel's buttons: notes, a ¥1 coin, headphones, the bank card (when the demo has card
    services), the printer's paper and the cabinet's operator switch (maintenance mode)."""
    cash = env.cash_emulator
    printer = env.printer_emulator
    actions: list[Action] = [
        (f"插入 ¥{v} / Insert ¥{v} note", lambda v=v: cash.insert_note(v))
        for v in (100, 50, 20, 10, 5, 1)
    ]
    if env.coin_emulator is not None:  # ccTalk channel 3 = CN100A
        actions.append(("投入 ¥1 硬币 / Insert ¥1 coin", env.insert_coin_1_yuan))
    jack = env.headphone
    if jack is not None:
        actions += [
            ("插入耳机 / Plug in headphones", jack.plug),
            ("拔出耳机 / Unplug headphones", jack.unplug),
        ]
    cards = env.cards  # the virtual UnionPay card in vpcd (only when a private pcscd runs)
    if cards is not None:
        actions += [
            ("插入银行卡 / Insert bank card", cards.insert),
            ("取出银行卡 / Remove bank card", cards.remove),
            ("刷磁条卡 / Swipe stripe-only card", lambda: cards.swipe("stripe_only")),
            ("刷芯片卡 / Swipe chip card (refused)", lambda: cards.swipe("chip_card")),
        ]
    actions += [
        ("打印机缺纸 / Printer: paper out", lambda: printer.set_paper("out")),
        ("打印机就绪 / Printer: ready", lambda: printer.set_paper("ready")),
    ]
    if env.operator_switch is not None:  # maintenance mode without a PIN: the cabinet key
        actions.append((OPERATOR_SWITCH_LABEL, lambda: _switch_text(env.toggle_operator_switch())))
    return actions


def _switch_text(on: bool) -> str:
    """What the panel says after the key turned, so the presenter knows where it stands."""
    return "开 / on (maintenance mode)" if on else "关 / off (service)"


def run_demo_window(env: DemoEnvironment) -> int:
    config = env.runtime.config
    return run_window(
        env.runtime.controller,
        theme=standard(),
        size=(config.screen.width, config.screen.height),
        fullscreen=False,
        demo_actions=demo_actions(env),
    )
