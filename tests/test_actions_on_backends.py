"""User actions through ``Business`` on the real backends: one write each, all or nothing, rows by id."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest

from functions.business import Business
from functions.errors import BackendError
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Workbook


@pytest.fixture(params=["xlsx", "gsheets"])
def shop(request, tmp_path, clock):
    module = importlib.import_module(f"tests.store.factory_{request.param}")
    with module.make(tmp_path) as (backend, person):
        biz = Business(Workbook(backend), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
        biz.init({"business_name": "Boutique Awa", "business_type": "Boutique", "currency": "XOF"})
        kofi = biz.add("clients", {"name": "Kofi", "phone": "+22890112233"}, "Awa")["id"]
        coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
        pain = biz.add("stock", {"article": "Pain", "for_sale": "Oui", "sale_price": "250"}, "Awa")["id"]
        biz.stock_adjust(coca, "Entrée", 10, "Awa")
        biz.stock_adjust(pain, "Entrée", 10, "Awa")
        sale = biz.add_prestation({"client_id": kofi, "total": "9000"}, "Awa")["id"]
        yield {"biz": biz, "backend": backend, "person": person, "kind": request.param, "kofi": kofi,
               "coca": coca, "pain": pain, "sale": sale}


def batch_updates(shop):
    if shop["kind"] != "gsheets":
        return None
    return len(shop["person"].api.calls("sheets.spreadsheets.batchUpdate"))


ACTIONS = {
    "add client": lambda s: s["biz"].add("clients", {"name": "Ama"}, "Awa"),
    "payment": lambda s: s["biz"].record_payment("4000", "Awa", prestation_id=s["sale"]),
    "quick sale": lambda s: s["biz"].quick_sale([(s["coca"], 2), (s["pain"], 1)], "Awa"),
    "status change": lambda s: s["biz"].set_status(s["sale"], "Confirmée", "Awa"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_is_one_write_request(shop, action):
    backend = shop["backend"]
    writes, batches = backend.requests["write"], batch_updates(shop)
    ACTIONS[action](shop)
    assert backend.requests["write"] == writes + 1
    if batches is not None:
        assert batch_updates(shop) == batches + 1
    assert shop["biz"].verify_journal().ok


def fail_the_write(shop, monkeypatch):
    if shop["kind"] == "gsheets":
        shop["person"].api.fail_next(403, message="The caller does not have permission", kind="write")
    else:
        import functions.store.xlsx as xlsx

        def broken(fd):
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(xlsx, "_fsync", broken)


@pytest.mark.parametrize("action", ["payment", "quick sale", "status change"])
def test_a_failed_write_leaves_every_tab_and_the_journal_as_they_were(shop, action, monkeypatch):
    biz, backend = shop["biz"], shop["backend"]
    before = backend.read()
    fail_the_write(shop, monkeypatch)
    with pytest.raises((BackendError, OSError)):
        ACTIONS[action](shop)
    monkeypatch.undo()
    assert backend.read() == before
    assert biz.verify_journal().ok
    ACTIONS[action](shop)  # and the next attempt goes through, chained to the same Journal
    assert biz.verify_journal().ok


def test_status_change_lands_on_its_row_when_a_person_sorts_and_inserts_meanwhile(shop):
    biz, person = shop["biz"], shop["person"]
    other = biz.add_prestation({"client": "Zoé", "total": "100"}, "Awa")["id"]

    def person_edits():
        person.sort("Ventes", "Client", reverse=True)
        person.insert_blank_rows("Ventes", 2, 3)

    biz.recorder.before_write = person_edits
    biz.set_status(shop["sale"], "Terminée", "Awa")
    biz.recorder.before_write = None
    rows = {p.id: p for p in biz.load().rows("prestations")}
    assert rows[shop["sale"]]["status"] == "Terminée" and rows[other]["status"] == "En attente"


def test_balances_and_formula_text_on_the_backend(shop):
    biz = shop["biz"]
    cid = biz.add("clients", {"name": '=IMPORTXML("http://x";A1)', "phone": "007"}, "Awa")["id"]
    biz.record_payment("2500", "Awa", prestation_id=shop["sale"], method="Mobile Money")
    book = biz.load()
    assert book.find("clients", cid)["name"] == '=IMPORTXML("http://x";A1)'
    assert book.find("clients", cid)["phone"] == "007"
    assert shop["person"].formulas("Clients") == []
    p = book.find("prestations", shop["sale"])
    assert (p["paid"], p["balance"]) == (Decimal(2500), Decimal(6500))
    assert book.find("clients", shop["kofi"])["balance"] == Decimal(6500)


def test_sheet_edits_are_journaled_with_the_drive_editor_on_google(tmp_path, clock):
    from tests.store.factory_gsheets import SPREADSHEET_ID, make

    with make(tmp_path) as (backend, person):
        biz = Business(Workbook(backend), MemoryStateStore(), clock=clock)  # editor: Drive revisions
        biz.init({"business_name": "Boutique Awa"})
        biz.sync()
        person.api.spreadsheets[SPREADSHEET_ID].revisions = [
            {"id": "7", "modifiedTime": "2026-03-14T09:00:00.000Z",
             "lastModifyingUser": {"displayName": "Ama Koffi", "emailAddress": "ama@example.tg"}}]
        person.append_row("Clients", {"Nom": "Saisi par Ama"})
        report = biz.sync()
        assert report.writes == 1 and len(report.ids_assigned) == 1
        entry = biz.load(["journal"]).all_rows("journal")[-1]
        assert (entry["actor"], entry["source"], entry["action"]) == ("Ama Koffi", "feuille", "ajout")
        assert biz.sync().writes == 0


def test_a_total_typed_in_the_sheet_stands_when_an_action_comes_before_the_sync(shop):
    """The owner types a new Montant total on a prestation that has lines; an employee records a payment
    before the next sync. The typed total stands (an « Ajustement » line, journaled), the payment is counted
    on it: the client is asked for the right balance."""
    biz, person = shop["biz"], shop["person"]
    pid = biz.add_prestation({"client_id": shop["kofi"], "start": "2026-03-14"}, "Awa",
                             lines=[{"article": "Chambre", "quantity": "2", "unit_price": "15000"}])["id"]
    biz.sync()
    title = biz.load(["prestations"]).title("prestations")
    row = next(i + 1 for i, r in enumerate(person.grid(title)) if r and r[0] == pid)
    person.set_cell(title, row, "Montant total", 36000)
    biz.record_payment("10000", "Awa", prestation_id=pid)
    book = biz.load()
    p = book.find("prestations", pid)
    assert (p["total"], p["paid"], p["balance"]) == (Decimal(36000), Decimal(10000), Decimal(26000))
    adjust = [r for r in book.rows("lines") if r["prestation_id"] == pid and r["article"] == "Ajustement"]
    assert len(adjust) == 1 and adjust[0]["unit_price"] == Decimal(6000)
    assert any(j["action"] == "ajustement" for j in book.rows("journal"))
    assert biz.sync().adjusted == [] and biz.verify_journal().ok
