"""The dashboard's passes over the Caisse and the Prestations are kept for the same records (issue 15 item 3):
a record typed again (a hand edit, the same number of rows) or another month gives figures computed anew."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from functions.books import dashboard
from functions.store.workbook import Record


def test_a_caisse_row_replaced_in_place_changes_the_figures(biz, clock):
    biz.expense("1500", "Fournitures", "Awa")
    biz.expense("2500", "Fournitures", "Awa")
    book = biz.load()
    first = dashboard.kpis(book, None, {}, clock())
    assert (first.month_expenses, first.cash) == (Decimal(4000), Decimal(-4000))
    again = dashboard.kpis(biz.load(), None, {}, clock())  # the same records: the same figures
    assert (again.month_expenses, again.cash) == (first.month_expenses, first.cash)
    rows = book.all_rows("caisse")
    edited = [Record(r.tab, r.row, {**r.values, "amount": Decimal(500)}, r.cells) if i == 0 else r
              for i, r in enumerate(rows)]
    typed = replace(book, tabs={**book.tabs, "caisse": replace(book.tabs["caisse"], records=edited)})
    after = dashboard.kpis(typed, None, {}, clock())
    assert (after.month_expenses, after.cash) == (Decimal(3000), Decimal(-3000))
    later = dashboard.kpis(typed, None, {}, clock() + timedelta(days=40))  # next month: none of them
    assert (later.month_expenses, later.cash) == (Decimal(0), Decimal(-3000))


def test_pending_rows_count_on_top_of_the_kept_figures(biz, clock):
    biz.expense("1000", "Fournitures", "Awa")
    book = biz.load()
    dashboard.kpis(book, None, {}, clock())
    extra = Record("caisse", 0, {"id": "KX", "date": clock().replace(tzinfo=None), "type": "Dépense",
                                 "amount": Decimal(250)})
    k = dashboard.kpis(book, None, {"caisse": [extra]}, clock())
    assert (k.month_expenses, k.cash) == (Decimal(1250), Decimal(-1250))
    assert dashboard.kpis(book, None, {}, clock()).cash == Decimal(-1000)
