"""Concurrent writers: two cashiers selling the last items at once never oversell nor lose a row."""

from __future__ import annotations

import threading
from decimal import Decimal

from functions.business import Business
from functions.errors import InsufficientStockError
from functions.state.sqlite import SQLiteStateStore
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend


def open_biz(tmp_path, clock):
    # Each cashier has their own objects (as two processes would), sharing the file and the state.
    return Business(Workbook(XlsxBackend(tmp_path / "w.xlsx")), SQLiteStateStore(tmp_path / "s.sqlite"),
                    clock=clock)


def test_two_cashiers_cannot_sell_more_than_the_stock(tmp_path, clock):
    first = open_biz(tmp_path, clock)
    first.init({"business_name": "Maquis"})
    coca = first.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
    first.stock_adjust(coca, "Entrée", 5, "Awa")
    results: list[str] = []

    def cashier(name: str) -> None:
        biz = open_biz(tmp_path, clock)
        for _ in range(4):
            try:
                biz.quick_sale([(coca, 1)], name)
                results.append("vendu")
            except InsufficientStockError:
                results.append("refusé")

    threads = [threading.Thread(target=cashier, args=(n,)) for n in ("Kodjo", "Ama")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("vendu") == 5 and results.count("refusé") == 3
    book = first.load()
    assert book.find("stock", coca)["quantity"] == Decimal(0)
    sales = [k for k in book.rows("caisse") if k["type"] == "Vente"]
    assert len(sales) == 5 and sum(k["amount"] for k in sales) == Decimal(2500)
    numbers = [first.add_prestation({"client": "X", "total": "1"}, "Awa")["number"] for _ in range(2)]
    assert numbers == ["00001", "00002"]
    assert first.verify_journal().ok
