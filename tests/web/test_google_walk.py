"""A shop owner's day on the Google backend, in headless Chromium at 360 px: ``ttr demo`` on the fake Sheets API
(a real HTTP server, Drive ``version`` included), the production server (``Server.start``: waitress), then
log in as the demo admin, sell from the Vente Rapide, take a payment on a client's profile, check a guest in,
record an expense, read the dashboard, the Caisse, the Journal and a receipt; meanwhile a person types in the
spreadsheet, and the next page shows it and the next action uses it.

Every page visited: no server error, French words and numbers (``tests/web/test_words``), nothing wider than
the screen; every figure checked is recomputed from the sheet's own rows (the ledger), not from the app.
Screenshots go to ``tests/artifacts/google/``.
"""

from __future__ import annotations

import re
import shutil
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.store.factory_gsheets import SPREADSHEET_ID, GSheetsPerson
from tests.web.conftest import menu
from tests.web.test_walk import CHROMIUM, FLAGS
from tests.web.test_words import english, unformatted, visible_text

playwright = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "google"
URL = f"https://docs.google.com/spreadsheets/d/{SPREADSHEET_ID}/edit"
FCFA = "\u00a0FCFA"
MONEY_IN = {"Encaissement", "Vente", "Revenu", "Solde d'ouverture"}
MONEY_OUT = {"Dépense", "Remboursement"}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def fcfa(amount: Decimal | int) -> str:
    """« 4 835 800 FCFA » as the app writes it (non-breaking spaces)."""
    return f"{int(amount):,}".replace(",", "\u00a0") + FCFA


class Sheet:
    """The spreadsheet as the fake holds it, read as a person reads it (rows by header), and typed into."""

    def __init__(self, api: Any) -> None:
        self.person = GSheetsPerson(api, SPREADSHEET_ID)

    def rows(self, title: str) -> list[dict[str, Any]]:
        grid = self.person.grid(title)
        head = [str(h) for h in grid[0]]
        return [dict(zip(head, (row + [None] * len(head))[:len(head)], strict=True)) | {"_row": i + 2}
                for i, row in enumerate(grid[1:]) if any(v not in (None, "") for v in row)]

    def row(self, title: str, rid: str) -> dict[str, Any]:
        found = [r for r in self.rows(title) if r["ID"] == rid]
        assert len(found) == 1, (title, rid, len(found))
        return found[0]

    def type(self, title: str, rid: str, header: str, text: str) -> None:
        self.person.set_cell(title, self.row(title, rid)["_row"], header, text)

    def cash(self) -> Decimal:
        """The drawer from the Caisse rows themselves: money in minus money out (allocations move nothing)."""
        total = Decimal(0)
        for r in self.rows("Caisse"):
            sign = 1 if r["Type"] in MONEY_IN else -1 if r["Type"] in MONEY_OUT else 0
            total += sign * Decimal(str(r["Montant"] or 0))
        return total


def amount(text: str) -> Decimal:
    """The first « 12 345 FCFA » of a text."""
    found = re.search(r"(-?\d{1,3}(?:\u00a0\d{3})*)\u00a0FCFA", text)
    assert found, text[:200]
    return Decimal(found.group(1).replace("\u00a0", ""))


def card(page, label: str) -> Decimal:
    """The figure of a dashboard or profile card « label »."""
    text = page.inner_text("main")
    assert label in text, (label, text[:300])
    return amount(text.split(label, 1)[1])


@pytest.fixture
def google_shop(tmp_path, monkeypatch):
    """``ttr demo --no-serve`` then the server of ``ttr serve`` (schedule off: the test syncs when the
    scheduler would), both on the fake Google Sheets API. Yields (base URL, admin password, server, sheet)."""
    from functions.cli import main
    from functions.config import Config
    from functions.reminders.run import run as run_reminders
    from functions.web.server import Server
    from tests.fakes.sheets_api import FakeSheetsApi

    with FakeSheetsApi(reads_per_minute=100_000, writes_per_minute=100_000, auto_create=True) as api:
        for key, value in {"TTR_SHEETS_API_URL": api.url, "TTR_WORKBOOK": URL,
                           "TTR_STATE": str(tmp_path / "state.sqlite")}.items():
            monkeypatch.setenv(key, value)
        for key in ("TTR_PUBLIC_URL", "TTR_SECRET_KEY"):
            monkeypatch.delenv(key, raising=False)
        out = CliRunner().invoke(main, ["demo", "--no-serve"])
        assert out.exit_code == 0, out.output
        password = re.search(r"admin@lepalmier\.tg / (\S+)", out.output)
        assert password, out.output
        said: list[str] = []
        server = Server.start(Config.from_env(), "127.0.0.1", 0, schedule=False, echo=said.append)
        # the day's reminders, as the schedule runs them (no WhatsApp token: links ready to send, journaled)
        summary = run_reminders(server.biz, day=server.biz.now().date(), env={})
        assert summary.state == "fait", summary
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield server.url, password.group(1), server, Sheet(api)
        finally:
            server.close()
            thread.join(10)
            refused = [(c.method_id, c.error) for c in api.calls() if c.status in (400, 501)]
            assert not refused, f"the fake refused requests the app sent: {refused}"


def test_a_shop_owners_day_on_google_sheets_at_360px(google_shop):
    base, password, server, sheet = google_shop
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    documents: list[tuple[int, str]] = []
    shots: list[str] = []

    def look(page, name: str) -> str:
        """Screenshot, then what a person would trip on: an error page, English, raw numbers, sideways scroll."""
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-{name}.png"), full_page=True)
        shots.append(name)
        text = visible_text(page.content())
        assert "Oups" not in text and "Internal Server Error" not in text, (name, text[:300])
        assert english(text) == [], (name, english(text))
        assert unformatted(text) == [], (name, unformatted(text)[:10])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (name, "scrolls sideways", width)
        return page.inner_text("main")

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR").new_page()
        page.on("response", lambda r: documents.append((r.status, r.url)) if r.request.resource_type == "document" else None)

        # log in as the demo admin, with the password ``ttr demo`` printed
        page.goto(base + "/")
        assert "/connexion" in page.url
        look(page, "connexion")
        page.fill("#email", "admin@lepalmier.tg")
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        board = look(page, "tableau-de-bord")
        assert card(page, "Solde de caisse") == sheet.cash()
        unpaid = sum((Decimal(str(c["Solde"])) for c in sheet.rows("Clients") if Decimal(str(c["Solde"] or 0)) > 0),
                     Decimal(0))
        assert card(page, "Soldes impayés") == unpaid
        assert "https://" not in board.split("Activité récente")[1]  # reminders told without their long link

        # a quick sale: 2 beers, at the price the Stock tab says
        stock = {r["Article"]: r for r in sheet.rows("Stock") if r["À vendre"] == "Oui"}
        beer = next(name for name in stock if name.startswith("Bière"))
        page.fill("#sale-qty", "2")
        with page.expect_navigation():
            page.click(f"button[name=article][value={stock[beer]['ID']}]")
        sold = page.inner_text(".sold")
        price = Decimal(str(stock[beer]["Prix de vente"]))
        assert f"2 × {beer}" in sold and fcfa(2 * price) in sold, sold
        sale_id = re.search(r"vente=(\w+)", page.url).group(1)
        assert Decimal(str(sheet.row("Caisse", sale_id)["Montant"])) == 2 * price
        receipt = page.get_attribute(".sold a", "href")
        assert receipt.startswith(base + "/r/"), receipt  # on the address served, not the demo's 8080
        look(page, "vente-rapide")

        # the receipt link, as the customer opens it
        page.goto(receipt)
        paper = page.inner_text("body")
        assert beer in paper and fcfa(2 * price) in paper and "REÇU" in paper.upper()
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-recu.png"), full_page=True)
        shots.append("recu")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # a payment from the profile of the client who owes the most
        page.goto(base + "/")
        debtor = max((c for c in sheet.rows("Clients")), key=lambda c: Decimal(str(c["Solde"] or 0)))
        owed = Decimal(str(debtor["Solde"]))
        with page.expect_navigation():
            page.click(f"main a[href='/clients/{debtor['ID']}']")
        look(page, "client")
        assert card(page, "Solde") == owed
        page.fill("#amount", "25.000")  # typed the way people group thousands
        page.select_option("#method", "Flooz")
        page.fill("#reference", "PP261201.1530.B67890")
        with page.expect_navigation():
            page.click("button:has-text('Encaisser')")
        profile = look(page, "client-paiement")
        assert f"Solde du client : {fcfa(owed - 25000)}" in profile, profile[:200]
        row = sheet.row("Clients", debtor["ID"])
        assert Decimal(str(row["Solde"])) == owed - 25000 == card(page, "Solde")
        assert Decimal(str(row["Total payé"])) == card(page, "Total payé")

        # a guest arrives: today's first arrival goes from Confirmée to Effectuée
        page.goto(base + "/")
        arrivals = page.locator("main li:has(a[href^='/prestations/'])").filter(has_text="Confirmée")
        with page.expect_navigation():
            arrivals.first.locator("a").click()
        pid = page.url.rsplit("/", 1)[1]
        with page.expect_navigation():
            page.click("form[action$='/statut'] button:has-text('Effectuée')")
        look(page, "arrivee")
        assert "Effectuée" in page.inner_text("button[aria-current=true]")
        booking = sheet.row("Réservations", pid)
        assert booking["Statut"] == "Effectuée"
        assert card(page, "Reste à payer") == Decimal(str(booking["Montant total"])) - Decimal(str(booking["Payé"] or 0))

        # an expense at the Caisse; the drawer is what the Caisse rows add up to
        with page.expect_navigation():
            menu(page, "Caisse")
        page.fill("#dep-amount", "7 500")
        page.select_option("#dep-category", "Transport")
        page.fill("#dep-description", "Taxi pour le marché")
        with page.expect_navigation():
            page.click("button:has-text('Enregistrer la dépense')")
        look(page, "caisse-depense")
        assert "Dépense enregistrée" in page.inner_text("main")
        assert card(page, "Solde de caisse") == sheet.cash()
        page.goto(base + "/caisse/cloture")  # the day by means of payment: Espèces and Flooz, fits the screen
        closing = look(page, "cloture")
        assert "Flooz" in closing and fcfa(25000) in closing

        # meanwhile, in the spreadsheet, a person raises a price and cancels a booking…
        coca = next(name for name in stock if name.startswith("Coca"))
        new_price = Decimal(str(stock[coca]["Prix de vente"])) + 50
        sheet.type("Stock", stock[coca]["ID"], "Prix de vente", str(new_price))
        other = next(r for r in sheet.rows("Réservations") if r["Statut"] == "Confirmée" and r["ID"] != pid)
        sheet.type("Réservations", other["ID"], "Statut", "Annulée")
        # … the next page shows both
        page.goto(base + "/")
        tile = page.inner_text(f"button[name=article][value={stock[coca]['ID']}]")
        assert fcfa(new_price) in tile, tile
        page.goto(f"{base}/prestations/{other['ID']}")
        assert "Annulée" in page.inner_text("button[aria-current=true]")
        look(page, "annulee-dans-la-feuille")
        # … and the next action uses what the sheet says, even when it changed after the page was shown
        page.goto(base + "/")
        sheet.type("Stock", stock[coca]["ID"], "Prix de vente", str(new_price + 50))
        with page.expect_navigation():
            page.click(f"button[name=article][value={stock[coca]['ID']}]")
        assert fcfa(new_price + 50) in page.inner_text(".sold")
        sale_id = re.search(r"vente=(\w+)", page.url).group(1)
        assert Decimal(str(sheet.row("Caisse", sale_id)["Montant"])) == new_price + 50
        look(page, "vente-nouveau-prix")
        # the installable counter keeps its copy of the prices: one typed in the sheet since then is what the
        # Caisse records, and the counter's answer says that amount (not only the total it computed itself)
        page.goto(base + "/comptoir")
        water = next(name for name in stock if name.startswith("Eau"))
        page.wait_for_selector(f"#articles button:has-text('{water}')")
        water_price = Decimal(str(stock[water]["Prix de vente"])) + 50
        sheet.type("Stock", stock[water]["ID"], "Prix de vente", str(water_price))
        page.click(f"#articles button:has-text('{water}')")
        page.click("#encaisser")
        page.locator("#file li", has_text="Vente enregistrée").first.wait_for()
        counter = page.inner_text("#file")
        assert f"Vente enregistrée : {fcfa(water_price)}" in counter, counter
        assert Decimal(str(sheet.rows("Caisse")[-1]["Montant"])) == water_price
        look(page, "comptoir")
        page.goto(base + "/")

        # the scheduled sync journals the person's edits; the Journal shows them, formatted
        report = server.biz.sync()
        assert report.journal_rows >= 2, report.lines()
        with page.expect_navigation():
            menu(page, "Journal")
        journal = look(page, "journal")
        assert "(feuille)" in journal and f"Prix de vente : {fcfa(new_price - 50)} → {fcfa(new_price + 50)}" in journal
        page.goto(base + "/")
        board = look(page, "tableau-de-bord-fin")
        assert f"a modifié l'article {coca}" in board  # named, not by its ID
        assert card(page, "Solde de caisse") == sheet.cash()
        # what a page costs on an unchanged workbook: one Drive version check, no Sheets request
        api = sheet.person.api
        before = len(api.calls())
        page.goto(base + "/caisse")
        assert card(page, "Solde de caisse") == sheet.cash()
        sent = [c.method_id or c.path for c in api.calls()[before:]]
        assert len(sent) == 1 and "drive" in sent[0], sent
        browser.close()

    errors = [(status, url) for status, url in documents if status >= 500]
    assert errors == [], errors


@pytest.mark.parametrize("payment_first", [False, True], ids=["sync-first", "payment-first"])
def test_a_total_typed_in_the_sheet_stands(google_shop, payment_first):
    """DESIGN.md: « a Montant total typed on a prestation with Lignes stands, and an adjustment line
    (Ajustement) brings the lines to it ». Typed in the sheet, then (or not) a payment in the app before the
    next sync."""
    base, password, server, sheet = google_shop
    import requests

    s = requests.Session()
    page = s.get(base + "/connexion").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert s.post(base + "/connexion", data={"csrf": csrf, "email": "admin@lepalmier.tg", "password": password},
                  allow_redirects=False).status_code == 303
    lines = {r["Prestation ID"] for r in sheet.rows("Lignes")}
    booking = next(r for r in sheet.rows("Réservations")
                   if r["ID"] in lines and Decimal(str(r["Solde"] or 0)) > 0 and r["Statut"] != "Annulée")
    typed = Decimal(str(booking["Montant total"])) + 6000
    sheet.type("Réservations", booking["ID"], "Montant total", str(typed))
    if payment_first:
        html = s.get(f"{base}/prestations/{booking['ID']}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
        idem = re.search(r'name="idem" value="([^"]+)"', html).group(1)
        r = s.post(f"{base}/prestations/{booking['ID']}/paiement", allow_redirects=False,
                   data={"csrf": csrf, "idem": idem, "amount": "1000", "method": "Espèces"})
        assert r.status_code == 303, r.text[:300]
    server.biz.sync()
    assert Decimal(str(sheet.row("Réservations", booking["ID"])["Montant total"])) == typed
    assert any(r["Prestation ID"] == booking["ID"] and r["Article"] == "Ajustement" for r in sheet.rows("Lignes"))
