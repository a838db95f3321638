"""The dashboard and its Vente Rapide, in-process, over the in-memory business of an Auberge in Lomé."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest

from functions.receipts.hooks import receipt_hook
from functions.web import modules
from tests.web.conftest import Shell, csrf_of

BASE = "http://127.0.0.1:8080"


class Hotel(Shell):
    """The shell with receipt links on, two room types, three drinks and a client who owes."""

    def __init__(self, biz, clock):
        super().__init__(biz, clock)
        assert modules.register(self.app, ["functions.web.sales:bp"]) == ["sales"]
        biz.change_hooks.append(receipt_hook(BASE))
        self.double = biz.add("types", {"name": "Chambre double", "price": "25000"}, "Awa")["id"]
        biz.add("types", {"name": "Suite", "price": "40000"}, "Awa")
        self.beer = self.article("Bière Flag", "500", 10, threshold="3", image="https://img.example/flag.png")
        self.soda = self.article("Coca", "400", 1, threshold="2")
        self.water = self.article("Eau", "200", 0)
        self.client_id = biz.add("clients", {"name": "Kodjo Mensah", "phone": "+22890001122"}, "Awa")["id"]

    def article(self, name, price, qty, **extra):
        sid = self.biz.add("stock", {"article": name, "for_sale": "Oui", "sale_price": price, **extra}, "Awa")["id"]
        if qty:
            self.biz.stock_adjust(sid, "Entrée", qty, "Awa")
        return sid

    def rows(self, tab):
        self.biz.forget()
        return self.biz.load([tab]).rows(tab)


@pytest.fixture
def hotel(biz, clock):
    return Hotel(biz, clock)


def page(client, path="/"):
    r = client.get(path)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_data(as_text=True)


def idem_of(html):
    return re.search(r'name="idem" value="([^"]+)"', html).group(1)


def sell(client, article, quantity="1", method="Espèces", html=None):
    html = html or page(client)
    return client.post("/vente-rapide", data={"csrf": csrf_of(html), "idem": idem_of(html), "article": article,
                                              "quantity": quantity, "method": method})


def test_the_dashboard_shows_the_month_cash_arrivals_stock_unpaid_and_recent_activity(hotel):
    biz = hotel.biz
    biz.add_prestation({"client_id": hotel.client_id, "type": "Chambre double", "start": date(2026, 3, 14),
                        "total": "50000"}, "Awa", paid_now="20000")
    biz.add_prestation({"client": "Yao", "start": date(2026, 3, 20), "total": "10000"}, "Awa")
    biz.expense("3000", "Transport", "Awa")
    html = page(hotel.login_admin())
    assert "Ventes de mars 2026" in html and "20\u00a0000\u00a0FCFA" in html
    assert "Dépenses de mars 2026" in html and "3\u00a0000\u00a0FCFA" in html
    assert "17\u00a0000\u00a0FCFA" in html  # cash: 20 000 in, 3 000 out
    arrivals = html.split("Arrivées du jour")[1].split("<h2>")[0]
    assert "Kodjo Mensah" in arrivals and "Yao" not in arrivals  # the 20th is not today
    low = html.split("Stock bas")[1].split("<h2>")[0]
    assert "Coca" in low and "Bière" not in low and "Eau" not in low  # Eau has no alert threshold
    unpaid = html.split("Soldes impayés</h2>")[1].split("<h2>")[0]
    assert "Kodjo Mensah" in unpaid and "30\u00a0000\u00a0FCFA" in unpaid and "Yao" in unpaid
    recent = html.split("Activité récente")[1]
    assert "dépense" in recent and "Awa" in recent and "Transport" in recent and "14/03/2026" in recent
    sell_box = html.split('id="vente-rapide"')[1].split("<h2>")[0]
    assert sell_box.count('name="article"') == 3
    assert "500\u00a0FCFA" in sell_box and "Stock : 10 pièces" in sell_box
    assert '<img src="https://img.example/flag.png" loading="lazy" alt="">' in sell_box
    water = re.search(rf'value="{hotel.water}"[^>]*>', sell_box).group(0)
    assert "disabled" in water and "Épuisé" in sell_box


def test_an_article_not_for_sale_is_not_on_the_dashboard(hotel):
    hotel.biz.add("stock", {"article": "Savon", "for_sale": "Non", "sale_price": "100"}, "Awa")
    sell_box = page(hotel.login_admin()).split('id="vente-rapide"')[1].split("<h2>")[0]
    assert "Savon" not in sell_box and "Coca" in sell_box


def test_quick_sale_writes_stock_cash_and_a_receipt_in_one_change(hotel):
    client = hotel.login_employee()
    journal_before = len(hotel.rows("journal"))
    r = sell(client, hotel.beer, "2", "Mobile Money")
    assert r.status_code == 303 and r.headers["Location"].startswith("/?vente=K")
    sale_id = r.headers["Location"].split("vente=")[1].split("#")[0]
    sale = next(k for k in hotel.rows("caisse") if k.id == sale_id)
    assert (sale["type"], sale["amount"], sale["method"], sale["created_by"]) == ("Vente", Decimal(1000),
                                                                                 "Mobile Money", "Kofi Agbo")
    assert sale["receipt"].startswith(BASE + "/r/")
    moves = [m for m in hotel.rows("movements") if m["reference"] == sale_id]
    assert [(m["article_id"], m["quantity"], m["reason"]) for m in moves] == [(hotel.beer, Decimal(-2), "Vente")]
    assert len(hotel.rows("journal")) == journal_before + 1
    html = page(client, r.headers["Location"])
    assert "Vente enregistrée" in html and "2 × Bière Flag" in html and sale["receipt"] in html
    assert "Stock : 8 pièces" in html
    assert hotel.biz.verify_journal().ok


def test_a_double_tap_sells_once(hotel):
    client = hotel.login_admin()
    html = page(client)
    first = sell(client, hotel.beer, html=html)
    second = sell(client, hotel.beer, html=html)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len([k for k in hotel.rows("caisse") if k["type"] == "Vente"]) == 1
    # the next render carries a new key: the next tap is a new sale
    assert sell(client, hotel.beer).headers["Location"] != first.headers["Location"]
    assert len([k for k in hotel.rows("caisse") if k["type"] == "Vente"]) == 2


def test_short_stock_is_refused_with_a_clear_message_and_nothing_changes(hotel):
    client = hotel.login_admin()
    caisse, moves = len(hotel.rows("caisse")), len(hotel.rows("movements"))
    r = sell(client, hotel.soda, "3", "Carte")
    html = unescape(r.get_data(as_text=True))
    assert r.status_code == 409
    assert "Stock insuffisant pour « Coca » : 1 disponible(s), 3 demandé(s). Rien n'a été vendu." in html
    assert 'id="sale-qty" name="quantity" inputmode="decimal" value="3"' in html  # the input is kept
    assert "<option selected>Carte</option>" in html
    assert (len(hotel.rows("caisse")), len(hotel.rows("movements"))) == (caisse, moves)


@pytest.mark.parametrize(("quantity", "message"), [("0", "supérieure à zéro"), ("deux", "n'est pas un nombre")])
def test_bad_quantities_are_refused(hotel, quantity, message):
    r = sell(hotel.login_admin(), hotel.beer, quantity)
    assert r.status_code == 400 and message in unescape(r.get_data(as_text=True))
    assert not [k for k in hotel.rows("caisse") if k["type"] == "Vente"]


def test_a_sale_needs_the_form_token(hotel):
    client = hotel.login_admin()
    html = page(client)
    r = client.post("/vente-rapide", data={"idem": idem_of(html), "article": hotel.beer, "quantity": "1"})
    assert r.status_code == 403
    assert not [k for k in hotel.rows("caisse") if k["type"] == "Vente"]
    assert client.post("/vente-rapide", data={"csrf": csrf_of(html)}).status_code == 400


def test_the_dashboard_is_small_and_stylesheet_served(hotel):
    client = hotel.login_admin()
    r = client.get("/")
    assert len(r.data) < 100_000
    css = client.get("/ventes.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and b".sell" in css.data
