"""LibreOffice or Excel saving an old copy of the .xlsx over the toolkit's writes loses nothing."""

from __future__ import annotations

import shutil
from decimal import Decimal

import openpyxl

from functions.business import Business
from functions.state.sqlite import SQLiteStateStore
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend


def test_stale_save_of_the_file_puts_back_app_rows_and_keeps_the_persons_edit(tmp_path, clock):
    path = tmp_path / "boutique.xlsx"
    biz = Business(Workbook(XlsxBackend(path)), SQLiteStateStore(tmp_path / "s.sqlite"), clock=clock,
                   editor=lambda: "Awa")
    biz.init({"business_name": "Boutique Awa"})
    cid = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    biz.sync()
    shutil.copy(path, tmp_path / "opened-in-libreoffice.xlsx")  # the person opens the file…
    sale = biz.revenue("7500", "Awa", description="Vente au comptoir")["caisse_id"]
    pay = biz.record_payment("3000", "Awa", client_id=cid)["caisse_id"]
    # … types a note in their (old) copy and saves it over the file
    wb = openpyxl.load_workbook(tmp_path / "opened-in-libreoffice.xlsx")
    ws = wb["Clients"]
    notes = [c.value for c in ws[1]].index("Notes") + 1
    ws.cell(row=2, column=notes, value="Client fidèle")
    wb.save(path)
    assert biz.load().find("caisse", sale) is None  # the app's rows are gone from the file
    report = biz.sync()
    book = biz.load()
    assert book.find("caisse", sale)["amount"] == Decimal(7500)
    assert book.find("caisse", pay)["amount"] == Decimal(3000)
    assert book.find("clients", cid)["notes"] == "Client fidèle"
    assert book.find("clients", cid)["paid"] == Decimal(3000)
    assert any(t == "Journal" for t, _ in report.restored)
    actions = [(j["source"], j["action"]) for j in book.all_rows("journal")]
    assert ("feuille", "modification") in actions
    verdict = biz.verify_journal()
    assert verdict.ok, verdict.message
    assert biz.sync().writes == 0
