"""One hotel's whole day in headless Chromium at 360 px, on one .xlsx workbook + SQLite state served on
localhost, every step through the web pages:

first-run setup (« Hôtel ») → a room type (Paramètres) → two drinks in stock (one with an initial quantity,
one with an « Entrée » adjustment) → a booking for a new client with a Flooz deposit → check-in
(« Effectuée ») → two drinks from the Vente Rapide → an expense → clôture de caisse with a small shortage →
the dashboard's figures → the Journal (each step, in order, by the admin) → the deposit's receipt, opened
from its link by someone not logged in.

Each page visited is screenshotted to ``tests/artifacts/hotel_day/`` and checked by axe-core (no
« serious » or « critical » violation), by the label / contrast / width check of the sales walk, and for form
controls sticking out of their card.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from functions.books import closing, ledger
from tests.web.conftest import live_app, menu_entry
from tests.web.test_sales_walk import AUDIT_JS, CHROMIUM, FLAGS

playwright = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "hotel_day"
ADMIN = "Awa Mensah"
NBSP = "\u00a0"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")

#: App bugs found by this walk in files it may not change, reported to the lead: (page, axe rule, element,
#: its text). The walk checks each is still there, so that the fix also removes its line here.
#: - the receipt page's « Partager sur WhatsApp » button: white on #128c4a is 4.3:1, under 4.5:1
#:   (templates/receipts/receipt.html, ``.actions a.wa``; #0f7a3f would give 5.4:1).
KNOWN: set[tuple[str, str, str, str]] = set()  # accessibility findings accepted for now (none)

#: Form controls and buttons that stick out of their card (``.box``): the page may not scroll sideways and
#: still look broken, as a date field did at 360 px.
OUT_OF_BOX_JS = r"""
() => [...document.querySelectorAll('.box input, .box select, .box textarea, .box button, .box a.btn')]
  .filter(el => el.type !== 'hidden' && el.getBoundingClientRect().width > 0)
  .filter(el => { const r = el.getBoundingClientRect(), b = el.closest('.box').getBoundingClientRect();
                  return r.right > b.right + 0.5 || r.left < b.left - 0.5; })
  .map(el => el.id || el.name || el.textContent.trim().slice(0, 40))
"""

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def fcfa(amount: int) -> str:
    """``20 150`` as the pages print it: ``20 150 FCFA`` with non-breaking spaces."""
    return f"{amount:,}".replace(",", NBSP) + NBSP + "FCFA"


@pytest.fixture
def server(tmp_path):
    # no workbook yet: the set-up page creates it, as on a first run
    with live_app(tmp_path, initialised=False, receipts=True) as (base, biz, _app):
        yield base, biz


def test_a_hotel_day_from_setup_to_journal_at_360px(server):
    base, biz = server
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    shots: list[str] = []
    axe = axe_sync.Axe()

    def look(page, name):
        """Screenshot, then the accessibility checks of the page as it is now."""
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-{name}.png"), full_page=True)
        shots.append(name)
        known = {(rule, target) for page_name, rule, target, _ in KNOWN if page_name == name}
        seen, serious = set(), []
        for v in axe.run(page).response["violations"]:
            for node in v["nodes"] if v["impact"] in ("serious", "critical") else ():
                target = " ".join(map(str, node["target"]))
                if (v["id"], target) in known:
                    seen.add((v["id"], target))
                else:
                    serious.append(f"{v['id']} ({v['help']}) {target}: {node['failureSummary'].splitlines()[-1].strip()}")
        assert serious == [], (name, serious)
        assert seen == known, (name, "a known issue is fixed: drop it from KNOWN", known - seen)
        report = page.evaluate(AUDIT_JS)
        assert report["labels"] == [], (name, report["labels"])
        texts = tuple(text for page_name, _, _, text in KNOWN if page_name == name)
        assert [c for c in report["contrast"] if not c.startswith(texts)] == [], (name, report["contrast"])
        assert report["width"] <= 360, (name, "scrolls sideways", report["width"])
        assert page.evaluate(OUT_OF_BOX_JS) == [], (name, "out of their card")

    def go(page, selector):
        """Click what leads to another page and wait for that page to load."""
        if selector.startswith("nav >> text="):  # a menu entry: in the bar, or behind « Plus »
            selector = menu_entry(page, selector.removeprefix("nav >> text="))
        with page.expect_navigation(wait_until="load"):
            page.click(selector) if isinstance(selector, str) else selector.click()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        phone = {"viewport": {"width": 360, "height": 740}, "locale": "fr-FR"}  # a French-speaking phone
        page = browser.new_context(**phone).new_page()
        page.set_default_timeout(5000)  # a missing element fails in seconds, not in 30

        # 0. first run: the admin and the business, a hotel
        page.goto(base + "/")
        assert page.url == base + "/installation"
        page.fill("#name", ADMIN)
        page.fill("#email", "awa@example.tg")
        page.fill("#password", "motdepasse-awa")
        page.fill("#password2", "motdepasse-awa")
        page.fill("#business_name", "Hôtel du Lac")
        page.select_option("#business_type", "Hôtel")
        look(page, "installation")
        go(page, "button[type=submit]")
        assert page.url == base + "/"
        assert "Réservations" in page.inner_text("nav") and "Prestations" not in page.inner_text("nav")
        assert "Bienvenue ! Votre entreprise est prête." in page.inner_text(".notice")
        today = biz.now().date()
        look(page, "accueil-premier")

        # 1. a room type, from Paramètres
        go(page, "nav >> text=Paramètres")
        look(page, "parametres")
        go(page, "text=Types de prestations ou de chambres")
        page.fill("#name", "Chambre double")
        page.fill("#price", "25 000")
        look(page, "type-chambre")
        go(page, "text=Ajouter le type")
        assert "Type « Chambre double » ajouté." in page.inner_text(".notice")

        # 2. two drinks: a beer with its initial quantity, a soda stocked by an « Entrée »
        drinks: dict[str, str] = {}
        for name, price, initial in (("Bière Flag", "500", "24"), ("Coca", "400", "")):
            go(page, "nav >> text=Stock")
            go(page, "text=Ajouter un article")
            page.fill("#article", name)
            page.fill("#initial", initial)
            page.fill("#threshold", "3")
            page.select_option("#for_sale", "Oui")
            page.fill("#sale_price", price)
            if not initial:
                look(page, "article-nouveau")
            go(page, "button:has-text('Enregistrer')")
            assert f"Article « {name} » ajouté." in page.inner_text(".notice")
            drinks[name] = page.url.rsplit("/", 1)[1]
            if initial:
                assert f"Quantité : {initial} pièces" in page.inner_text("main")
                assert "Stock initial" in page.inner_text("table")
                look(page, "article-biere")
        page.select_option("#kind", "Entrée")
        page.fill("#quantity", "12")
        page.fill("#reason", "Livraison du brasseur")
        go(page, "text=Enregistrer l'ajustement")
        assert "Stock de « Coca » ajusté (Entrée)." in page.inner_text(".notice")
        assert "Quantité : 12" in page.inner_text("main")
        look(page, "article-entree")
        go(page, "nav >> text=Stock")
        for name, qty in (("Bière Flag", "24 pièces"), ("Coca", "12 pièces")):
            row = page.locator("tbody tr", has_text=name).inner_text()
            assert "À vendre" in row and qty in row, row
        look(page, "stock")

        # 3. a booking for a new client, two nights, 20 000 paid now by Flooz
        go(page, "nav >> text=Réservations")
        look(page, "reservations-vide")
        go(page, "text=Nouvelle réservation")
        page.fill("#client_name", "Afi Dossou")
        page.fill("#client_phone", "90 55 66 77")
        page.select_option("#type", "Chambre double")
        page.fill("#start", today.isoformat())
        page.fill("#end", (today + timedelta(days=2)).isoformat())
        page.fill("#paid_now", "20 000")
        page.select_option("#method", "Flooz")
        look(page, "reservation-formulaire")
        go(page, "button:has-text('Enregistrer')")
        assert re.search(r"/prestations/P\w+$", page.url), page.url
        booking_url = page.url
        booking = page.inner_text("main")
        assert "Afi Dossou" in booking and "En attente" in booking
        cards = page.inner_text(".cards")
        assert re.search(rf"Total\s+{fcfa(50000)}\s+Payé\s+{fcfa(20000)}\s+Reste à payer\s+{fcfa(30000)}", cards), cards
        look(page, "reservation-acompte")

        # 4. the guest arrives: check-in
        go(page, "button:has-text('Effectuée')")
        assert page.inner_text("button[aria-current=true]") == "Effectuée"
        assert page.get_attribute("button[aria-current=true]", "disabled") is not None
        look(page, "reservation-arrivee")

        # 5. two drinks from the Vente Rapide, one tap each, paid in cash
        go(page, "nav >> text=Accueil")
        look(page, "vente-rapide")
        for name, price in (("Bière Flag", 500), ("Coca", 400)):
            page.fill("#sale-qty", "1")
            page.select_option("#sale-method", "Espèces")
            go(page, f"button[name=article][value={drinks[name]}]")
            sold = page.inner_text(".sold")
            assert f"1 × {name}" in sold and fcfa(price) in sold, sold
        look(page, "vente-coca")

        # 6. an expense: ice and lemons for the bar, 700 in cash
        go(page, "nav >> text=Caisse")
        page.fill("#dep-amount", "700")
        page.select_option("#dep-category", "Nourriture et boissons")
        page.fill("#dep-description", "Glace et citrons pour le bar")
        page.select_option("#dep-method", "Espèces")
        look(page, "caisse-depense-saisie")
        go(page, "text=Enregistrer la dépense")
        assert "Dépense enregistrée (Nourriture et boissons)." in page.inner_text(".notice")
        balance = 20000 + 500 + 400 - 700  # the Flooz deposit counts in the balance…
        assert fcfa(balance) in page.inner_text(".cards")
        expected = 500 + 400 - 700  # … but only the cash is in the drawer
        look(page, "caisse")

        # 7. clôture de caisse: 50 short
        go(page, "text=Clôture de caisse")
        assert fcfa(expected) in page.inner_text(".box")
        counted = expected - 50
        page.fill("#counted", f"{counted:,}".replace(",", " "))
        page.fill("#note", "une pièce de 50 introuvable")
        look(page, "cloture-saisie")
        go(page, "text=Clôturer la caisse")
        notice = page.inner_text(".notice")
        assert f"compté {fcfa(counted)}, attendu {fcfa(expected)} — manquant de {fcfa(50)}" in notice, notice
        look(page, "cloture-faite")

        # 8. the dashboard
        go(page, "nav >> text=Accueil")
        lines = page.inner_text(".cards").split("\n")
        figures = dict(zip(lines[::2], lines[1::2], strict=True))
        month = f"{MONTHS[today.month - 1]} {today.year}"
        assert figures == {
            f"Ventes de {month}": fcfa(20000 + 500 + 400),  # the deposit and the two drinks
            f"Dépenses de {month}": fcfa(700 + 50),  # the expense and the closing's shortage, both money out
            "Solde de caisse": fcfa(20000 + counted),  # Flooz + the drawer as counted
            "Soldes impayés": fcfa(50000 - 20000),
        }, figures
        board = page.inner_text("main")
        arrivals = board.split("Arrivées du jour")[1].split("Stock bas")[0]
        assert "Afi Dossou" in arrivals and "Effectuée" in arrivals, arrivals
        assert "Stock : 23" in page.inner_text(f"button[value={drinks['Bière Flag']}]")
        assert "Stock : 11" in page.inner_text(f"button[value={drinks['Coca']}]")
        look(page, "tableau-de-bord")

        # 9. the Journal, newest first on the page: read oldest first, each step's entries in order
        go(page, "nav >> text=Journal")
        entries = []
        for item in page.query_selector_all("ol.chg > li.box"):
            head, when, *changes = item.inner_text().split("\n")
            action, _, tab_row = head.partition(" · ")
            tab, _, row = tab_row.partition(" ")
            entries.append((action, tab, row, when.split(" — ", 1)[1], " ; ".join(changes)))
        entries.reverse()
        assert {e[3] for e in entries} == {f"{ADMIN} (app)"}
        booking_id = booking_url.rsplit("/", 1)[1]
        assert [e[:2] for e in entries] == [
            ("ajout", "Équipe"),  # setup: the admin in the Équipe tab
            ("ajout", "Types"),
            ("ajout", "Stock"), ("stock", "Mouvements"),  # the beer and its initial quantity
            ("ajout", "Stock"), ("stock", "Mouvements"),  # the soda, then its « Entrée »
            ("ajout", "Clients"), ("ajout", "Réservations"), ("paiement", "Caisse"),  # booking + deposit
            ("statut", "Réservations"),  # check-in
            ("vente", "Caisse"), ("vente", "Caisse"),  # two drinks
            ("dépense", "Caisse"),
            ("clôture", "Caisse"), ("écart de caisse", "Caisse"),
        ], entries
        text = [e[4] for e in entries]
        assert f"Nom : Chambre double ; Prix : {fcfa(25000)}" in text[1]  # the Journal page formats amounts
        assert entries[3][2] != entries[5][2] and f"Article ID : {drinks['Bière Flag']}" in text[3]
        assert "Quantité : 24" in text[3] and "Référence : Stock initial" in text[3]
        assert f"Article ID : {drinks['Coca']}" in text[5] and "Quantité : 12" in text[5]
        assert "Référence : Livraison du brasseur" in text[5]
        assert "Nom : Afi Dossou" in text[6] and entries[7][2] == entries[9][2] == booking_id
        assert f"Montant total : {fcfa(50000)}" in text[7] and "Statut : En attente" in text[7]
        assert "Type : Encaissement" in text[8] and f"Montant : {fcfa(20000)} ; Moyen : Flooz" in text[8]
        assert text[9] == "Statut : En attente → Effectuée"
        assert f"1 × Bière Flag ; Montant : {fcfa(500)} ; Moyen : Espèces" in text[10]
        assert f"1 × Coca ; Montant : {fcfa(400)} ; Moyen : Espèces" in text[11]
        assert "Catégorie : Nourriture et boissons" in text[12] and f"Montant : {fcfa(700)}" in text[12]
        assert text[13] == (f"Attendu : {fcfa(expected)} ; Compté : {fcfa(counted)} ; Écart : {fcfa(-50)} ; "
                            "Hors caisse du jour : Flooz 20000 ; Remarque : une pièce de 50 introuvable")
        assert entries[14][2] == entries[13][2] and f"Catégorie : {closing.SHORTAGE}" in text[14]
        look(page, "journal")

        # 10. the deposit's receipt, from its link in the Caisse, opened by someone not logged in
        go(page, "nav >> text=Caisse")
        deposit = page.locator("tbody tr", has_text="Encaissement")
        assert "Afi Dossou" in deposit.inner_text() and "Flooz" in deposit.inner_text()
        receipt = deposit.locator("a", has_text="Reçu").get_attribute("href")
        assert re.fullmatch(re.escape(base) + r"/r/[A-Za-z0-9_-]{22,64}", receipt), receipt
        guest = browser.new_context(**phone).new_page()
        guest.set_default_timeout(5000)
        guest.goto(receipt)
        assert guest.url == receipt and "Déconnexion" not in guest.content()  # public: no session needed
        sheet = guest.inner_text("main")
        for line in ("REÇU DE PAIEMENT", "Pour\tRéservation N° 00001", "Client\tAfi Dossou", "Moyen\tFlooz",
                     f"Caissier\t{ADMIN}", f"Montant reçu\t{fcfa(20000)}", f"Total\t{fcfa(50000)}",
                     f"Total payé\t{fcfa(20000)}", f"Reste à payer\t{fcfa(30000)}", f"Copie authentique : {receipt}"):
            assert line in sheet.replace("\n", "\t"), (line, sheet)
        look(guest, "recu-acompte")
        browser.close()

    biz.forget()
    book = biz.load()
    caisse = book.all_rows("caisse")
    assert ledger.cash_balance([k for k in caisse if k["method"] == "Espèces"]) == Decimal(counted)
    assert ledger.cash_balance(caisse) == Decimal(20000 + counted)
    assert caisse[-1]["category"] == closing.SHORTAGE
    assert biz.verify_journal().ok
    assert len(list(ARTIFACTS.glob("*.png"))) == len(shots)
