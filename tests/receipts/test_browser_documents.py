"""In headless Chromium, on the real app over an .xlsx: a payment from the client's profile shows the same balance
on the prestation page and on the statement; a shared receipt, corrected in the sheet, still shows what was given
and says which receipt replaced it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.store.factory_xlsx import XlsxPerson
from tests.web.conftest import live_app

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")
NB = "\u00a0"


def fcfa(n: str) -> str:
    return n.replace(" ", NB) + NB + "FCFA"


def text(page) -> str:
    return re.sub(r"[ \t\r\n]+", " ", page.inner_text("body"))


def test_profile_payment_then_prestation_and_statement_agree_and_a_corrected_receipt_stays(tmp_path):
    from functions.accounts import users
    from functions.accounts.workspaces import DEFAULT

    with live_app(tmp_path, receipts=True) as (base, biz, _app):
        when = users.Moment(datetime.now(UTC).timestamp(), "2026-03-14 09:30:00")
        users.create(biz.state, name="Awa Mensah", email="awa@example.tg", password="motdepasse-awa", when=when,
                     workspace=DEFAULT, role="admin")
        biz.state.create("accounts", "setup", {"at": when.local})
        kofi = biz.add("clients", {"name": "Kofi Mensah", "phone": "+22890112233"}, "Awa")["id"]
        pid = biz.add_prestation({"client_id": kofi, "type": "Chambre", "total": "25000"}, "Awa")["id"]
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
            page.goto(base + "/connexion")
            page.fill("#email", "awa@example.tg")
            page.fill("#password", "motdepasse-awa")
            page.click("main button[type=submit]")
            assert page.url == base + "/", page.inner_text("main")

            page.goto(f"{base}/clients/{kofi}")
            page.fill("#amount", "10000")
            page.click("#paiement button[type=submit]")
            assert page.inner_text("#solde-client").replace(" ", NB) == fcfa("15 000")
            page.goto(f"{base}/prestations/{pid}")
            shown = page.locator(".card", has_text="Reste à payer").locator("b.balance").inner_text()
            assert shown.replace(" ", NB).replace("\u202f", NB) == fcfa("15 000")
            page.goto(f"{base}/clients/{kofi}/releve")  # the statement: the same balance, the same allocation
            statement = text(page).replace(" ", NB)
            assert "/r/" in page.url and f"Reste{NB}à{NB}payer{NB}{fcfa('15 000')}" in statement
            assert "Affectation" in statement
            assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a phone

            shared = biz.load(["prestations"]).find("prestations", pid)["receipt"]
            page.goto(shared)
            assert f"Reste à payer {fcfa('15 000')}".replace(" ", NB) in text(page).replace(" ", NB)
            biz.sync()
            row = biz.load(["prestations"]).find("prestations", pid).row
            XlsxPerson(tmp_path / "ttr.xlsx").set_cell(biz.load(["prestations"]).title("prestations"), row,
                                                       "Montant total", 30000)  # corrected in the sheet
            biz.sync()
            page.goto(shared)
            old = text(page).replace(" ", NB)
            assert f"Total{NB}{fcfa('25 000')}" in old and fcfa("30 000") not in old
            assert re.search(r"Ce reçu a été remplacé par le reçu R-\d{4}-\d{5} du \d\d/\d\d/\d{4}",
                             text(page)), text(page)[:300]
            page.screenshot(path=str(tmp_path / "recu-remplace.png"), full_page=True)
            page.click("#remplace a")
            new = text(page).replace(" ", NB)
            assert f"Total{NB}{fcfa('30 000')}" in new and f"Reste{NB}à{NB}payer{NB}{fcfa('20 000')}" in new
            assert "remplacé" not in new
            browser.close()
