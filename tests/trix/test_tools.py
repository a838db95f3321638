"""Each tool answers with the figures the ledger rules give for the fixture business, and writes nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from functions.books import dashboard, ledger
from functions.books.derive import derive
from functions.templating import money
from functions.trix.figures import TABS, Figures, period
from functions.trix.tools import SPECS, TOOLS, run_tool, wa_number


@pytest.fixture
def fig(shop):
    return Figures(shop.load(TABS), shop.now())


def call(fig: Figures, name: str, **args):
    return json.loads(run_tool(name, json.dumps(args), fig))


def xof(value) -> str:
    return money(Decimal(value), "XOF")


def test_kpis_of_the_month_equal_the_dashboard(shop, fig):
    book = shop.load()
    k = dashboard.kpis(book, derive(book), {}, shop.now())
    out = call(fig, "kpis", period="this_month")
    assert out["entrees"] == xof(k.month_sales)
    assert out["depenses"] == xof(k.month_expenses)
    assert out["solde_caisse_actuel"] == xof(k.cash)
    assert out["impayes_clients_actuels"] == xof(k.unpaid_total)
    # and against the entries themselves: 20 000 + 25 000 paid, 3 soaps and 4 waters sold, 5 000 revenue
    assert out["entrees"] == xof(20000 + 25000 + 3 * 500 + 4 * 400 + 5000)
    assert out["dont_ventes_rapides"] == xof(3 * 500 + 4 * 400)
    assert out["depenses"] == xof(12000 + 3000)
    assert out["prestations_commencees"] == 2 and out["prestations_annulees"] == 1
    # the prestation of the 16th has not started yet
    assert out["periode"] == {"libelle": "ce mois-ci", "du": "01/03/2026", "au": "14/03/2026"}


def test_periods_split_the_ledger(fig):
    feb = call(fig, "kpis", period="last_month")
    assert feb["entrees"] == xof(7000) and feb["depenses"] == xof(4000)
    custom = call(fig, "kpis", start="2026-02-01", end="2026-03-14")
    year = call(fig, "kpis", period="this_year")
    assert custom["entrees"] == year["entrees"] == xof(7000 + 20000 + 25000 + 3100 + 5000)
    assert period("this_week", date(2026, 3, 14)).start == date(2026, 3, 9)  # a Monday


def test_client_balances_equal_the_computed_column(shop, fig):
    rows = {c["name"]: c["balance"] for c in shop.load(["clients"]).rows("clients")}
    out = call(fig, "client_balances")
    owing = sorted(((n, b) for n, b in rows.items() if b and b > 0), key=lambda x: -x[1])
    assert [(c["nom"], c["solde"]) for c in out["clients"]] == [(n, xof(b)) for n, b in owing]
    assert out["clients"][0]["nom"] == "Kofi Mensah" and out["clients"][0]["solde"] == xof(40000)
    assert call(fig, "client_balances", limit=1)["nombre_clients_debiteurs"] == len(owing)


def test_unpaid_prestations_skip_cancelled_and_paid(shop, fig):
    book = shop.load(["prestations"])
    expected = [p for p in book.rows("prestations") if p["status"] != "Annulée" and p["balance"] > 0]
    out = call(fig, "unpaid_prestations")
    assert out["nombre"] == len(expected) == 2
    assert out["total_restant"] == xof(sum(p["balance"] for p in expected))
    assert {p["reste"] for p in out["prestations"]} == {xof(40000), xof(15000)}


def test_sales_by_type_and_by_article(shop, fig):
    month = {"start": "2026-03-01", "end": "2026-03-31"}  # the whole month, the 16th's stay included
    by_type = {t["type"]: t for t in call(fig, "sales_by_type", **month)["types"]}
    assert set(by_type) == {"Chambre double", "Chambre simple"}  # the cancelled Suite is not a sale
    assert by_type["Chambre simple"]["nombre"] == 2 and by_type["Chambre simple"]["montant_facture"] == xof(40000)
    articles = {a["article"]: a for a in call(fig, "sales_by_article", period="this_month")["articles"]}
    assert articles["Savon"]["quantite"] == "3" and articles["Savon"]["montant"] == xof(1500)
    caisse_sales = sum(r["amount"] for r in shop.load(["caisse"]).rows("caisse") if r["type"] == "Vente")
    assert sum(Decimal(a["montant"].replace("\u00a0", "").replace("FCFA", "")) for a in articles.values()) == caisse_sales


def test_stock_and_low_stock_equal_the_ledger(shop, fig):
    book = shop.load(["stock", "movements"])
    qty = ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))
    full = call(fig, "stock_status", only_low=False)
    assert {a["article"]: a["quantite"] for a in full["articles"]} == {
        s["article"]: dashboard.ledger_text(qty[s.id]) for s in book.rows("stock")}
    low = call(fig, "stock_status")
    assert [a["article"] for a in low["articles"]] == ["Eau 1,5 L"]  # 8 - 4 = 4 <= 6; soap 7 > 5
    assert full["valeur_stock_prix_achat"] == xof(7 * 300 + 4 * 250)


def test_agenda_cash_and_investments(fig):
    agenda = call(fig, "upcoming_agenda", days=7)
    assert [(t["titre"], t["en_retard"]) for t in agenda["taches"]] == [
        ("Commander du savon", True), ("Payer l'électricité", False)]
    assert [p["debut"] for p in agenda["prestations_a_venir"]] == ["16/03/2026"]
    cash = call(fig, "cash_by_category", period="this_month")
    assert cash["total_entrees"] == call(fig, "kpis")["entrees"]
    assert {(s["categorie"], s["montant"]) for s in cash["sorties"]} == {("Fournitures", xof(12000)),
                                                                         ("Transport", xof(3000))}
    inv = call(fig, "investment_returns")["investissements"][0]
    assert inv["roi"] == "25,0 %" and inv["gain_attendu"] == xof(100000) and inv["gain_par_mois"] == xof(10000)


def test_tools_are_read_only_and_refuse_unknown_names(shop, fig):
    writes = shop.workbook.backend.requests["write"]
    for name in TOOLS:
        if name != "whatsapp_link":
            json.loads(run_tool(name, "{}" if name != "find_clients" else '{"query": "ko"}', fig))
    assert shop.workbook.backend.requests["write"] == writes
    assert "inconnu" in call(fig, "delete_client", id=shop.ids["kofi"])["erreur"]
    assert "erreur" in json.loads(run_tool("kpis", "{not json", fig))
    assert "Période inconnue" in call(fig, "kpis", period="forever")["erreur"]
    assert {s["function"]["name"] for s in SPECS} == set(TOOLS)
    assert not any(word in name for name in TOOLS for word in ("add", "delete", "update", "set", "pay", "write"))


def test_whatsapp_link_and_numbers(fig):
    out = call(fig, "whatsapp_link", phone="90 11 22 33", message="Bonjour Kofi, merci !")
    assert out["lien"] == "https://wa.me/22890112233?text=Bonjour%20Kofi%2C%20merci%20%21"
    assert fig.links == [{"telephone": "22890112233", "lien": out["lien"]}]
    assert wa_number("+228 90 11 22 33", "TG") == "22890112233"
    assert wa_number("0612345678", "FR") == "33612345678"
    assert wa_number("abc", "TG") == ""
    assert "erreur" in call(fig, "whatsapp_link", phone="90112233", message=" ")
