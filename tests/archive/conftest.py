"""An auberge's 2025 on a real ``.xlsx`` workbook and SQLite state, then a first sale of 2026."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.business import Business
from functions.config import open_state_store
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend
from tests.conftest import Clock


def fill_year(biz: Business, clock: Clock) -> dict[str, str]:
    ama = biz.add("clients", {"name": "Ama Kossi", "phone": "+22890112233"}, "Awa")["id"]
    kofi = biz.add("clients", {"name": "Kofi Agbo"}, "Awa")["id"]
    done = biz.add_prestation({"client": "Ama Kossi", "client_id": ama, "type": "Chambre", "start": "2025-03-02",
                               "end": "2025-03-04", "total": "50000"}, "Awa")["id"]
    paid = biz.record_payment("50000", "Awa", prestation_id=done, method="Mobile Money")
    biz.set_status(done, "Terminée", "Awa")
    still_open = biz.add_prestation({"client": "Kofi Agbo", "client_id": kofi, "type": "Chambre",
                                     "start": "2025-12-28", "end": "2026-01-03", "total": "90000"}, "Awa")["id"]
    biz.record_payment("30000", "Awa", prestation_id=still_open)
    biz.record_payment("5000", "Awa", client_id=ama)
    coca = biz.add("stock", {"article": "Coca", "unit": "pièce", "for_sale": "Oui", "sale_price": "500",
                             "purchase_price": "300"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", "24", "Awa")
    biz.quick_sale([(coca, 4)], "Awa")
    biz.expense("45000", "Loyer", "Awa", method="Virement")
    biz.add("agenda", {"title": "Payer le loyer", "date": "2025-04-01", "status": "Fait"}, "Awa")
    clock.when = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
    biz.quick_sale([(coca, 1)], "Awa")
    return {"done": done, "open": still_open, "ama": ama, "kofi": kofi, "coca": coca,
            "payment": str(paid.get("id") or "")}


@pytest.fixture
def xlsx_year(tmp_path):
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    path = tmp_path / "ttr.xlsx"
    state = tmp_path / "ttr.state.sqlite"
    biz = Business(Workbook(XlsxBackend(path)), open_state_store(str(state)), clock=clock,
                   editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    ids = fill_year(biz, clock)
    biz.sync()
    return biz, ids, path, state
