"""In headless Chromium at 360 px, on the embedded default (.xlsx + SQLite) with the real receipt hook: the owner
types the business's identifiers in Paramètres, makes a proforma of a booking, confirms it as an invoice, and the
guest pays it in two parts (two receipts). The invoice still shows what it said when it was issued. Screenshots go
to ``tests/artifacts/invoices/``; every page passes the walks' label and contrast audit and axe-core."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import live_app
from tests.web.test_sales_walk import AUDIT_JS, CHROMIUM, FLAGS

playwright = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "invoices"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent")]


def test_a_proforma_becomes_an_invoice_paid_in_two_parts(tmp_path):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    shots: list[str] = []
    axe = axe_sync.Axe()

    def look(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-{name}.png"), full_page=True)
        shots.append(name)
        report = page.evaluate(AUDIT_JS)
        serious = [f"{v['id']}: {v['help']}" for v in axe.run(page).response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert report["labels"] == [], (name, report["labels"])
        assert report["contrast"] == [], (name, report["contrast"])
        assert report["width"] <= 360, (name, "scrolls sideways", report["width"])
        assert serious == [], (name, serious)

    with live_app(tmp_path, initialised=False, receipts=True) as (base, biz, _app), \
            playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        page.goto(base + "/")
        for field, value in (("#name", "Awa Mensah"), ("#email", "awa@example.tg"), ("#password", "motdepasse-awa"),
                             ("#password2", "motdepasse-awa"), ("#business_name", "Hôtel du Lac")):
            page.fill(field, value)
        page.select_option("#business_type", "Hôtel")
        page.click("button[type=submit]")
        assert page.url == base + "/"

        # the identifiers, typed once in Paramètres
        page.goto(base + "/parametres")
        page.fill("#tax_id", "NIF 1000123456")
        page.fill("#rccm", "TG-LFW-01-2026-B12-00042")
        page.fill("#legal_mention", "SARL au capital de 1 000 000 FCFA")
        page.locator("#identifiants").scroll_into_view_if_needed()
        look(page, "parametres-identifiants")
        with page.expect_navigation():
            page.click("#identifiants button[type=submit]")
        assert "Identifiants des factures enregistrés" in page.inner_text("body")

        guest = biz.add("clients", {"name": "Afi Dossou", "phone": "+228 90 55 66 77"}, "Awa Mensah")["id"]
        booking = biz.add_prestation({"client_id": guest, "type": "Chambre double", "start": "14/03/2026",
                                      "end": "16/03/2026"}, "Awa Mensah",
                                     lines=[{"article": "Chambre double", "quantity": "2", "unit_price": "25000"},
                                            {"article": "Petit-déjeuner", "quantity": "2", "unit_price": "2500"}])
        biz.forget()
        detail = f"{base}/prestations/{booking['id']}"

        # 1. the quote
        page.goto(detail)
        look(page, "reservation")
        with page.expect_navigation():
            page.click("#proforma")
        assert re.search(r"/f/[\w-]{22,}$", page.url)
        quote = page.inner_text("main")
        assert "PF-2026-0001" in quote and "valable jusqu'au" in quote and "NIF 1000123456" in quote
        assert "Ce document n'est pas une facture normalisée (FNE)." in quote
        look(page, "proforma")

        # 2. confirmed: the invoice, numbered
        page.goto(detail)
        with page.expect_navigation():
            page.click("#confirmer")
        invoice_url = page.url
        invoice = page.inner_text("main")
        assert "F-2026-00001" in invoice and "PF-2026-0001" in invoice and "55\u202f000" in invoice.replace("\u00a0", "\u202f")
        look(page, "facture")

        # 3. paid in two parts: two receipts
        for amount in ("30000", "25000"):
            page.goto(detail)
            page.fill("#amount", amount)
            with page.expect_navigation():
                page.click("#paiement button[type=submit]")
        receipts = page.locator("a:has-text('Voir le reçu')")
        assert receipts.count() == 2
        links = [receipts.nth(i).get_attribute("href") for i in range(2)]
        assert len(set(links)) == 2 and all(link.startswith(base + "/r/") for link in links)
        page.locator("#factures").scroll_into_view_if_needed()
        assert "Facture F-2026-00001" in page.inner_text("#factures")
        look(page, "reservation-payee")
        for i, link in enumerate(links, start=1):
            page.goto(link)
            text = page.inner_text("main")
            assert ("Reste à payer" in text) == (i == 1)
            assert "F-2026-00001" in text  # the receipt names the invoice it pays
            look(page, f"recu-{i}")

        # the invoice says what it said when it was issued
        page.goto(invoice_url)
        assert page.inner_text("main") == invoice
        browser.close()

    assert len(list(ARTIFACTS.glob("*.png"))) == len(shots) == 7
    assert biz.verify_journal().ok
