"""Rapports figures on the Résidence Kékéli fixture, computed by hand (see conftest), and equal to the ledgers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from functions.books import ledger
from functions.reports import figures, periods
from tests.reports.conftest import TODAY


def report(biz, name: str, **kw):
    return figures.compute(biz.book(), periods.period(name, TODAY, kw.pop("start", None), kw.pop("end", None)),
                           TODAY, **kw)


def test_last_month_profit_and_loss_by_hand(kekeli):
    r = report(kekeli, "last_month")
    assert (r.period.start, r.period.end) == (date(2026, 2, 1), date(2026, 2, 28))
    # 75 000 paid by Ama + 2 300 quick sale + 5 000 revenue − 5 000 refunded
    assert r.revenue == D(77300)
    assert r.expenses_by_category == [("Loyer", D(40000))]
    assert r.expenses == D(40000) and r.result == D(37300)
    assert (r.opening, r.money_in, r.money_out, r.closing) == (D(10000), D(82300), D(45000), D(47300))


def test_this_month_by_hand(kekeli):
    r = report(kekeli, "this_month")
    assert r.revenue == D(22500)  # 2 500 quick sale + 20 000 paid by Kofi
    assert r.expenses_by_category == [("Fournitures", D(12000)), ("Transport", D(3000))]
    assert r.result == D(7500) and r.opening == D(47300) and r.closing == D(54800)
    assert r.by_method == [("Carte", D(20000), D(0)), ("Mobile Money", D(2500), D(0))]
    assert r.by_type == [("Chambre double", 1, D(50000), D(20000))]  # the cancelled suite is not a sale
    assert r.top_clients == [("Kofi Mensah", D(50000), D(20000))]


def test_sales_by_article_share_the_quick_sale_amount(kekeli):
    r = report(kekeli, "this_year")
    assert r.by_article == [("Chambre double", D(2), D(50000)), ("Savon", D(8), D(4000)), ("Eau", D(2), D(800))]
    quick = sum((ledger.amount(x) for x in kekeli.book().all_rows("caisse") if x["type"] == "Vente"), D(0))
    assert sum((a for n, _, a in r.by_article if n != "Chambre double"), D(0)) == quick == D(4800)


def test_payment_methods_by_hand(kekeli):
    r = report(kekeli, "last_month")
    assert dict((m, (i, o)) for m, i, o in r.by_method) == {
        "Mobile Money": (D(75000), D(0)), "Virement": (D(5000), D(0)), "Espèces": (D(2300), D(5000))}


def test_series_by_day_add_up_to_the_profit_and_loss(kekeli):
    r = report(kekeli, "last_month")
    assert r.grain == "day" and len(r.series) == 28
    by_day = {b.start: (b.sales, b.expenses) for b in r.series}
    assert by_day[date(2026, 2, 5)] == (D(5000), D(40000))
    assert by_day[date(2026, 2, 20)] == (D(-5000), D(0))
    assert sum((b.sales for b in r.series), D(0)) == r.revenue
    assert sum((b.expenses for b in r.series), D(0)) == r.expenses
    year = report(kekeli, "this_year")
    assert year.grain == "week" and year.series[0].start == date(2025, 12, 29)
    assert sum((b.sales for b in year.series), D(0)) == year.revenue == D(99800)
    months = report(kekeli, "this_year", grain="month")
    assert [(b.start.month, b.sales, b.expenses) for b in months.series] == [
        (1, D(0), D(0)), (2, D(77300), D(40000)), (3, D(22500), D(15000))]


def test_report_totals_equal_the_ledgers(kekeli):
    book = kekeli.book()
    r = report(kekeli, "all")
    caisse = book.all_rows("caisse")
    assert r.closing == ledger.cash_balance(caisse)
    assert r.result == r.money_in - r.money_out == ledger.cash_balance(caisse) - r.opening
    assert sum((i - o for _, i, o in r.by_method), D(0)) == r.revenue
    qty = ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))
    assert {s.article: s.quantity for s in r.stock.lines} == {"Savon": qty[kekeli.ids["soap"]],
                                                             "Eau": qty[kekeli.ids["water"]]}
    totals = ledger.prestation_totals(book.all_rows("prestations"), book.rows("lines"), caisse, book.codec.quantum)
    clients = ledger.client_totals(book.rows("clients"), book.all_rows("prestations"), caisse, totals)
    assert r.ageing.total == sum((c.balance for c in clients.values() if c.balance > 0), D(0)) == D(105000)


def test_stock_value_and_movers_by_hand(kekeli):
    r = report(kekeli, "this_month")
    assert r.stock.value == D(12 * 300 + 10 * 250)
    assert [s.article for s in r.stock.fastest()] == ["Savon"]
    assert [(s.article, s.moved) for s in r.stock.slowest()] == [("Eau", D(0)), ("Savon", D(5))]
    february = report(kekeli, "last_month")  # at the end of February: 17 soaps, 10 bottles
    assert february.stock.value == D(17 * 300 + 10 * 250)


def test_occupancy_of_a_guesthouse_by_hand(kekeli):
    r = report(kekeli, "last_month")
    # Ama 15→18/02: 3 nights; no « Nombre de chambres »: the 3 room types count one room each
    assert (r.occupancy.rooms, r.occupancy.rooms_from_types) == (3, True)
    assert (r.occupancy.nights_sold, r.occupancy.nights_available) == (3, 84)
    kekeli.set_setting("rooms", "6", "Awa")
    r = report(kekeli, "this_month")  # Kofi 05→07/03: 2 nights; the cancelled suite: none
    assert (r.occupancy.rooms, r.occupancy.nights_sold, r.occupancy.nights_available) == (6, 2, 6 * 14)
    assert r.occupancy.rate == (D(2) / D(84)).quantize(D("0.0001"))


def test_a_shop_has_no_occupancy(biz):
    biz.set_setting("business_type", "Boutique", "Awa")
    assert report(biz, "this_month").occupancy is None


def test_investment_returns(kekeli):
    [i] = report(kekeli, "this_month").investments
    assert (i.project, i.initial, i.expected, i.gain, i.roi) == ("Climatiseurs", D(400000), D(500000), D(100000),
                                                                  D("0.25"))


def test_custom_period_and_bad_dates(kekeli):
    r = report(kekeli, "", start="2026-02-15", end="2026-02-20")
    assert r.revenue == D(70000) and r.grain == "day" and len(r.series) == 6
    import pytest

    from functions.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="avant son début"):
        periods.period(None, TODAY, "2026-03-01", "2026-02-01")
