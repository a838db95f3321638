"""Two instances serving one business on Google (two backends, each holding its grids; one state store): each
sees the other's writes through Drive's version, in turn and at the same time, and nothing is lost or counted
twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

from functions.business import Business
from functions.state.sqlite import SQLiteStateStore
from functions.store.workbook import Workbook
from tests.store.factory_gsheets import backend_for, fake_api


def _instances(api, tmp_path):
    state = SQLiteStateStore(str(tmp_path / "state.sqlite"))
    clock = lambda: datetime(2026, 6, 1, 9, tzinfo=UTC)  # noqa: E731
    a = Business(Workbook(backend_for(api)), state, clock=clock, editor=lambda: "test")
    a.init({"business_name": "Deux instances", "currency": "XOF"})
    b = Business(Workbook(backend_for(api)), state, clock=clock, editor=lambda: "test")
    return a, b


def _stocked(a: Business) -> str:
    sid = a.add("stock", {"article": "Riz", "unit": "pièce", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
    a.stock_adjust(sid, "Entrée", 1000, "Awa")
    a.sync()
    return str(sid)


def _check(a: Business, cold: Business, sales: int, expected: Decimal) -> None:
    book = cold.load()
    caisse = book.rows("caisse")
    assert len(caisse) == sales and sum(r["amount"] for r in caisse) == expected
    stock = book.find("stock", a.load(["stock"]).rows("stock")[0].id)
    assert stock is not None and stock["quantity"] == 1000 - sales
    assert cold.verify_journal().ok
    report = cold.sync(complete=True)  # what both left is what a full recompute gives: nothing to correct
    assert (report.corrected, report.restored, report.ids_assigned, report.journal_rows) == ([], [], [], 0), report
    assert cold.sync(complete=True).writes == 0


def test_two_instances_in_turn_see_each_others_writes(tmp_path):
    with fake_api(reads_per_minute=10**6, writes_per_minute=10**6) as api:
        a, b = _instances(api, tmp_path)
        sid = _stocked(a)
        for i in range(10):
            (a if i % 2 else b).quick_sale([(sid, 1)], "Awa")
            (b if i % 2 else a).quick_sale([(sid, 1)], "Kofi")
        cold = Business(Workbook(backend_for(api)), a.state, clock=a.clock, editor=lambda: "test")
        _check(a, cold, 20, Decimal(20 * 500))


def test_two_instances_at_the_same_time_lose_nothing(tmp_path):
    with fake_api(reads_per_minute=10**6, writes_per_minute=10**6) as api:
        a, b = _instances(api, tmp_path)
        sid = _stocked(a)
        b.load()  # both warm
        errors: list[BaseException] = []

        def sell(biz: Business, who: str) -> None:
            try:
                for _ in range(8):
                    biz.quick_sale([(sid, 1)], who)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=sell, args=(a, "Awa")), threading.Thread(target=sell, args=(b, "Kofi"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        cold = Business(Workbook(backend_for(api)), a.state, clock=a.clock, editor=lambda: "test")
        _check(a, cold, 16, Decimal(16 * 500))
