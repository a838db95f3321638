"""Property: for any lines, discounts and TVA rates, the ticket total is exactly the sum of the line totals,
no line goes below zero, and every amount is a whole number of the currency's minor unit (XOF and EUR)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from functions import money
from functions.books import discounts, tax
from functions.errors import InvalidInputError

CURRENCIES = st.sampled_from(["XOF", "EUR"])
RATES = st.sampled_from([Decimal(0), Decimal(18), Decimal("9.5"), Decimal(10), Decimal(20)])


@st.composite
def tickets(draw):
    currency = draw(CURRENCIES)
    q = money.quantum(currency)
    lines = []
    for i in range(draw(st.integers(1, 6))):
        gross = Decimal(draw(st.integers(1, 5_000_000))) * q
        own = draw(st.one_of(st.none(), st.decimals(0, 100, places=1).map(lambda p: discounts.Ask(p, True)),
                             st.integers(1, 5_000_000).map(lambda n: discounts.Ask(Decimal(n) * q, False))))
        lines.append(discounts.Line(f"L{i}", gross, None, own, draw(RATES)))
    whole = draw(st.one_of(st.none(), st.decimals(0, 100, places=2).map(lambda p: discounts.Ask(p, True)),
                           st.integers(1, 20_000_000).map(lambda n: discounts.Ask(Decimal(n) * q, False))))
    return currency, lines, whole


def whole_units(value: Decimal, currency: str) -> bool:
    return value == value.quantize(money.quantum(currency))


@settings(max_examples=300, deadline=None)
@given(tickets())
def test_ticket_total_is_the_sum_of_line_totals_in_whole_units(case):
    currency, lines, whole = case
    try:
        t = discounts.ticket(lines, whole, currency)
    except InvalidInputError as exc:  # only the refusals the rules name: a discount beyond what it applies to
        assert exc.code in ("over_line", "over_100")
        return
    assert t.total == sum(t.totals, Decimal(0)) == t.gross - t.discount
    assert all(total >= 0 for total in t.totals)
    assert all(whole_units(x, currency) for x in [*t.totals, *t.discounts])
    if whole is not None and whole.percent:  # the whole-ticket share is the rounded percentage, to the unit
        net = sum((ln.gross - (ln.ask.amount(ln.gross, currency) if ln.ask else 0) for ln in lines), Decimal(0))
        assert t.discount - sum((ln.ask.amount(ln.gross, currency) for ln in lines if ln.ask), Decimal(0)) == \
            money.round_money(net * whole.value / 100, currency)
    rates = tax.breakdown(zip(t.totals, [ln.rate for ln in lines], strict=True), currency)
    assert sum((r.ttc for r in rates), Decimal(0)) == t.total
    for r in rates:
        assert r.ht + r.tva == r.ttc and r.tva >= 0
        assert whole_units(r.ht, currency) and whole_units(r.tva, currency)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=8), st.integers(0, 80_000))
def test_allocate_spreads_exactly_and_never_below_zero(gross, total):
    values = [Decimal(g) for g in gross]
    if total > sum(gross):
        return
    shares = discounts.allocate(values, Decimal(total), "XOF")
    assert sum(shares, Decimal(0)) == total
    assert all(Decimal(0) <= s <= g for s, g in zip(shares, values, strict=True))
