"""Rapports: the remises given and the TVA collected on the period, per rate (HT + TVA = TTC), on the page's
tables and in the .xlsx export; absent when there are none."""

from __future__ import annotations

import io
from decimal import Decimal as D

from openpyxl import load_workbook

from functions.books.commands import AddPrestation, QuickSale
from functions.reports import exports, figures, periods, view
from tests.reports.conftest import TODAY


def month(biz):
    return figures.compute(biz.book(), periods.period("this_month", TODAY), TODAY)


def test_remises_and_tva_of_the_month(biz):
    assert "remises_tva" not in [t["key"] for t in view.tables(month(biz))]  # none yet: no section
    biz.set_settings({"vat_enabled": "Oui", "vat_rate": "18"}, "Awa")
    coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", 10, "Awa")
    biz.submit(QuickSale(((coca, 2),), discount={"value": "100", "reason": "ami"}), "Awa")
    biz.submit(AddPrestation({"client": "Ama", "start": TODAY}, ({"article": "Chambre", "quantity": 1,
                                                                  "unit_price": "11800", "discount": "1800"},),
                             discount={"reason": "fidèle"}), "Awa")
    r = month(biz)
    assert r.discounts == D(1900)
    table = next(t for t in view.tables(r) if t["key"] == "remises_tva")
    assert table["rows"] == [["Remises accordées", "", "", D(1900)],
                             ["TVA 18 %", D(8475), D(1525), D(10000)],
                             ["TVA des ventes rapides", D(763), D(137), D(900)],
                             ["Total TVA", "", D(1662), ""]]
    book = load_workbook(io.BytesIO(exports.export(r, "xlsx")))
    assert "Remises et TVA" in book.sheetnames
    assert "Remises et TVA" in exports.export(r, "csv").decode("utf-8-sig")
    assert exports.export(r, "pdf").startswith(b"%PDF-")
