"""The offline counter in headless Chromium at 360 px: a sale with a remise paid by Flooz with its reference,
queued offline and sent once back online; the same reference queued again is refused and the message stays."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.web.test_offline_browser import (  # noqa: F401
    ARTIFACTS,
    _back_online,
    _offline_counter,
    _rows,
    _sell,
    _wait_sent,
    shop,
)
from tests.web.test_walk import CHROMIUM

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent")]


def test_an_offline_sale_with_a_remise_and_a_flooz_reference(shop):  # noqa: F811
    base, biz, _ids = shop
    with _offline_counter(base) as (context, page):
        page.select_option("#vente-moyen", "Flooz")
        page.fill("#vente-reference", "FLZ-OFF-1")
        page.fill("#vente-remise", "10 %")
        page.fill("#vente-motif", "client fidèle")
        _sell(page, "Coca", 2)
        page.wait_for_function("document.getElementById('etat').textContent.includes('1 opération')")
        assert page.input_value("#vente-reference") == "" and page.input_value("#vente-remise") == ""
        page.select_option("#vente-moyen", "Flooz")
        page.fill("#vente-reference", "flz-off-1")  # the same SMS, typed again
        _sell(page, "Pain")
        _back_online(context, page)
        _wait_sent(page)
        page.screenshot(path=str(ARTIFACTS / "remise-flooz-reference.png"), full_page=True)
        sales = [r for r in _rows(biz, "caisse") if r["type"] == "Vente"]
        assert [(r["amount"], r["discount"], r["method"], r["reference"]) for r in sales] == \
            [(Decimal(900), Decimal(100), "Flooz", "FLZ-OFF-1")]
        assert "déjà enregistrée pour Flooz" in page.inner_text("#file")
