"""Issue 12: « the running cash balance is computed in date order … (or the column says it is by date) ».

Caisse rows stay where they were added (an offline sale, a back-dated expense land at the bottom) while the
balance is computed by date, so reading « Solde caisse » down the sheet jumped. The column now says what it
is, « Solde caisse (par date) », and ``ttr init`` renames the old header in place on every backend, its
values kept, without adding a second column.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.schema import Schema, load_schema, renames
from functions.store.workbook import Workbook

OLD, NEW = "Solde caisse", "Solde caisse (par date)"


def old_schema() -> Schema:
    """The sheet contract of a workbook made before the rename."""
    def column(c):
        return dataclasses.replace(c, header=OLD, formerly=()) if c.key == "cash_balance" else c

    return Schema(tuple(dataclasses.replace(t, columns=tuple(column(c) for c in t.columns)) if t.key == "caisse" else t
                        for t in load_schema().tabs))


def balances(grid, header):
    i = grid[0].index(header)
    return [Decimal(str(r[i])) for r in grid[1:] if len(r) > i and r[i] not in (None, "")]


def test_the_caisse_column_says_its_balance_is_by_date():
    col = load_schema().tab("caisse").column("cash_balance")
    assert (col.header, col.formerly) == (NEW, (OLD,))


def test_ttr_init_renames_the_old_header_in_place_and_keeps_its_values(backend_and_person, clock):
    backend, person = backend_and_person
    state = MemoryStateStore()
    old = Business(Workbook(backend, old_schema()), state, clock=clock)
    old.init({"business_name": "Chez Awa", "currency": "XOF"})
    old.revenue("5000", "Awa")
    old.expense("1000", "Transport", "Awa")
    before = person.grid("Caisse")
    where = before[0].index(OLD)
    assert balances(before, OLD) == [5000, 4000]

    biz = Business(Workbook(backend), state, clock=clock)
    report = biz.init()
    assert report.renamed_columns == [("Caisse", OLD, NEW)] and report.changed
    assert ("Caisse", NEW) not in report.added_columns
    after = person.grid("Caisse")
    assert after[0].index(NEW) == where and OLD not in after[0] and len(after[0]) == len(before[0])
    assert balances(after, NEW) == [5000, 4000]

    clock.when += timedelta(hours=1)
    biz.revenue("2000", "Awa")  # written under the new header, in the same column
    assert balances(person.grid("Caisse"), NEW) == [5000, 4000, 6000]
    assert [r["cash_balance"] for r in biz.load(["caisse"]).all_rows("caisse")] == [5000, 4000, 6000]
    assert Business(Workbook(backend), state, clock=clock).init().renamed_columns == []  # once
    assert biz.verify_journal().ok


def test_a_back_dated_row_added_last_is_counted_at_its_date(backend_and_person, clock):
    backend, person = backend_and_person
    biz = Business(Workbook(backend), MemoryStateStore(), clock=clock)
    biz.init({"business_name": "Chez Awa", "currency": "XOF"})
    biz.revenue("5000", "Awa")
    biz.sync()
    day = f"{biz.now() - timedelta(days=2):%d/%m/%Y}"  # typed in the sheet, two days back, below today's row
    person.append_row("Caisse", {"Date": day, "Type": "Dépense", "Montant": 1000, "Moyen": "Espèces",
                                 "Catégorie": "Transport", "Description": "taxi d'avant-hier"})
    biz.sync()
    rows = biz.load(["caisse"]).all_rows("caisse")
    assert [(r["amount"], r["cash_balance"]) for r in rows] == [(5000, 4000), (1000, -1000)]  # by date, not by row


def test_renames_only_a_missing_header_whose_earlier_name_is_there():
    col = load_schema().tab("caisse").column("cash_balance")
    assert renames([col], ["ID", OLD]) == [(1, col)]
    assert renames([col], ["ID", NEW]) == [] and renames([col], ["ID", NEW, OLD]) == [] and renames([col], ["ID"]) == []
