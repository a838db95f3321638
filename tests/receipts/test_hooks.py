"""The change hook: every receipt-bearing row gets its link in the same write, and only those lacking one."""

from __future__ import annotations

import re

from functions.receipts import store
from functions.receipts.hooks import receipt_hook
from tests.receipts.conftest import BASE, WriteSpy, link_of, rid_of

LINK = re.compile("^" + re.escape(BASE) + r"/r/[A-Za-z0-9_-]{24}$")


def person_adds(biz, title, **values):
    g = biz.workbook.backend.grid(title)
    g.append([values.get(str(h)) for h in g[0]])
    return len(g)


def person_sets(biz, title, row_id, header, value):
    g = biz.workbook.backend.grid(title)
    col = g[0].index(header)
    row = next(r for r in g[1:] if r and r[0] == row_id)
    row[col] = value


def test_each_transaction_gets_a_link_and_a_numbered_receipt(shop):
    biz = shop["biz"]
    book = biz.load(["prestations", "caisse"])
    links = {r.id: r["receipt"] for r in book.all_rows("caisse")}
    assert links[shop["expense"]] in (None, "")  # a Dépense has no receipt
    cash = {r.id: r for r in book.all_rows("caisse")}
    for rid, link in links.items():
        if rid != shop["expense"]:
            assert LINK.match(link), (cash[rid]["type"], link)
    plink = book.find("prestations", shop["prestation"])["receipt"]
    assert LINK.match(plink)
    everything = [plink] + [v for k, v in links.items() if k != shop["expense"]]
    assert len(set(everything)) == len(everything) == 4  # prestation, first payment, payment, sale
    receipts = [store.find(biz.state, rid_of(u)) for u in everything]
    numbers = sorted(r.number for r in receipts)
    # R-2026-00001 was the prestation's receipt with its first payment: the second payment issued a new one
    assert numbers == [f"R-2026-{n:05d}" for n in range(2, 6)]
    first = next(r for k, r in biz.state.list(store.RECEIPTS) if r["number"] == "R-2026-00001")
    assert first["row_id"] == shop["prestation"] and first["replaced_number"] == receipts[0].number
    kinds = {r.row_id: r.kind for r in receipts}
    assert kinds[shop["prestation"]] == "prestation" and kinds[shop["sale"]] == "sale"
    assert kinds[shop["payment"]] == "payment"


def test_sync_with_nothing_new_writes_nothing(shop):
    biz = shop["biz"]
    biz.sync()
    writes = biz.workbook.backend.requests["write"]
    biz.state = spy = WriteSpy(biz.state)
    seen: list[int] = []
    biz.change_hooks.insert(0, lambda b, book, change: seen.append(len(spy.writes)))
    biz.change_hooks.append(lambda b, book, change: seen.append(len(spy.writes)))
    assert biz.sync().writes == 0
    assert biz.workbook.backend.requests["write"] == writes
    assert len(seen) == 2 and seen[0] == seen[1]  # the receipt hook wrote nothing to the state store


def test_rows_typed_by_hand_get_an_id_and_a_link_in_one_sync(rbiz):
    rbiz.sync()
    row = person_adds(rbiz, "Caisse", Date="14/03/2026 10:00", Type="Revenu", Montant=3000, Description="Location salle")
    expense_row = person_adds(rbiz, "Caisse", Date="14/03/2026 10:05", Type="Dépense", Montant=800,
                              Description="Savon")
    report = rbiz.sync()
    assert report.writes == 1
    g = rbiz.workbook.backend.grid("Caisse")
    header = g[0]
    typed = dict(zip(header, g[row - 1], strict=False))
    assert typed["ID"] and LINK.match(typed["Reçu"])
    assert store.find(rbiz.state, rid_of(typed["Reçu"])).row_id == typed["ID"]
    assert dict(zip(header, g[expense_row - 1], strict=False)).get("Reçu") in (None, "")
    assert rbiz.sync().writes == 0


def test_existing_rows_without_a_link_get_one_at_the_next_sync(biz, monkeypatch):
    """A workbook used before receipts existed: more than 20 rows take the one-query path of the index."""
    kofi = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    for i in range(12):
        biz.add_prestation({"client_id": kofi, "total": str(1000 + i)}, "Awa", paid_now="500")
    biz.sync()
    assert all(not r["receipt"] for r in biz.load(["caisse"]).all_rows("caisse"))
    biz.change_hooks.append(receipt_hook(BASE))
    assert biz.sync().writes == 1
    book = biz.load(["prestations", "caisse"])
    links = [r["receipt"] for k in ("prestations", "caisse") for r in book.all_rows(k)]
    assert len(links) == 24 and all(LINK.match(u) for u in links) and len(set(links)) == 24
    assert biz.sync().writes == 0


def test_a_ledger_row_deleted_in_the_sheet_comes_back_with_its_old_link(shop):
    biz = shop["biz"]
    biz.sync()
    before = link_of(biz, "caisse", shop["payment"])
    g = biz.workbook.backend.grid("Caisse")
    g[:] = [r for r in g if not r or r[0] != shop["payment"]]
    report = biz.sync()
    assert ("Caisse", shop["payment"]) in report.restored
    assert link_of(biz, "caisse", shop["payment"]) == before


def test_a_hand_edited_link_is_put_back_and_journaled(shop):
    biz = shop["biz"]
    biz.sync()
    good = link_of(biz, "caisse", shop["sale"])
    person_sets(biz, "Caisse", shop["sale"], "Reçu", "voir cahier")
    biz.sync()
    assert link_of(biz, "caisse", shop["sale"]) == good
    last = biz.load(["journal"]).all_rows("journal")[-1]
    assert last["action"] == "correction" and "voir cahier" in last["changes"] and shop["sale"] == last["row"]


def test_a_changed_public_url_never_rewrites_an_issued_link(shop):
    biz = shop["biz"]
    old = link_of(biz, "caisse", shop["payment"])
    biz.change_hooks[:] = [receipt_hook("https://gestion.example.test/")]
    biz.sync()
    new = link_of(biz, "caisse", shop["payment"])
    assert new == old  # a link is written once (issue 16): people already shared it
    # A well-formed link that is not the row's receipt is put back, on the base configured now.
    sale = link_of(biz, "caisse", shop["sale"])
    fake = "https://ailleurs.example.test/r/" + "x" * 24
    person_sets(biz, "Caisse", shop["sale"], "Reçu", fake)
    biz.sync()
    assert link_of(biz, "caisse", shop["sale"]) == "https://gestion.example.test/r/" + rid_of(sale)
