"""A walk through the office pages in headless Chromium at 360 px, on the embedded default (.xlsx + SQLite):
record an expense → close the cash with a small difference → read the Journal (filtered) → export CSV.
Screenshots go to ``tests/artifacts/office/``."""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from functions.books import closing, ledger
from tests.web.conftest import live_app, menu
from tests.web.test_walk import CHROMIUM, FLAGS

playwright = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "office"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


@pytest.fixture
def server(tmp_path):
    with live_app(tmp_path) as (base, biz, _app):
        yield base, biz


def test_expense_closing_journal_csv_at_360px(server):
    base, biz = server
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    shots: list[str] = []

    def shot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-{name}.png"), full_page=True)
        shots.append(name)

    biz.revenue("25000", "Awa Mensah", "Ventes du matin")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 360, "height": 740}, accept_downloads=True).new_page()
        page.goto(base + "/installation")
        page.fill("#name", "Awa Mensah")
        page.fill("#email", "awa@example.tg")
        page.fill("#password", "motdepasse-awa")
        page.fill("#password2", "motdepasse-awa")
        page.fill("#business_name", "Résidence Le Palmier")
        page.select_option("#business_type", "Hôtel")
        with page.expect_navigation():
            page.click("button[type=submit]")

        with page.expect_navigation():
            menu(page, "Caisse")
        assert "25\u00a0000\u00a0FCFA" in page.inner_text(".cards")
        page.fill("#dep-amount", "abc")
        page.select_option("#dep-category", "Transport")
        page.fill("#dep-description", "Taxi pour le marché")
        with page.expect_navigation():
            page.click("text=Enregistrer la dépense")
        assert "Montant" in page.inner_text("#amount-err")
        assert page.input_value("#dep-description") == "Taxi pour le marché"
        shot(page, "caisse-erreur")
        page.fill("#dep-amount", "1 500")
        with page.expect_navigation():
            page.click("text=Enregistrer la dépense")
        assert "Dépense enregistrée (Transport)." in page.inner_text(".notice")
        assert "23\u00a0500\u00a0FCFA" in page.inner_text(".cards")
        shot(page, "caisse-depense")

        with page.expect_navigation():
            page.click("text=Clôture de caisse")
        assert "23\u00a0500\u00a0FCFA" in page.inner_text("main")
        page.fill("#counted", "23 300")
        page.fill("#note", "pièces de 100 manquantes")
        shot(page, "cloture-saisie")
        with page.expect_navigation():
            page.click("text=Clôturer la caisse")
        assert "manquant de 200\u00a0FCFA" in page.inner_text(".notice")
        shot(page, "cloture-faite")

        with page.expect_navigation():
            menu(page, "Journal")
        page.select_option("#action", "clôture")
        with page.expect_navigation():
            page.click("text=Filtrer")
        entries = page.inner_text("ol.chg")
        assert "Attendu" in entries and "Écart" in entries and "dépense" not in entries
        shot(page, "journal-filtre")
        with page.expect_download() as download:
            page.click("text=Exporter en CSV")
        path = download.value.path()
        raw = Path(path).read_bytes().decode("utf-8")
        browser.close()

    assert raw.startswith("\ufeffHorodatage;")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert [r[3] for r in rows[1:]] == ["clôture"] and "Écart : '-200" not in rows[1][6]
    caisse = biz.load(["caisse"]).all_rows("caisse")
    assert ledger.cash_balance(caisse) == Decimal(23300)
    assert caisse[-1]["category"] == closing.SHORTAGE and caisse[-1]["created_by"] == "Awa Mensah"
    assert biz.verify_journal().ok
    assert len(list(ARTIFACTS.glob("*.png"))) == len(shots) == 5
