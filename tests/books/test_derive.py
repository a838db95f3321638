"""Computed columns for a few rows (what an action needs) equal those of the whole-workbook computation."""

from __future__ import annotations

import random

from functions.books.derive import closure, derive


def test_restricted_derive_equals_the_full_one_for_every_touched_row(biz):
    rnd = random.Random(7)
    clients = [biz.add("clients", {"name": f"Client {i}"}, "Awa")["id"] for i in range(6)]
    coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", 50, "Awa")
    prestations = []
    for i in range(12):
        lines = [{"article": "Nuit", "quantity": rnd.choice(["1", "2", "0.5"]), "unit_price": "12500"}] if i % 3 else []
        data = {"client_id": rnd.choice(clients), **({} if lines else {"total": str(rnd.randint(1, 90) * 1000)})}
        p = biz.add_prestation(data, "Awa", lines=lines, paid_now=None)
        prestations.append(p["id"])
    for pid in prestations[::2]:
        biz.record_payment("1000", "Awa", prestation_id=pid)
    biz.record_payment("7000", "Awa", client_id=clients[0])  # a credit paid from the profile
    biz.set_status(prestations[1], "Annulée", "Awa")
    biz.update("prestations", prestations[2], {"client_id": clients[5]}, "Awa")  # moved to another client
    biz.quick_sale([(coca, 3)], "Awa", client_id=clients[1])
    book = biz.load()
    full = derive(book)
    for key, ids in (("prestations", prestations), ("clients", clients), ("stock", [coca])):
        for rid in ids:
            only = closure(book, {}, {key: {rid}, "caisse": {r.id for r in book.all_rows("caisse")}})
            part = derive(book, only=only)
            for tab, by_id in part.items():
                for row_id, values in by_id.items():
                    assert values == full[tab][row_id], (tab, row_id)
            assert rid in part[key]
