"""Rapports over closed years: a period in a closed year reads its archive, and its figures are the same
before and after the close — a period inside the closed year, one spanning the cut, one after it; the
« À nouveau » rows are the opening cash and stock of the new year, never its sales, expenses or movements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from functions.books.ledger import CARRIED
from functions.business import Business
from functions.errors import WorkbookError
from functions.reports import figures, view
from functions.reports.history import period_book
from functions.reports.periods import Period, period
from tests.archive.conftest import xlsx_year  # noqa: F401 - the fixture
from tests.reports.conftest import closed_years

PERIODS = {
    "mars 2025": Period(date(2025, 3, 1), date(2025, 3, 31), "mars"),
    "2025": Period(date(2025, 1, 1), date(2025, 12, 31), "2025"),
    "à cheval": Period(date(2025, 12, 1), date(2026, 1, 31), "déc.–janv."),
    "janvier 2026": Period(date(2026, 1, 1), date(2026, 1, 31), "janvier"),
    "2026": Period(date(2026, 1, 1), date(2026, 12, 31), "2026"),
    "mi-janvier 2026": Period(date(2026, 1, 5), date(2026, 2, 15), "mi-janvier"),
}


def signature(r: figures.Report) -> dict:
    """Every figure of the page (the exports and TRIX read the same ``Report``)."""
    return {"key": view.key_figures(r), "by_kind": r.by_kind, "series": r.series, "categories": r.expenses_by_category,
            "methods": r.by_method, "articles": r.by_article, "types": r.by_type, "clients": r.top_clients,
            "ageing": r.ageing.clients if r.ageing else None, "stock": r.stock.lines, "occupancy": r.occupancy,
            "period": r.period, "tables": [(t["key"], t["rows"]) for t in view.tables(r)]}


def report(biz: Business, p: Period, today: date) -> figures.Report:
    return figures.compute(period_book(biz, p.start), p, today)


@pytest.fixture
def books(tmp_path: Path):
    return closed_years(tmp_path)


def all_figures(biz: Business, periods: dict[str, Period]) -> dict[str, dict]:
    return {name: signature(report(biz, p, date(2027, 2, 1))) for name, p in periods.items()}


def test_a_closed_year_reads_the_same_from_its_archive(books):
    biz, _ids, close, _clock = books
    before = all_figures(biz, PERIODS)
    # 02/03/2025: the stay 50 000, 30 000 on the open one, 5 000 on account, 4 Coca 2 000; rent 45 000
    assert before["mars 2025"]["key"]["chiffre_affaires"] == D(87000)
    assert before["mars 2025"]["key"]["resultat"] == D(42000)
    close(2025)
    live = biz.book()
    assert any(r["type"] == CARRIED for r in live.all_rows("caisse"))
    assert not any(r["type"] == "Dépense" and r["date"].year == 2025 for r in live.all_rows("caisse"))  # moved
    assert all_figures(biz, PERIODS) == before


def test_two_closes_and_a_2025_payment_archived_with_2026(books):
    biz, ids, close, _clock = books
    everything = {**PERIODS, "tout": period("all", date(2027, 2, 1))}
    before = all_figures(biz, everything)
    close(2025)
    close(2026)
    assert not [r for r in biz.book().all_rows("caisse") if r["prestation_id"] == ids["open"]]  # moved with 2026
    assert all_figures(biz, everything) == before


def test_the_opening_rows_are_the_new_years_opening_cash_not_its_sales(books):
    biz, _ids, close, _clock = books
    today = date(2027, 2, 1)
    close(2025)
    january = PERIODS["janvier 2026"]
    r = figures.compute(biz.book(), january, today)  # the live workbook alone: no archive needed for 2026
    assert CARRIED not in r.by_kind
    assert r.revenue == D(500) and r.expenses == D(7000)  # the Coca and the transport of 10/01/2026
    assert r.opening == D(87000) - D(45000)  # the cash of 2025, from the À nouveau rows
    assert r.closing == r.opening + D(500) - D(7000) and r.carried == D(0)
    assert r.top_clients == []  # Ama's account carried forward is no payment of January
    assert [s.moved for s in r.stock.lines] == [D(1)]  # the Coca sold in January, not the 20 carried
    assert [s.quantity for s in r.stock.lines] == [D(19)]


def test_a_live_only_book_across_the_cut_still_ends_on_the_real_cash(books):
    biz, _ids, close, _clock = books
    today = date(2027, 2, 1)
    cut = PERIODS["à cheval"]
    truth = report(biz, cut, today).closing
    close(2025)
    alone = figures.compute(biz.book(), cut, today)  # the archive not read: the À nouveau rows say so
    assert alone.closing == truth and alone.carried != 0
    rows = dict((row[0], row[1]) for row in next(t for t in view.tables(alone) if t["key"] == "caisse")["rows"])
    assert rows["À nouveau d'un exercice clôturé (archive non lue)"] == alone.carried


def test_an_archive_that_cannot_be_read_stops_the_report_with_what_to_do(books):
    biz, _ids, close, _clock = books
    path = close(2025)
    path.unlink()
    with pytest.raises(WorkbookError, match="archive de l'exercice 2025"):
        period_book(biz, date(2025, 3, 1))
    assert period_book(biz, date(2026, 1, 1)) is not None  # a period after the cut needs no archive


def test_ttr_rapport_of_a_closed_month_reads_the_archive_beside_the_workbook(xlsx_year, monkeypatch):  # noqa: F811
    from click.testing import CliRunner

    from functions.cli import main

    biz, _ids, path, state = xlsx_year
    monkeypatch.setenv("TTR_WORKBOOK", str(path))
    monkeypatch.setenv("TTR_STATE", str(state))
    runner = CliRunner()
    march = ["rapport", "--periode", "2025-03-01:2025-03-31"]
    before = runner.invoke(main, march)
    assert before.exit_code == 0, before.output
    assert "Résultat · 42\u00a0000\u00a0FCFA" in before.output  # 87 000 in, 45 000 of rent
    closed = runner.invoke(main, ["cloture", "2025", "-w", str(path), "-s", str(state)])
    assert closed.exit_code == 0, closed.output
    after = runner.invoke(main, march)
    assert after.exit_code == 0, after.output
    assert after.output == before.output
