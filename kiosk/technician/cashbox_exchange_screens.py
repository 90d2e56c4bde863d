"""The cashbox exchange screens: booked vs counted per denomination, counting, printing, done."""

from __future__ import annotations

from kiosk.journeys.screen_model import AmountLine, Choice, InputField, ScreenModel, Tone
from kiosk.money.amount import Money
from kiosk.technician.cashbox_exchange import CashboxExchange, ExchangeState


def cashbox_model(x: CashboxExchange, lang: str) -> ScreenModel:
    t = x.catalog.text
    base = {"lang": lang, "title": t(lang, "tech_cashbox_title")}

    def money(v: str) -> str:
        return Money.parse(v, x.currency).display()

    rows = [(d, x.expected.get(d, 0), x.counted.get(d, 0)) for d in x.denominations()]
    per_note = tuple(  # booked / counted; a difference stands out
        AmountLine(money(d), f"{booked} / {seen}", emphasis=booked != seen)
        for d, booked, seen in rows
        if booked or seen
    )
    expected, counted = x.total(x.expected), x.total(x.counted)
    amounts = per_note + (
        AmountLine(
            t(lang, "tech_cashbox_expected_total"),
            f"{expected.display()} / {counted.display()}",
            emphasis=True,
        ),
        AmountLine(t(lang, "tech_cashbox_difference"), (counted - expected).display()),
    )
    if x.state is ExchangeState.COUNT:
        d = x.denominations()[x.index]
        line = t(
            lang,
            "tech_cashbox_line",
            denomination=money(d),
            expected=x.expected.get(d, 0),
            counted=x.counted.get(d, 0),
        )
        return ScreenModel(
            screen_id="tech_cashbox_count",
            **base,
            body=(line,),
            input=InputField(
                label=t(lang, "tech_cashbox_count_label", denomination=money(d)),
                value=x.typed,
                max_length=5,
                hint=t(lang, "tech_cashbox_count_hint", expected=x.expected.get(d, 0)),
            ),
            enter_label=t(lang, "tech_ok"),
            cancel_label=t(lang, "tech_back"),
            clear_label=t(lang, "tech_clear"),
        )
    if x.state is ExchangeState.PRINTING:
        return ScreenModel(
            screen_id="tech_cashbox_printing",
            **base,
            message=t(lang, "tech_cashbox_printing"),
            busy=True,
        )
    if x.state in (ExchangeState.DONE, ExchangeState.CLOSED):
        printed = "tech_cashbox_printed" if x.printed else "tech_cashbox_not_printed"
        return ScreenModel(
            screen_id="tech_cashbox_done",
            **base,
            body=(t(lang, "tech_cashbox_done"),),
            amounts=amounts,
            message=t(lang, printed),
            tone=Tone.SUCCESS if x.printed else Tone.WARNING,
            enter_label=t(lang, "tech_ok"),
        )
    differ = bool(x.differences())
    return ScreenModel(
        screen_id="tech_cashbox_review",
        **base,
        body=(t(lang, "tech_cashbox_review"),),
        amounts=amounts,
        choices=(
            Choice("1", t(lang, "tech_cashbox_confirm")),
            Choice("2", t(lang, "tech_cashbox_enter")),
        ),
        message=t(lang, "tech_cashbox_discrepancy") if differ else "",
        tone=Tone.WARNING if differ else Tone.INFO,
        cancel_label=t(lang, "tech_back"),
    )
