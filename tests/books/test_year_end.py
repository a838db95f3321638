"""Clôture d'exercice: a closed year moves to an archive, every live balance stays what it was, and the
Journal's chain stays whole across the cut."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from functions.archive import YearClosedError, close_year, verify_rows
from functions.audit.journal import journal_key
from functions.books import year_end
from functions.business import Business
from functions.errors import InvalidInputError
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from tests.conftest import Clock


@pytest.fixture
def year(tmp_path):
    """An auberge's 2025 in a few rows, then a first sale of 2026."""
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    ama = biz.add("clients", {"name": "Ama Kossi"}, "Awa")["id"]
    kofi = biz.add("clients", {"name": "Kofi Agbo"}, "Awa")["id"]
    done = biz.add_prestation({"client": "Ama Kossi", "client_id": ama, "type": "Chambre", "start": "2025-03-02",
                               "end": "2025-03-04", "total": "50000"}, "Awa")["id"]
    biz.record_payment("50000", "Awa", prestation_id=done, method="Mobile Money")
    biz.set_status(done, "Terminée", "Awa")
    still_open = biz.add_prestation({"client": "Kofi Agbo", "client_id": kofi, "type": "Chambre",
                                     "start": "2025-12-28", "end": "2026-01-03", "total": "90000"}, "Awa")["id"]
    biz.record_payment("30000", "Awa", prestation_id=still_open)
    biz.record_payment("5000", "Awa", client_id=ama)  # on account: Ama's credit
    coca = biz.add("stock", {"article": "Coca", "unit": "pièce", "for_sale": "Oui", "sale_price": "500",
                             "purchase_price": "300"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", "24", "Awa")
    biz.quick_sale([(coca, 4)], "Awa")
    biz.expense("450000", "Loyer", "Awa", method="Virement")  # a method that ends the year below zero
    biz.revenue("100000", "Awa", "Apport", method="Espèces")
    biz.add("agenda", {"title": "Payer le loyer", "date": "2025-04-01", "status": "Fait"}, "Awa")
    biz.add("agenda", {"title": "Repeindre", "date": "2025-11-01"}, "Awa")
    clock.when = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
    biz.quick_sale([(coca, 1)], "Awa")
    return biz, {"done": done, "open": still_open, "ama": ama, "kofi": kofi, "coca": coca}


def test_closing_a_year_keeps_every_live_figure_and_moves_the_closed_rows(year):
    biz, ids = year
    before = year_end.figures(biz.load())
    archive = MemoryBackend()
    report = close_year(biz, 2025, lambda: archive, "ttr-2025.xlsx")
    after_book = biz.load()
    assert year_end.differences(before, year_end.figures(after_book)) == []
    live_prestations = {p.id for p in after_book.all_rows("prestations")}
    assert ids["done"] not in live_prestations and ids["open"] in live_prestations
    assert {r.id for r in Workbook(archive).load(["prestations"]).all_rows("prestations")} == {ids["done"]}
    caisse = after_book.all_rows("caisse")
    assert not [r for r in caisse if r["type"] in ("Dépense", "Revenu")]  # 2025's moved
    assert [r["amount"] for r in caisse if r["prestation_id"] == ids["open"]] == [D(30000)]  # stays with its prestation
    carried = {str(r["method"]): r["amount"] for r in caisse if r["type"] == "À nouveau" and not r["client_id"]}
    assert carried["Virement"] == D(-450000) and carried["Mobile Money"] == D(50000)
    assert {r["title"] for r in after_book.all_rows("agenda")} == {"Repeindre"}
    assert report.moved["prestations"] == 1 and report.moved["journal"] > 10


def test_the_live_journal_verifies_alone_and_the_chain_holds_across_the_archive(year):
    biz, _ids = year
    archive = MemoryBackend()
    close_year(biz, 2025, lambda: archive, "ttr-2025.xlsx")
    verdict = biz.verify_journal()
    assert verdict.ok, verdict.message
    key = journal_key(biz.state)
    archived = [r.values for r in Workbook(archive).load(["journal"]).all_rows("journal")]
    live = [r.values for r in biz.load(["journal"]).all_rows("journal")]
    assert verify_rows(key, archived) is None and verify_rows(key, live) is None
    assert str(archived[-1]["hash"]) in str(live[0]["changes"])  # the checkpoint names the archive's last digest
    biz.quick_sale([(_ids["coca"], 1)], "Awa")  # the chain goes on after the close
    assert biz.verify_journal().ok


def test_closing_twice_moves_nothing_more(year):
    biz, _ids = year
    archive = MemoryBackend()
    close_year(biz, 2025, lambda: archive, "ttr-2025.xlsx")
    with pytest.raises(YearClosedError):
        close_year(biz, 2025, lambda: archive, "ttr-2025.xlsx")


def test_the_current_year_cannot_be_closed(year):
    biz, _ids = year
    with pytest.raises(InvalidInputError, match="pas terminé"):
        close_year(biz, 2026, MemoryBackend, "ttr-2026.xlsx")


def test_a_crash_while_writing_the_archive_leaves_the_live_workbook_as_it_was(year):
    biz, _ids = year
    grids_before = {t: [list(r) for r in g] for t, g in biz.workbook.backend.read(biz.workbook.backend.titles()).items()}

    class Broken(MemoryBackend):
        def write(self, ops):
            raise OSError("disque plein")

    with pytest.raises(OSError):
        close_year(biz, 2025, Broken, "ttr-2025.xlsx")
    after = biz.workbook.backend.read(biz.workbook.backend.titles())
    assert {t: [list(r) for r in g] for t, g in after.items() if t != "Tableau de bord"} == {
        t: g for t, g in grids_before.items() if t != "Tableau de bord"}
    archive = MemoryBackend()
    close_year(biz, 2025, lambda: archive, "ttr-2025.xlsx")  # and the close can be run again
    assert biz.verify_journal().ok


def test_a_preview_moves_nothing(year):
    biz, _ids = year
    titles = biz.workbook.backend.titles()
    before = biz.workbook.backend.read(titles)
    report = close_year(biz, 2025, MemoryBackend, "ttr-2025.xlsx", dry_run=True)
    assert report.moved["caisse"] > 0 and report.dry_run
    assert biz.workbook.backend.read(titles) == before


@pytest.mark.parametrize("every", [3, 5, 7])
def test_sealed_checkpoints_stay_in_place_across_two_closes(year, monkeypatch, every):
    from functions.audit import checkpoint

    biz, ids = year
    monkeypatch.setattr(checkpoint, "EVERY", every)
    clock = biz.clock
    clock.when = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    for _ in range(4):
        biz.quick_sale([(ids["coca"], 1)], "Awa")
    clock.when = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    close_year(biz, 2025, MemoryBackend, "ttr-2025.xlsx")
    assert biz.verify_journal().ok
    biz.expense("1000", "Transport", "Awa")
    biz.expense("2000", "Transport", "Awa")
    close_year(biz, 2026, MemoryBackend, "ttr-2026.xlsx")
    for _ in range(every + 1):
        biz.expense("500", "Transport", "Awa")
    verdict = biz.verify_journal()
    assert verdict.ok, verdict.message
    rows = biz.load(["journal"]).all_rows("journal")
    assert any(r["action"] == checkpoint.ACTION for r in rows[1:])

