"""The sync on the in-memory backends: what a person typed is completed, journaled and never lost."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from functions.errors import ConflictError

D = Decimal


def person_adds(biz, title, **values):
    g = biz.workbook.backend.grid(title)
    g.append([values.get(str(h)) for h in g[0]])
    return len(g)  # sheet row


def person_sets(biz, title, row_id, header, value):
    g = biz.workbook.backend.grid(title)
    col = g[0].index(header)
    row = next(r for r in g[1:] if r and r[0] == row_id)
    while len(row) <= col:
        row.append(None)
    row[col] = value


def journal(biz):
    return biz.load(["journal"]).all_rows("journal")


@pytest.fixture
def synced(biz):
    biz.sync()
    return biz


def test_sync_with_nothing_new_writes_nothing(synced):
    writes = synced.workbook.backend.requests["write"]
    reads = synced.workbook.backend.requests["read"]
    report = synced.sync()
    assert report.writes == 0 and synced.workbook.backend.requests["write"] == writes
    assert synced.workbook.backend.requests["read"] == reads + 1  # one read of every tab


def test_rows_typed_by_hand_get_ids_and_are_journaled_with_the_editor(synced):
    row = person_adds(synced, "Clients", Nom="Ama Sika", Téléphone="+22891000000")
    report = synced.sync()
    assert report.writes == 1 and len(report.ids_assigned) == 1
    title, at, rid = report.ids_assigned[0]
    assert (title, at) == ("Clients", row) and rid.startswith("C")
    g = synced.workbook.backend.grid("Clients")
    assert g[row - 1][0] == rid
    j = journal(synced)[-1]
    assert (j["actor"], j["source"], j["action"], j["row"]) == ("Awa (feuille)", "feuille", "ajout", rid)
    assert "Nom : Ama Sika" in j["changes"]
    assert synced.sync().writes == 0


def test_prestation_typed_with_a_client_name_is_linked_or_creates_the_client(synced):
    kofi = synced.add("clients", {"name": "Kofi Mensah"}, "Awa")["id"]
    person_adds(synced, "Réservations", **{"Client": "KOFI mensah", "Montant total": 10000, "Statut": "Confirmée"})
    person_adds(synced, "Réservations", **{"Client": "Yawa Nouvelle", "Montant total": 5000})
    synced.sync()
    book = synced.load()
    by_client = {p["client"]: p for p in book.rows("prestations")}
    assert by_client["KOFI mensah"]["client_id"] == kofi
    yawa = next(c for c in book.rows("clients") if c["name"] == "Yawa Nouvelle")
    assert by_client["Yawa Nouvelle"]["client_id"] == yawa.id
    assert next(c for c in book.rows("clients") if c.id == kofi)["billed"] == D(10000)
    texts = [j["changes"] for j in journal(synced)]
    assert any("client « Kofi Mensah » existant" in t for t in texts)
    assert any("nouveau client « Yawa Nouvelle »" in t for t in texts)


def test_direct_edits_are_journaled_old_to_new(synced):
    cid = synced.add("clients", {"name": "Kofi", "phone": "+22890000000"}, "Awa")["id"]
    person_sets(synced, "Clients", cid, "Téléphone", "+22899999999")
    person_sets(synced, "Clients", cid, "Notes", "Payé en retard")
    synced.sync()
    j = journal(synced)[-1]
    assert (j["action"], j["source"], j["row"]) == ("modification", "feuille", cid)
    assert "Téléphone : +22890000000 → +22899999999" in j["changes"]
    assert "Notes : ∅ → Payé en retard" in j["changes"]


def test_deleted_rows_journaled_and_ledger_rows_put_back(synced):
    cid = synced.add("clients", {"name": "Kofi"}, "Awa")["id"]
    kid = synced.expense("2500", "Transport", "Awa")["caisse_id"]
    g = synced.workbook.backend.grid("Clients")
    g[:] = [r for r in g if not r or r[0] != cid]
    g = synced.workbook.backend.grid("Caisse")
    g[:] = [r for r in g if not r or r[0] != kid]
    report = synced.sync()
    actions = {(j["action"], j["row"]) for j in journal(synced)}
    assert ("suppression", cid) in actions and ("restauration", kid) in actions
    assert ("Caisse", kid) in report.restored
    assert synced.load().find("caisse", kid)["amount"] == D(2500)


def test_hand_edits_of_computed_columns(synced):
    sid = synced.add("stock", {"article": "Riz", "unit": "kg"}, "Awa")["id"]
    synced.stock_adjust(sid, "Entrée", 50, "Awa")
    cid = synced.add("clients", {"name": "Kofi"}, "Awa")["id"]
    person_sets(synced, "Stock", sid, "Quantité", 47)  # counted by hand
    person_sets(synced, "Clients", cid, "Solde", 123)  # a computed column typed over
    row = person_adds(synced, "Réservations", **{"Client": "Kofi", "Montant total": 8000, "Payé": 3000})
    synced.sync()
    book = synced.load()
    assert book.find("stock", sid)["quantity"] == D(47)
    inv = [m for m in book.rows("movements") if m["reason"] == "Inventaire"]
    assert [m["quantity"] for m in inv] == [D(-3)]
    assert book.find("clients", cid)["balance"] == D(5000)  # restored (and now 8000 billed − 3000 paid)
    p = next(p for p in book.rows("prestations") if p.row == row)
    assert (p["paid"], p["balance"]) == (D(3000), D(5000))
    enc = [k for k in book.rows("caisse") if k["prestation_id"] == p.id]
    assert [(k["type"], k["amount"]) for k in enc] == [("Encaissement", D(3000))]
    texts = " | ".join(j["changes"] for j in journal(synced))
    assert "Solde est calculé : 123 saisi" in texts
    assert synced.sync().writes == 0


def test_bad_rows_are_reported_and_do_not_stop_the_others(synced):
    person_adds(synced, "Caisse", Date="hier", Type="Dépense", Montant=100)
    person_adds(synced, "Caisse", Date="14/03/2026", Type="Dépense", Montant="beaucoup")
    person_adds(synced, "Clients", Nom="Bonne Ligne")
    report = synced.sync()
    messages = [e.message for e in report.errors]
    assert any(m.startswith("Caisse, ligne 2 :") and "Date" in m for m in messages)
    assert any(m.startswith("Caisse, ligne 3 :") and "Montant" in m for m in messages)
    assert any(c["name"] == "Bonne Ligne" and c.id for c in synced.load().rows("clients"))


def test_stale_save_puts_back_the_app_rows_and_keeps_the_persons_edit(synced):
    cid = synced.add("clients", {"name": "Kofi"}, "Awa")["id"]
    backend = synced.workbook.backend
    stale = copy.deepcopy(backend._grids)  # LibreOffice opened the file here
    sale = synced.expense("1000", "Transport", "Awa")["caisse_id"]
    synced.record_payment("5000", "Awa", client_id=cid)
    # ... then saves its old copy, with one edit of its own
    backend._grids = stale
    person_sets(synced, "Clients", cid, "Notes", "Client fidèle")
    report = synced.sync()
    book = synced.load()
    assert book.find("caisse", sale) is not None
    assert sum(1 for k in book.rows("caisse") if k["type"] == "Encaissement") == 1
    assert book.find("clients", cid)["notes"] == "Client fidèle"
    assert book.find("clients", cid)["paid"] == D(5000)
    assert any(t == "Journal" for t, _ in report.restored)
    verdict = synced.verify_journal()
    assert verdict.ok, verdict.message


def test_status_change_lands_on_the_right_row_when_a_person_sorts_meanwhile(synced):
    ids = [synced.add_prestation({"client": n, "total": "1000"}, "Awa")["id"] for n in ("Zoé", "Awa", "Moussa")]
    grid = synced.workbook.backend.grid("Réservations")

    def person_sorts():
        grid[1:] = sorted(grid[1:], key=lambda r: r[2])

    synced.recorder.before_write = person_sorts
    synced.set_status(ids[1], "Confirmée", "Awa")
    synced.recorder.before_write = None
    status = {p.id: p["status"] for p in synced.load().rows("prestations")}
    assert status == {ids[0]: "En attente", ids[1]: "Confirmée", ids[2]: "En attente"}


def test_status_change_refused_when_a_person_changed_it_meanwhile(synced):
    pid = synced.add_prestation({"client": "Awa", "total": "1000"}, "Awa")["id"]

    def person_edits():
        person_sets(synced, "Réservations", pid, "Statut", "Annulée")

    synced.recorder.before_write = person_edits
    before_journal = len(journal(synced))
    with pytest.raises(ConflictError):
        synced.set_status(pid, "Confirmée", "Awa")
    synced.recorder.before_write = None
    assert synced.load().find("prestations", pid)["status"] == "Annulée"
    assert len(journal(synced)) == before_journal
    assert synced.verify_journal().ok


def test_dashboard_tab_lists_one_item_per_line(synced):
    sid = synced.add("stock", {"article": "Riz", "unit": "kg", "threshold": "10"}, "Awa")["id"]
    synced.stock_adjust(sid, "Entrée", 4, "Awa")
    kofi = synced.add("clients", {"name": "Kofi"}, "Awa")["id"]
    synced.add_prestation({"client_id": kofi, "total": "12500", "start": "2026-03-14"}, "Awa", paid_now="2500")
    synced.sync()
    grid = synced.workbook.backend.grid("Tableau de bord")
    rows = {tuple(str(c) for c in r[:2]): r for r in grid[1:]}
    assert rows[("Solde de caisse", "2\u00a0500\u00a0FCFA")]
    assert ("Arrivées du jour", "1") in rows and ("", "Kofi") in rows
    assert rows[("", "Riz")][2] == "4 kg (seuil 10)"
    assert ("", "Kofi") in rows and any(r[2] == "10\u00a0000\u00a0FCFA" for r in grid[1:] if r[:2] == ["", "Kofi"])
    assert synced.sync().writes == 0


def test_paid_typed_on_a_prestation_already_paid_in_caisse_is_not_paid_twice(synced):
    """An app prestation whose snapshot patch was lost looks new to the sync: its Payé is already in Caisse."""
    from functions.audit import snapshot

    p = synced.add_prestation({"client": "Kofi", "total": "10000"}, "Awa", paid_now="10000")
    for name, _ in synced.state.list("snapshot_patch"):
        synced.state.delete("snapshot_patch", name)  # as if the process died right after the write
    synced.sync()
    caisse = [k for k in synced.load().rows("caisse") if k["prestation_id"] == p["id"]]
    assert [k["amount"] for k in caisse] == [D(10000)]
    assert snapshot.load(synced.state, "prestations") is not None
