"""A shop with invoices, on every backend (memory, and .xlsx with SQLite state): the receipt hook, the
identifiers typed in Paramètres, a client, a prestation with lines and a first payment, a quick sale; and a
small Flask app serving receipts and invoices."""

from __future__ import annotations

import pytest
from flask import Flask

from functions.business import Business
from functions.receipts.hooks import receipt_hook

BASE = "https://factures.example.test"
IDS = {"tax_id": "NIF 1000123456", "rccm": "TG-LFW-01-2026-B12-00042",
       "legal_mention": "SARL au capital de 1 000 000 FCFA", "address": "Rue 12, Bè, Lomé"}


@pytest.fixture(params=["memory", "xlsx"])
def biz(request, clock, tmp_path):
    from functions.state.memory import MemoryStateStore
    from functions.state.sqlite import SQLiteStateStore
    from functions.store.backend import MemoryBackend
    from functions.store.workbook import Workbook
    from functions.store.xlsx import XlsxBackend

    if request.param == "memory":
        b = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock)
    else:
        b = Business(Workbook(XlsxBackend(tmp_path / "ttr.xlsx")), SQLiteStateStore(tmp_path / "s.sqlite"), clock=clock)
    b.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    return b


@pytest.fixture
def ishop(biz, monkeypatch):
    monkeypatch.setenv("TTR_PUBLIC_URL", BASE)
    biz.change_hooks.append(receipt_hook(BASE))
    biz.set_settings(IDS, "Awa")
    kofi = biz.add("clients", {"name": "Kofi Mensah", "phone": "+228 90 11 22 33"}, "Awa")["id"]
    coca = biz.add("stock", {"article": "Coca 33cl", "for_sale": "Oui", "sale_price": "600"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", "24", "Awa")
    p = biz.add_prestation({"client_id": kofi, "type": "Chambre double", "start": "14/03/2026", "end": "16/03/2026"},
                           "Awa", lines=[{"article": "Chambre double", "quantity": "2", "unit_price": "25000"},
                                         {"article": "Petit-déjeuner", "quantity": "2", "unit_price": "2500"}],
                           paid_now="20000", method="Mobile Money")
    sale = biz.quick_sale([(coca, "2")], "Awa", method="Espèces")
    return {"biz": biz, "kofi": kofi, "prestation": p["id"], "sale": sale["caisse_id"], "coca": coca}


@pytest.fixture
def client(ishop):
    from functions.receipts.entry import create_app

    app: Flask = create_app(lambda: ishop["biz"], {"TTR_PUBLIC_URL": BASE})  # the receipt function's app
    return app.test_client()
