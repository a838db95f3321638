"""Stock pages in-process: list (low stock first, highlighted), add with an initial quantity, edit,
adjustments with a reason, movement history, the image and its « Générer l'image (IA) » form."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from functions.books import ledger
from tests.web.test_office_caisse import form_of, make_office, post


@pytest.fixture
def office(biz, clock):
    return make_office(biz, clock)

NEW = "/stock/nouveau"


def qty(biz, article_id):
    book = biz.load(["stock", "movements"])
    return ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))[article_id]


def add_article(client, **data):
    return post(client, NEW, NEW, **data)


def test_new_article_with_initial_quantity_is_one_change(office):
    biz = office.biz
    admin = office.login_admin()
    r = add_article(admin, article="Coca 33 cl", unit="bouteilles", initial="24", threshold="6", for_sale="Oui",
                    sale_price="500", purchase_price="350", image="", notes="")
    assert r.status_code == 303
    article = biz.load(["stock"]).rows("stock")[-1]
    assert r.headers["Location"].endswith(f"/stock/{article.id}")
    assert qty(biz, article.id) == 24
    moves = biz.load(["movements"]).all_rows("movements")
    assert [(m["reason"], m["quantity"], m["reference"]) for m in moves] == [("Entrée", Decimal(24), "Stock initial")]
    page = admin.get(f"/stock/{article.id}").get_data(as_text=True)
    assert "24 bouteilles" in page and "Marge : 150\u00a0FCFA (30,0\u00a0%)" in page
    assert f'action="/trix/image/{article.id}"' in page and "Générer l'image (IA)" in page
    assert biz.verify_journal().ok


def test_article_errors_are_next_to_their_field_and_nothing_is_written(office):
    admin = office.login_admin()
    r = add_article(admin, article="", unit="kg", initial="beaucoup", sale_price="-3")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'id="article-err"' in html and 'value="beaucoup"' in html
    assert office.biz.load(["stock"]).rows("stock") == [] and office.biz.load(["movements"]).all_rows("movements") == []


def test_low_stock_is_highlighted_and_listed_first(office):
    biz = office.biz
    biz.add("stock", {"article": "Savon", "threshold": "10"}, "Awa")
    low = biz.load(["stock"]).rows("stock")[-1].id
    biz.add("stock", {"article": "Bière", "threshold": "2"}, "Awa")
    fine = biz.load(["stock"]).rows("stock")[-1].id
    biz.stock_adjust(low, "Entrée", "3", "Awa")
    biz.stock_adjust(fine, "Entrée", "30", "Awa")
    admin = office.login_admin()
    html = admin.get("/stock").get_data(as_text=True)
    assert "1 article(s) en stock bas" in html
    assert html.index("Savon") < html.index("Bière")
    assert re.search(r'<tr class="low">\s*<td class="hide-s"></td>\s*<td><a href="/stock/' + low, html)
    only = admin.get("/stock?bas=1").get_data(as_text=True)
    assert "Savon" in only and "Bière" not in only
    assert "Bière" in admin.get("/stock?q=biere").get_data(as_text=True)


def test_adjustments_and_history(office):
    biz = office.biz
    biz.add("stock", {"article": "Riz", "unit": "kg"}, "Awa")
    aid = biz.load(["stock"]).rows("stock")[-1].id
    kofi = office.login_employee()
    page = f"/stock/{aid}"
    action = f"/stock/{aid}/ajuster"
    assert post(kofi, page, action, kind="Entrée", quantity="50", reason="Livraison").status_code == 303
    r = post(kofi, page, action, kind="Perte", quantity="5", reason="")
    assert r.status_code == 400 and 'id="reason-err"' in r.get_data(as_text=True)
    r = post(kofi, page, action, kind="Sortie", quantity="80", reason="Cuisine")
    assert r.status_code == 409 and 'id="quantity-err"' in r.get_data(as_text=True)
    assert post(kofi, page, action, kind="Perte", quantity="5", reason="Sac percé").status_code == 303
    assert post(kofi, page, action, kind="Inventaire", quantity="44", reason="Comptage").status_code == 303
    assert qty(biz, aid) == 44
    html = kofi.get(page).get_data(as_text=True)
    history = html[html.index("<h2>Mouvements</h2>"):]
    assert [m for m in re.findall(r"<td>(Entrée|Perte|Inventaire|Sortie)", history)] == ["Inventaire", "Perte", "Entrée"]
    assert "Sac percé" in history and "Kofi Agbo" in history


def test_edit_article_and_image(office):
    biz = office.biz
    biz.add("stock", {"article": "Fanta"}, "Awa")
    aid = biz.load(["stock"]).rows("stock")[-1].id
    admin = office.login_admin()
    edit = f"/stock/{aid}/modifier"
    form = admin.get(edit).get_data(as_text=True)
    assert 'value="Fanta"' in form
    hidden = form_of(form, edit)
    r = admin.post(edit, data={**hidden, "article": "Fanta orange", "unit": "bouteilles", "for_sale": "Oui",
                               "sale_price": "400", "image": "/trix/images/fanta.png"})
    assert r.status_code == 303
    a = biz.load(["stock"]).find("stock", aid)
    assert (a["article"], a["sale_price"], a["for_sale"], a["image"]) == ("Fanta orange", Decimal(400), "Oui",
                                                                           "/trix/images/fanta.png")
    assert '<img class="thumb" src="/trix/images/fanta.png" loading="lazy" alt="">' in admin.get("/stock").get_data(as_text=True)
    assert admin.get("/stock/SNOPE").status_code == 404


def test_employee_without_stock_permission_is_refused(office):
    office.biz.set_setting("perm_stock", "Non", "Awa")
    assert office.login_employee().get("/stock").status_code == 403
