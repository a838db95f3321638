"""A stale save merged three ways: the app's updates come back, the person's edits stay, conflicts are listed.

On the in-memory backend the old copy is a copy of the grids; on .xlsx it is a copy of the file saved back
over it (openpyxl, and a real LibreOffice save: ``soffice --headless --convert-to xlsx``, installed by
.ci/run; skipped with the reason where it is absent). Google Sheets has no stale
save (nobody writes a whole old copy of the spreadsheet back), so the case does not apply there.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from functions.business import Business
from functions.state.sqlite import SQLiteStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend

D = Decimal
SUMMARY = "copie ancienne enregistrée par-dessus : "


class MemoryCopy:
    """The person's old copy, on the in-memory backend."""

    def __init__(self, biz):
        self.backend = biz.workbook.backend
        self.grids = copy.deepcopy(self.backend._grids)

    def set(self, title, rid, header, value):
        g = self.grids[title]
        col = g[0].index(header)
        row = next(r for r in g[1:] if r and r[0] == rid)
        row += [None] * (col + 1 - len(row))
        row[col] = value

    def save_over(self):
        self.backend._grids = self.grids


class XlsxCopy:
    """The person's old copy of the .xlsx file, edited with openpyxl and saved over the file."""

    def __init__(self, biz, path, soffice=None):
        self.path, self.soffice = path, soffice
        self.copy = path.with_name("copie-" + path.name)
        shutil.copy(path, self.copy)
        self.edits = []

    def set(self, title, rid, header, value):
        self.edits.append((title, rid, header, value))

    def save_over(self):
        wb = openpyxl.load_workbook(self.copy)
        for title, rid, header, value in self.edits:
            ws = wb[title]
            col = [c.value for c in ws[1]].index(header) + 1
            row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == rid)
            ws.cell(row=row, column=col, value=value)
        wb.save(self.copy)
        if self.soffice is None:
            shutil.copy(self.copy, self.path)
            return
        out = self.path.parent / "lo"
        out.mkdir()
        profile = (self.path.parent / "lo-profile").as_uri()  # its own profile: no lock shared with another soffice
        subprocess.run([self.soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx",
                        "--outdir", str(out), str(self.copy)], check=True, timeout=120, capture_output=True)
        shutil.copy(out / self.copy.name, self.path)  # LibreOffice wrote the whole file back


def make(kind, tmp_path, clock):
    state = SQLiteStateStore(tmp_path / "s.sqlite")
    if kind == "memory":
        backend = MemoryBackend()
    else:
        backend = XlsxBackend(tmp_path / "auberge.xlsx")
    biz = Business(Workbook(backend), state, clock=clock, editor=lambda: None)
    biz.init({"business_name": "Auberge Awa", "business_type": "Auberge", "address": "Bè, Lomé"})
    return biz


def old_copy(kind, biz, tmp_path):
    if kind == "memory":
        return MemoryCopy(biz)
    if kind == "libreoffice":
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            pytest.skip("LibreOffice (soffice) n'est pas installé sur cette machine : enregistrement réel non testé")
        return XlsxCopy(biz, tmp_path / "auberge.xlsx", soffice)
    return XlsxCopy(biz, tmp_path / "auberge.xlsx")


@pytest.mark.parametrize("kind", ["memory", "xlsx", "libreoffice"])
def test_stale_save_keeps_the_apps_updates_and_the_persons_edits(kind, tmp_path, clock):
    biz = make(kind, tmp_path, clock)
    kofi = biz.add("clients", {"name": "Kofi", "phone": "+22890112233"}, "Awa")["id"]
    pid = biz.add_prestation({"client_id": kofi, "total": "10000", "start": "2026-03-14"}, "Awa")["id"]
    aid = biz.add("agenda", {"title": "Livrer le linge", "date": "2026-03-15"}, "Awa")["id"]
    biz.sync()
    journal_before = len(biz.load(["journal"]).all_rows("journal"))

    stale = old_copy(kind, biz, tmp_path)  # the person opens the file…
    biz.set_status(pid, "Confirmée", "Awa")  # … while the app records:
    biz.update("clients", kofi, {"notes": "Client fidèle"}, "Awa")
    biz.update("agenda", aid, {"status": "Fait"}, "Awa")
    biz.set_setting("address", "Rue 12, Tokoin, Lomé", "Awa")
    biz.update("prestations", pid, {"notes": "Arrivée tardive"}, "Awa")
    pay = biz.record_payment("3000", "Awa", prestation_id=pid)["caisse_id"]
    app_rows = len(biz.load(["journal"]).all_rows("journal"))
    stale.set("Clients", kofi, "Téléphone", "+22899999999")  # the person's own edit
    stale.set("Réservations", pid, "Notes", "Chambre 4")  # changed by both
    stale.save_over()
    assert biz.load().find("prestations", pid)["status"] == "En attente"  # reverted by the save

    report = biz.sync()
    book = biz.load()
    p = book.find("prestations", pid)
    assert p["status"] == "Confirmée"
    assert p["notes"] == "Arrivée tardive"  # changed by both: the app's value, listed
    assert report.conflicts == [("Réservations", pid, "Notes", "Chambre 4", "Arrivée tardive")]
    assert book.find("clients", kofi)["notes"] == "Client fidèle"
    assert book.find("clients", kofi)["phone"] == "+22899999999"  # the person's edit kept
    assert book.find("agenda", aid)["status"] == "Fait"
    assert book.settings["address"] == "Rue 12, Tokoin, Lomé"
    assert book.find("caisse", pay)["amount"] == D(3000) and p["paid"] == D(3000)

    entries = book.all_rows("journal")
    assert len(entries) > app_rows > journal_before
    added = entries[app_rows:]
    fusion = [j for j in added if j["action"] == "fusion"]
    assert len(fusion) == 1 and fusion[0]["source"] == "système"
    assert fusion[0]["changes"].startswith(f"{SUMMARY}{report.merged} changements de l'application rétablis")
    assert report.merged == 5  # status, client notes, agenda status, address, the payment row
    assert "Réservations " + pid in fusion[0]["changes"]
    sheet_edits = [j for j in added if j["source"] == "feuille"]
    assert [(j["action"], j["row"]) for j in sheet_edits] == [("modification", kofi)]
    assert "Téléphone" in sheet_edits[0]["changes"] and "Notes" not in sheet_edits[0]["changes"]
    assert sheet_edits[0]["actor"] == "inconnu"
    assert not any(j["source"] == "feuille" and j["row"] in (pid, aid) for j in added)
    assert any("Copie ancienne enregistrée par-dessus" in line for line in report.lines())
    verdict = biz.verify_journal()
    assert verdict.ok, verdict.message
    assert biz.sync().writes == 0


def test_stale_copy_older_than_the_last_sync_still_merges(tmp_path, clock):
    biz = make("memory", tmp_path, clock)
    pid = biz.add_prestation({"client": "Ama", "total": "5000", "start": "2026-03-14"}, "Awa")["id"]
    biz.sync()
    stale = MemoryCopy(biz)
    biz.set_status(pid, "Confirmée", "Awa")
    biz.sync()  # a sync between the copy and the save: the patch is in the history now
    biz.set_status(pid, "Effectuée", "Awa")
    stale.save_over()
    report = biz.sync()
    assert biz.load().find("prestations", pid)["status"] == "Effectuée"
    assert report.merged >= 1 and report.conflicts == []
    assert biz.verify_journal().ok


def test_snapshot_history_is_bounded(tmp_path, clock, monkeypatch):
    from functions.audit import snapshot

    monkeypatch.setattr(snapshot, "HISTORY", 5)
    biz = make("memory", tmp_path, clock)
    cid = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    for n in range(8):
        biz.update("clients", cid, {"notes": f"note {n}"}, "Awa")
        biz.sync()
    kept = snapshot.history(biz.state)
    assert len(kept) == 5
    assert kept[-1]["rows"][0][2] == {"notes": "note 7"}


def test_history_keeps_no_computed_columns_and_a_bounded_number_of_rows(tmp_path, clock, monkeypatch):
    from functions.audit import snapshot

    monkeypatch.setattr(snapshot, "HISTORY_ROWS", 6)
    biz = make("memory", tmp_path, clock)
    cid = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    for _ in range(6):
        biz.record_payment("1000", "Awa", client_id=cid)
        biz.sync()
    kept = snapshot.history(biz.state)
    assert 0 < sum(len(d["rows"]) for d in kept) <= 6
    computed = {"paid", "balance", "billed", "cash_balance", "receipt"}
    assert not any(set(row[2]) & computed for d in kept for row in d["rows"])


def test_file_kept_open_while_the_sync_named_a_typed_row_is_saved_again_without_duplicates(tmp_path, clock):
    """LibreOffice stays open: the person types a row and saves, the sync gives it an ID (and a N°, a client);
    the person goes on typing in their copy, which never saw the ID, and saves again."""
    biz = make("memory", tmp_path, clock)
    biz.sync()
    stale = MemoryCopy(biz)
    row = [None, None, "Ama", None, "Chambre", "14/03/2026", None, None, 8000]
    biz.workbook.backend.grid("Réservations").append(list(row))
    stale.grids["Réservations"].append(list(row))
    biz.sync()  # the first save was taken: an ID, a N°, a new client Ama
    p = biz.load().rows("prestations")[0]
    assert p.id and p["number"] and p["client_id"]
    typed = stale.grids["Réservations"][-1]
    typed += [None] * (13 - len(typed))
    typed[stale.grids["Réservations"][0].index("Notes")] = "Chambre 4"  # typed in the copy that never saw the ID
    stale.save_over()
    report = biz.sync()
    book = biz.load()
    assert [(x.id, x["number"], x["client_id"], x["notes"]) for x in book.rows("prestations")] == [
        (p.id, p["number"], p["client_id"], "Chambre 4")]
    assert [c.id for c in book.rows("clients")] == [p["client_id"]]
    assert report.ids_assigned == [] and report.merged >= 2
    edits = [j for j in book.all_rows("journal") if j["source"] == "feuille" and j["action"] == "modification"]
    assert [(j["row"], j["changes"]) for j in edits][-1] == (p.id, "Notes : ∅ → Chambre 4")
    assert biz.verify_journal().ok
    assert biz.sync().writes == 0
