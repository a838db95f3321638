"""The closed year's receipts and statements still open after the close: a receipt is frozen in the state
store (nothing read from the workbook), the statement is the live view and keeps the client's balance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.archive import close_year
from functions.business import Business
from functions.receipts import store
from functions.receipts.hooks import receipt_hook, statement_link
from functions.receipts.web import load_view, render_page
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from tests.archive.conftest import fill_year
from tests.conftest import Clock

BASE = "https://recus.example.test"


@pytest.fixture
def shop():
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    biz.change_hooks.append(receipt_hook(BASE))
    return biz, fill_year(biz, clock)


def _rid(link: str) -> str:
    return link.rsplit("/", 1)[-1]


def test_a_receipt_of_the_closed_year_renders_the_same_after_the_close(shop):
    biz, ids = shop
    payment = next(r for r in biz.load(["caisse"]).all_rows("caisse") if r["prestation_id"] == ids["done"])
    receipt = store.for_row(biz.state, "caisse", payment.id)
    prestation = store.for_row(biz.state, "prestations", ids["done"])
    assert receipt is not None and prestation is not None
    pages = {r.id: render_page(load_view(biz, r.id, BASE)) for r in (receipt, prestation)}
    close_year(biz, 2025, MemoryBackend, "ttr-2025.xlsx")
    assert biz.load(["caisse"]).find("caisse", payment.id) is None  # the row itself went to the archive
    for rid, html in pages.items():
        data = load_view(biz, rid, BASE)
        assert data is not None and render_page(data) == html
    assert "Ama Kossi" in pages[receipt.id]


def test_a_statement_still_opens_with_the_same_balance(shop):
    biz, ids = shop
    rid = _rid(statement_link(biz, ids["ama"], BASE))
    before = load_view(biz, rid, BASE)
    close_year(biz, 2025, MemoryBackend, "ttr-2025.xlsx")
    after = load_view(biz, rid, BASE)
    assert before is not None and after is not None
    assert after["balance"] == before["balance"] and after["credit_left"] == before["credit_left"]
    assert "Relevé" in render_page(after)
