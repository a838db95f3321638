"""A sync with nothing new reads no values (a version check), and never hides what a full sync would find."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal

import pytest

from functions.business import Business
from functions.state.sqlite import SQLiteStateStore
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend
from tests.store.factory_xlsx import XlsxPerson


@pytest.fixture
def shop(tmp_path, clock):
    path = tmp_path / "boutique.xlsx"
    biz = Business(Workbook(XlsxBackend(path)), SQLiteStateStore(tmp_path / "s.sqlite"), clock=clock,
                   editor=lambda: "Awa")
    biz.init({"business_name": "Boutique Awa"})
    biz.add("clients", {"name": "Kofi"}, "Awa")
    biz.sync()
    return biz, XlsxPerson(path), path


def reads(biz: Business) -> int:
    return biz.workbook.backend.requests["read"]


def test_a_second_sync_with_nothing_new_reads_no_value(shop):
    biz, _, _ = shop
    before = reads(biz)
    report = biz.sync()
    assert reads(biz) == before
    assert report.writes == 0 and not report.errors


def test_complete_sync_reads_everything_even_when_nothing_changed(shop):
    biz, _, _ = shop
    before = reads(biz)
    report = biz.sync(complete=True)
    assert reads(biz) > before
    assert report.writes == 0


def test_a_persons_edit_is_seen_by_the_next_sync(shop):
    biz, person, _ = shop
    person.set_cell("Clients", 2, "Notes", "Client fidèle")
    report = biz.sync()
    assert report.journal_rows == 1
    assert [j["changes"] for j in biz.load().all_rows("journal")][-1].startswith("Notes : ∅ → Client fidèle")


def test_an_action_since_the_last_sync_is_merged_by_the_next(shop):
    biz, _, _ = shop
    biz.revenue("7500", "Awa", description="Apport")
    before = reads(biz)
    biz.sync()
    assert reads(biz) > before
    assert biz.sync().writes == 0


def test_rows_still_to_fix_are_reported_again_by_a_quiet_sync(shop):
    biz, person, _ = shop
    person.append_row("Caisse", {"Type": "Dépense", "Montant": 4000, "Description": "Carburant"})
    first = biz.sync()
    assert first.quarantined and first.errors
    before = reads(biz)
    again = biz.sync()
    assert reads(biz) == before
    assert [(e.tab, e.row, e.reason) for e in again.quarantined] == [(e.tab, e.row, e.reason) for e in first.quarantined]
    assert [e.message for e in again.errors] == [e.message for e in first.errors]


def test_a_new_day_recomputes_the_dashboard(shop, clock):
    biz, _, _ = shop
    clock.when += timedelta(days=1)
    before = reads(biz)
    biz.sync()
    assert reads(biz) > before


def test_the_synced_copy_put_back_byte_for_byte_after_an_action_is_a_stale_save(shop, tmp_path):
    biz, _, path = shop
    shutil.copy(path, tmp_path / "copie.xlsx")  # exactly the file the last sync left
    sale = biz.revenue("7500", "Awa", description="Vente au comptoir")["caisse_id"]
    shutil.copy(tmp_path / "copie.xlsx", path)  # same version as at the last sync
    assert biz.load().find("caisse", sale) is None
    biz.sync()
    assert biz.load().find("caisse", sale)["amount"] == Decimal(7500)
    verdict = biz.verify_journal()
    assert verdict.ok, verdict.message


def test_a_dropped_snapshot_is_taken_again(shop):
    from functions.audit import snapshot

    biz, _, _ = shop
    snapshot.drop(biz.state, "clients")
    report = biz.sync()
    assert report.baseline == ["clients"]


def test_a_page_past_its_cache_reads_nothing_while_the_workbook_is_unchanged(shop):
    biz, person, _ = shop
    biz.book(max_age=0)
    before = reads(biz)
    book = biz.book(max_age=0)
    assert reads(biz) == before
    person.set_cell("Clients", 2, "Notes", "Client fidèle")
    fresh = biz.book(max_age=0)
    assert reads(biz) == before + 1
    assert fresh.all_rows("clients")[0]["notes"] == "Client fidèle" != book.all_rows("clients")[0]["notes"]
