"""Unpaid balances by age: the buckets add up to each client's balance, also as of a past date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from functions.books import ledger
from functions.reports.ageing import ageing, bucket
from tests.reports.conftest import TODAY


def test_bucket_edges():
    assert [bucket(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_today_by_hand(kekeli):
    a = ageing(kekeli.book(), TODAY, TODAY)
    rows = {c.name: (c.balance, c.buckets) for c in a.clients}
    assert rows == {
        "Kofi Mensah": (D(80000), (D(30000), D(0), D(50000), D(0))),  # 05/03 (9 days), 10/01 (63 days)
        "Yao": (D(20000), (D(0), D(0), D(0), D(20000))),  # 20/11/2025: 114 days
        "Ama": (D(5000), (D(5000), D(0), D(0), D(0))),  # refunded 5 000 on a stay of 15/02: 27 days
    }
    assert a.totals == (D(35000), D(0), D(50000), D(20000)) and sum(a.totals) == a.total == D(105000)


def test_as_of_a_past_date(kekeli):
    a = ageing(kekeli.book(), date(2026, 2, 16), TODAY)
    # then: Kofi's January stay (37 days) and Yao's (88 days); Ama had paid in full, the refund came later
    assert {c.name: c.buckets for c in a.clients} == {"Kofi Mensah": (D(0), D(50000), D(0), D(0)),
                                                     "Yao": (D(0), D(0), D(20000), D(0))}
    book = kekeli.book()
    caisse = [r for r in book.all_rows("caisse") if r["date"].date() <= date(2026, 2, 16)]
    prestations = [p for p in book.all_rows("prestations") if p["created_at"].date() <= date(2026, 2, 16)]
    totals = ledger.prestation_totals(prestations, book.rows("lines"), caisse)
    balances = ledger.client_totals(book.rows("clients"), prestations, caisse, totals)
    assert a.total == sum((b.balance for b in balances.values() if b.balance > 0), D(0)) == D(70000)


def test_a_payment_on_account_settles_the_oldest_first(kekeli, clock):
    from tests.reports.conftest import at

    at(clock, 2026, 3, 14, 9)
    kekeli.record_payment(60000, "Awa", client_id=kekeli.ids["kofi"], method="Espèces")
    a = ageing(kekeli.book(), TODAY, TODAY)
    kofi = next(c for c in a.clients if c.name == "Kofi Mensah")
    assert kofi.balance == D(20000) and kofi.buckets == (D(20000), D(0), D(0), D(0))
    assert sum(kofi.buckets) == kofi.balance


def test_the_report_ages_as_of_the_end_of_its_period(kekeli):
    from functions.reports import figures, periods

    book = kekeli.book()
    for name, as_of in (("this_month", TODAY), ("last_month", date(2026, 2, 28))):
        r = figures.compute(book, periods.period(name, TODAY), TODAY)
        direct = ageing(book, as_of, TODAY)
        assert r.ageing.as_of == as_of and r.ageing.clients == direct.clients
    assert figures.compute(book, periods.period("last_month", TODAY), TODAY).ageing.total == D(75000)
