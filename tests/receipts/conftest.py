"""A shop with receipts: the ``biz`` fixture with the receipt hook, a client, stock, a prestation with lines
and payments, a quick sale; and a tiny Flask app serving the receipt blueprint."""

from __future__ import annotations

import pytest

from functions.receipts.entry import create_app
from functions.receipts.hooks import receipt_hook

BASE = "https://recus.example.test"


@pytest.fixture
def rbiz(biz, monkeypatch):
    monkeypatch.setenv("TTR_PUBLIC_URL", BASE)
    set_settings(biz, {"address": "Rue 12, Bè, Lomé", "phone": "+228 22 21 00 00", "email": "awa@example.test",
                       "receipt_terms": "Merci de votre confiance. Ni repris ni échangé."})
    biz.change_hooks.append(receipt_hook(BASE))
    return biz


@pytest.fixture
def shop(rbiz):
    biz = rbiz
    kofi = biz.add("clients", {"name": "Kofi Mensah", "phone": "+228 90 11 22 33"}, "Awa")["id"]
    coca = biz.add("stock", {"article": "Coca 33cl", "for_sale": "Oui", "sale_price": "600"}, "Awa")["id"]
    eau = biz.add("stock", {"article": "Eau 1,5 L", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", "24", "Awa")
    biz.stock_adjust(eau, "Entrée", "24", "Awa")
    p = biz.add_prestation({"client_id": kofi, "type": "Chambre double", "start": "14/03/2026", "end": "16/03/2026"},
                           "Awa", lines=[{"article": "Chambre double", "quantity": "2", "unit_price": "25000"},
                                         {"article": "Petit-déjeuner", "quantity": "2", "unit_price": "2500"}],
                           paid_now="20000", method="Mobile Money")
    pay = biz.record_payment("15000", "Koffi (caisse)", prestation_id=p["id"], method="Espèces")
    sale = biz.quick_sale([(coca, "2"), (eau, "1")], "Awa", method="Espèces")
    dep = biz.expense("5000", "Transport", "Awa", description="Taxi")
    return {"biz": biz, "kofi": kofi, "prestation": p["id"], "number": p["number"], "payment": pay["caisse_id"],
            "sale": sale["caisse_id"], "expense": dep["caisse_id"], "coca": coca, "eau": eau}


@pytest.fixture
def client(rbiz):
    app = create_app(lambda: rbiz, {"TTR_PUBLIC_URL": BASE})
    return app.test_client()


def set_settings(biz, values):
    """What the owner types in Paramètres (column Valeur, on the row of the setting's label)."""
    labels = {s.key: s.label for s in biz.workbook.schema.tab("settings").settings}
    grid = biz.workbook.backend.grid("Paramètres")
    for key, value in values.items():
        row = next(r for r in grid[1:] if r and r[0] == labels[key])
        row[1] = value


def link_of(biz, tab, row_id):
    return biz.load([tab]).find(tab, row_id)["receipt"]


def rid_of(link):
    return link.rsplit("/", 1)[-1]


class WriteSpy:
    """Wraps a state store and records every call that could write (reads pass through)."""

    WRITES = ("put", "create", "delete", "update", "next_number", "hit", "lock", "put_blob")

    def __init__(self, inner) -> None:
        self.inner = inner
        self.writes: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if name in self.WRITES:
            def record(*args, **kwargs):
                self.writes.append(name)
                return attr(*args, **kwargs)
            return record
        return attr
