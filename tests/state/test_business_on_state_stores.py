"""A business day on each state store (SQLite, Firestore emulator): Journal chain, snapshots, numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from functions.business import Business
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook


def test_a_day_of_actions_and_syncs(make_store):
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    biz = Business(Workbook(MemoryBackend()), make_store(), clock=lambda: when, editor=lambda: "Awa")
    biz.init({"business_name": "Chez Awa"})
    biz.sync()
    kofi = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    first = biz.add_prestation({"client_id": kofi, "total": "20000"}, "Awa", paid_now="5000")
    second = biz.add_prestation({"client": "Ama", "total": "3000"}, "Awa")
    assert (first["number"], second["number"]) == ("00001", "00002")
    biz.record_payment("15000", "Awa", prestation_id=first["id"])
    grid = biz.workbook.backend.grid("Clients")
    grid.append(["", "Saisi à la main"])  # a person types a client in the sheet
    report = biz.sync()
    assert len(report.ids_assigned) == 1 and report.writes == 1
    assert biz.sync().writes == 0
    book = biz.load()
    assert book.find("clients", kofi)["balance"] == Decimal(0)
    assert any(j["source"] == "feuille" and j["action"] == "ajout" for j in book.all_rows("journal"))
    verdict = biz.verify_journal()
    assert verdict.ok, verdict.message
