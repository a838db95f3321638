"""In headless Chromium at 360 px, on the embedded default (.xlsx + SQLite) with the real receipt hook: a Vente
Rapide with a 10 % discount paid by Flooz with the SMS's reference; the receipt shows the reference and the
discount; the same reference typed again is refused and nothing is sold. Screenshots go to
``tests/artifacts/mobile_money/``."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.web.conftest import live_app
from tests.web.test_sales_walk import AUDIT_JS, CHROMIUM, FLAGS

playwright = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "mobile_money"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent")]


def test_a_discounted_sale_paid_by_flooz_and_the_same_reference_refused(tmp_path):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    shots: list[str] = []

    def look(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-{name}.png"), full_page=True)
        shots.append(name)
        report = page.evaluate(AUDIT_JS)
        assert report["labels"] == [], (name, report["labels"])
        assert report["width"] <= 360, (name, "scrolls sideways", report["width"])

    with live_app(tmp_path, initialised=False, receipts=True) as (base, biz, _app), \
            playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        page.goto(base + "/")
        for field, value in (("#name", "Awa Mensah"), ("#email", "awa@example.tg"), ("#password", "motdepasse-awa"),
                             ("#password2", "motdepasse-awa"), ("#business_name", "Boutique Awa")):
            page.fill(field, value)
        page.select_option("#business_type", "Boutique")
        page.click("button[type=submit]")
        assert page.url == base + "/"
        coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa Mensah")["id"]
        biz.stock_adjust(coca, "Entrée", 20, "Awa Mensah")
        biz.forget()

        page.goto(base + "/")
        options = page.locator("#sale-method option").all_inner_texts()
        assert options[:3] == ["Espèces", "Mixx by Yas", "Flooz"]  # Togo's operators by default
        page.fill("#sale-qty", "3")
        page.select_option("#sale-method", "Flooz")
        page.fill("#sale-reference", "FLZ 260314 0042")
        page.fill("#sale-discount", "10 %")
        page.fill("#sale-discount-reason", "Client fidèle")
        look(page, "vente-rapide-remise-flooz")
        with page.expect_navigation():
            page.click("button[name=article]")
        sold = page.inner_text(".sold")
        assert "1\u00a0350" in sold and "Flooz" in sold and "FLZ2603140042" in sold and "remise 150" in sold
        look(page, "vente-enregistree")
        row = next(r for r in biz.book().all_rows("caisse") if r["type"] == "Vente")
        assert (row["amount"], row["discount"], row["method"], row["reference"], row["check"]) == \
            (Decimal(1350), Decimal(150), "Flooz", "FLZ2603140042", "Déclaré")

        with page.expect_navigation():
            page.click(".sold a")  # the receipt
        assert page.inner_text("#ref-transaction") == "FLZ2603140042"
        assert "Client fidèle" in page.inner_text("#remise") and "150" in page.inner_text("#remise")
        look(page, "recu-remise-reference")

        page.goto(base + "/")
        page.select_option("#sale-method", "Flooz")
        page.fill("#sale-reference", "flz2603140042")  # the same SMS, typed again
        with page.expect_navigation():
            page.click("button[name=article]")
        error = page.inner_text("#err-reference")
        assert "Référence « FLZ2603140042 » déjà enregistrée pour Flooz" in error
        assert page.locator("#sale-reference").get_attribute("aria-invalid") == "true"
        look(page, "meme-reference-refusee")
        assert [r["type"] for r in biz.book().all_rows("caisse")].count("Vente") == 1  # nothing sold twice
        browser.close()
    assert len(shots) == 4
