"""``verify_archives``: the chain across two closed years, and the first break named in French."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.archive import close_year
from functions.archive_read import client_history, closings, open_archives, verify_archives
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from tests.archive.conftest import fill_year
from tests.conftest import Clock


@pytest.fixture
def two_years():
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    ids = fill_year(biz, clock)
    clock.when = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    biz.set_status(ids["open"], "Terminée", "Awa")
    biz.record_payment("60000", "Awa", prestation_id=ids["open"])
    clock.when = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    archives = {"a-2025": MemoryBackend(), "a-2026": MemoryBackend()}
    close_year(biz, 2025, lambda: archives["a-2025"], "a-2025")
    close_year(biz, 2026, lambda: archives["a-2026"], "a-2026")
    return biz, ids, archives


def test_the_chain_verifies_across_two_archives(two_years):
    biz, _ids, archives = two_years
    verdict = verify_archives(biz, archives.__getitem__)
    assert verdict.ok, verdict.message
    assert "2 archive(s) (2025, 2026)" in verdict.message
    assert [y for y, _ in closings(biz.state)] == [2025, 2026]
    assert set(open_archives(biz, archives.__getitem__)) == {2025, 2026}


def test_an_archive_swapped_for_another_breaks_the_chain_between_them(two_years):
    biz, _ids, archives = two_years
    opened = {"a-2025": archives["a-2026"], "a-2026": archives["a-2026"]}
    verdict = verify_archives(biz, opened.__getitem__)
    assert not verdict.ok and "Archive 2025" in verdict.message


def test_a_recorded_row_count_that_differs_is_named(two_years):
    biz, _ids, archives = two_years
    doc = biz.state.get("closings", "2026")
    biz.state.put("closings", "2026", {**doc, "journal_count": doc["journal_count"] + 1})
    verdict = verify_archives(biz, archives.__getitem__)
    assert not verdict.ok and "Archive 2026" in verdict.message and "enregistré" in verdict.message


def test_the_live_journal_edited_is_named_first(two_years):
    biz, _ids, archives = two_years
    book = biz.load(["journal"])
    last = book.all_rows("journal")[-1]
    grid = biz.workbook.backend._grids[book.title("journal")]  # a person edits the cell in the sheet
    header = [str(h) for h in grid[0]]
    grid[last.row - 1][header.index("Changements")] = "modifié à la main"
    verdict = verify_archives(biz, archives.__getitem__)
    assert not verdict.ok and verdict.message.startswith("Classeur : Journal, ligne")


def test_a_client_history_spans_both_archives(two_years):
    biz, ids, archives = two_years
    history = client_history(biz, ids["kofi"], archives.__getitem__)
    assert [(y, [p.id for p in rows]) for y, rows, _ in history] == [(2026, [ids["open"]])]
    assert [y for y, _rows, _ in client_history(biz, ids["ama"], archives.__getitem__)] == [2025]


def test_an_archive_whole_in_itself_but_not_the_one_named_breaks_the_link(two_years):
    biz, _ids, archives = two_years
    later = biz.state.get("closings", "2026")
    doc = biz.state.get("closings", "2025")  # the state rewritten to match another, whole, archive
    biz.state.put("closings", "2025", {**doc, "journal_count": later["journal_count"],
                                       "journal_last": later["journal_last"]})
    opened = {"a-2025": archives["a-2026"], "a-2026": archives["a-2026"]}
    verdict = verify_archives(biz, opened.__getitem__)
    assert not verdict.ok
    assert verdict.message.startswith("Chaîne rompue entre l'archive 2025 et l'archive 2026")


def test_a_period_reads_the_archives_of_the_closed_years_it_covers(two_years):
    from datetime import date

    from functions.archive_read import archived_books

    biz, _ids, archives = two_years
    books = archived_books(biz, date(2026, 1, 1), date(2026, 12, 31), ["caisse"], archives.__getitem__)
    years = {r["date"].year for r in books[0].all_rows("caisse")}  # a 2025 payment went with its 2026 prestation
    assert len(books) == 1 and 2026 in years and max(years) == 2026
    both = archived_books(biz, date(2025, 6, 1), date(2027, 1, 31), ["caisse"], archives.__getitem__)
    assert len(both) == 2
    assert archived_books(biz, date(2027, 1, 1), date(2027, 1, 31), ["caisse"], archives.__getitem__) == []
