"""On Google Sheets the archive is the empty Google Sheet given (shared with the service account): the close
writes the schema's tabs there, every one protected, and the chain verifies across it (local fake Sheets API)."""

from __future__ import annotations

from datetime import UTC, datetime

from functions.archive import close_year
from functions.archive_read import verify_archives
from functions.books import year_end
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from tests.archive.conftest import fill_year
from tests.conftest import Clock
from tests.store.factory_gsheets import SPREADSHEET_ID, backend_for, fake_api

URL = f"https://docs.google.com/spreadsheets/d/{SPREADSHEET_ID}/edit"


def test_the_archive_is_the_given_google_sheet_protected_and_verified():
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    ids = fill_year(biz, clock)
    before = year_end.figures(biz.load())
    with fake_api(reads_per_minute=10_000, writes_per_minute=10_000) as api:
        report = close_year(biz, 2025, lambda: backend_for(api), URL, spec=URL)
        assert report.moved["prestations"] == 1
        archive = Workbook(backend_for(api))
        assert [p.id for p in archive.load(["prestations"]).all_rows("prestations")] == [ids["done"]]
        sheets = api.spreadsheets[SPREADSHEET_ID].sheets
        data_tabs = [s for s in sheets if s.title in {"Journal", "Caisse", "Réservations", "Mouvements"}]
        assert len(data_tabs) == 4 and all(s.protected_ranges for s in data_tabs)
        opened: list[str] = []
        verdict = verify_archives(biz, lambda spec: opened.append(spec) or backend_for(api))
        assert verdict.ok, verdict.message
        assert opened == [URL]
        refused = [(c.method_id, c.error) for c in api.calls() if c.status in (400, 501)]
        assert not refused
    assert year_end.differences(before, year_end.figures(biz.load())) == []
