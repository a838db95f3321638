"""Size guard: past a threshold, with a past year that can be closed, the Tableau de bord, the web dashboard
and the morning summary suggest the close; once it is done, they stop."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from functions.archive import close_year
from functions.archive_read import workbook_size
from functions.books import dashboard, year_end
from functions.reminders import messages, rules
from functions.store.backend import MemoryBackend
from tests.archive.conftest import fill_year
from tests.conftest import Clock
from tests.reminders.conftest import make_business


@pytest.fixture
def shop():
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    biz = make_business(clock)
    fill_year(biz, clock)
    return biz, clock


def test_a_large_workbook_with_a_past_year_suggests_the_close_until_it_is_done(shop, monkeypatch):
    biz, clock = shop
    rows = year_end.book_rows(biz.load())
    monkeypatch.setattr(year_end, "ROWS_HINT", rows + 1)
    assert dashboard.kpis(biz.load(), None, {}, biz.now()).size_hint is None  # below the threshold: nothing
    monkeypatch.setattr(year_end, "ROWS_HINT", rows)
    k = dashboard.kpis(biz.load(), None, {}, biz.now())
    assert k.size_hint and "L'exercice 2025 peut être clôturé" in k.size_hint and "ttr cloture 2025" in k.size_hint
    grid = dashboard.grid(biz.load(), None, {}, biz.now())
    assert any(r[0] == "Clôture d'exercice" and "2025" in str(r[2]) for r in grid)
    size = workbook_size(biz)
    assert size.cells is None and size.total_rows == rows and size.closable == 2025
    assert size.rows["Caisse"] == len(biz.load(["caisse"]).all_rows("caisse"))
    book = biz.load()
    summary = next(d for d in rules.due(book, date(2026, 1, 10), rules.Settings.from_book(book))
                   if d.rule == rules.SUMMARY)
    _subject, text = messages.render(rules.SUMMARY, summary.context)
    assert "L'exercice 2025 peut être clôturé" in text
    close_year(biz, 2025, MemoryBackend, "ttr-2025.xlsx")
    monkeypatch.setattr(year_end, "ROWS_HINT", 1)
    assert dashboard.kpis(biz.load(), None, {}, biz.now()).size_hint is None  # nothing left to close
    assert workbook_size(biz).suggestion() is None


def test_google_counts_cells_against_its_limit(shop):
    biz, _clock = shop

    class Grid(MemoryBackend):
        def grid_cells(self, fresh: bool = True) -> int:
            return 6_000_000

    biz.workbook.backend.__class__ = Grid
    size = workbook_size(biz)
    assert size.cells == 6_000_000 and size.cell_percent == 60
    assert size.suggestion() is not None and "6\u202f000\u202f000 cellules (60 %" in size.suggestion()
