"""Clôture de caisse: expected vs counted, the difference as a Caisse correction and a Journal entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.books import closing, ledger
from functions.books.commands import CloseCash
from functions.errors import ConflictError, InvalidInputError


def close(biz, counted, note="", seen=None, key=None):
    return biz.submit(CloseCash(counted, note, seen), "Awa", idempotency_key=key)


def cash(biz):
    """The cash in the drawer: the derived balance of the rows paid in Espèces."""
    return ledger.cash_balance([r for r in biz.load(["caisse"]).all_rows("caisse") if r["method"] == "Espèces"])


def closings(biz):
    return [j for j in biz.load(["journal"]).all_rows("journal") if j["action"] == closing.ACTION]


@pytest.fixture
def day(biz):
    """A day of business: 12 000 in (revenue 10 000 in cash, 2 000 by Mobile Money), 2 500 out."""
    biz.revenue("10000", "Awa", "Ventes du comptoir")
    biz.revenue("2000", "Awa", "Vente", method="Mobile Money")
    biz.expense("2500", "Fournitures", "Awa", "Savon")
    return biz


def test_expected_is_the_cash_in_the_drawer_with_the_other_methods_beside(day):
    exp = closing.expected(day.load(["caisse"]).all_rows("caisse"))
    assert exp.total == Decimal(7500) == cash(day)  # Mobile Money is not in the drawer
    assert exp.all_methods == Decimal(9500)
    assert exp.by_method == {"Espèces": Decimal(7500), "Mobile Money": Decimal(2000)}


@pytest.mark.parametrize("counted, kind, category, amount", [
    ("7000", "Dépense", closing.SHORTAGE, Decimal(500)),
    ("7 700", "Revenu", closing.SURPLUS, Decimal(200)),
])
def test_a_difference_becomes_a_correction_row_so_the_balance_equals_the_count(day, counted, kind, category, amount):
    before = len(day.load(["caisse"]).all_rows("caisse"))
    result = close(day, counted, note="compté par Kofi")
    rows = day.load(["caisse"]).all_rows("caisse")
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row["type"], row["category"], row["amount"], row["method"]) == (kind, category, amount, "Espèces")
    assert row.id == result["caisse_id"] and "compté par Kofi" in row["description"]
    assert cash(day) == Decimal(counted.replace(" ", ""))
    assert row["cash_balance"] == Decimal(counted.replace(" ", "")) + 2000  # Solde caisse: drawer + Mobile Money
    entry = closings(day)[-1]
    assert entry["actor"] == "Awa" and entry["row"] == row.id
    assert entry["changes"].startswith("Attendu : 7500 ; Compté : " + counted.replace(" ", ""))
    assert ("Écart : -500" if kind == "Dépense" else "Écart : +200") in entry["changes"]
    assert day.verify_journal().ok


def test_an_exact_count_records_the_closing_and_adds_no_row(day):
    before = day.load(["caisse"]).all_rows("caisse")
    result = close(day, "7500")
    assert Decimal(result["difference"]) == 0 and result["caisse_id"] == ""
    assert len(day.load(["caisse"]).all_rows("caisse")) == len(before)
    assert closings(day)[-1]["changes"] == "Attendu : 7500 ; Compté : 7500 ; Écart : 0 ; Hors caisse du jour : Mobile Money 2000"


@pytest.mark.parametrize("counted, message", [
    ("", "indiquez le montant compté"),
    ("-100", "négatif"),
    ("beaucoup", "n'est pas un nombre"),
    ("1" * 14, "trop grand"),
])
def test_bad_counts_are_refused_in_french_and_change_nothing(day, counted, message):
    journal = len(day.load(["journal"]).all_rows("journal"))
    with pytest.raises(InvalidInputError, match=message):
        close(day, counted)
    assert cash(day) == Decimal(7500)
    assert len(day.load(["journal"]).all_rows("journal")) == journal


def test_a_ledger_that_moved_since_the_page_was_shown_is_refused(day):
    shown = str(closing.expected(day.load(["caisse"]).all_rows("caisse")).total)
    day.revenue("1000", "Kofi", "Vente pendant le comptage")
    with pytest.raises(ConflictError, match="recomptez"):
        close(day, "7500", seen=shown)
    assert closings(day) == []
    close(day, "8500", seen="8500")
    assert len(closings(day)) == 1


def test_a_double_tap_closes_once(day):
    close(day, "7000", key="cloture-abcdef-1")
    again = close(day, "7000", key="cloture-abcdef-1")
    assert again["replayed"] is True
    assert len(closings(day)) == 1 and cash(day) == Decimal(7000)


def test_a_second_closing_on_a_balanced_cash_adds_nothing(day):
    close(day, "7000")
    close(day, "7000")
    assert cash(day) == Decimal(7000)
    assert [j["changes"].split(" ; ")[2] for j in closings(day)] == ["Écart : -500", "Écart : 0"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ins=st.lists(st.integers(1, 10**6), max_size=4), outs=st.lists(st.integers(1, 10**5), max_size=3),
       counted=st.integers(0, 5 * 10**6))
def test_after_any_closing_the_derived_cash_in_the_drawer_is_the_count(biz, ins, outs, counted):
    from functions.books.records import Ctx
    from functions.store.workbook import Record

    book = biz.load(["caisse"])
    rows = [Record("caisse", i + 2, {"id": f"K{i}", "type": "Revenu", "amount": Decimal(v), "method": "Espèces"})
            for i, v in enumerate(ins)]
    rows += [Record("caisse", 10 + i, {"id": f"D{i}", "type": "Dépense", "amount": Decimal(v), "method": "Espèces"})
             for i, v in enumerate(outs)]
    rows.append(Record("caisse", 20, {"id": "MM", "type": "Revenu", "amount": Decimal(777), "method": "Mobile Money"}))
    from dataclasses import replace

    book = replace(book, tabs={**book.tabs, "caisse": replace(book.tabs["caisse"], records=rows)})
    change = closing.close_cash(book, Ctx("Awa", biz.now(), lambda n: 1), str(counted))
    appended = [Record("caisse", 0, v) for k, v in change.appends if k == "caisse"]
    assert ledger.cash_balance([r for r in rows + appended if r["method"] == "Espèces"]) == Decimal(counted)
    assert len(appended) == (0 if counted == sum(ins) - sum(outs) else 1)
    assert [j.action for j in change.journal][0] == closing.ACTION
