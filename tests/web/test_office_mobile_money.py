"""Caisse pages and mobile money: the declared payments listed for the owner, « Vérifié » (admin only,
journaled), and the clôture listing each operator's total of the day."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.books.commands import QuickSale
from tests.web.test_office_caisse import caisse_rows, form_of, make_office


@pytest.fixture
def office(biz, clock):
    biz.set_setting("country", "TG", "Awa")
    coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", 10, "Awa")
    shell = make_office(biz, clock)
    shell.coca = coca
    return shell


def test_the_owner_verifies_a_declared_flooz_payment(office):
    biz = office.biz
    sale = biz.submit(QuickSale(((office.coca, 2),), "Flooz", "", "FLZ42"), "Kofi Agbo")
    kofi = office.login_employee()
    page = kofi.get("/caisse").get_data(as_text=True)
    assert "Mobile money à vérifier" in page and "réf. FLZ42" in page
    assert f'action="/caisse/verifier/{sale["caisse_id"]}"' not in page  # the cashier does not verify
    admin = office.login_admin()
    page = admin.get("/caisse").get_data(as_text=True)
    hidden = form_of(page, f"/caisse/verifier/{sale['caisse_id']}")
    assert kofi.post(f"/caisse/verifier/{sale['caisse_id']}", data=hidden).status_code == 403
    r = admin.post(f"/caisse/verifier/{sale['caisse_id']}", data=hidden)
    assert r.status_code == 303
    row = next(x for x in caisse_rows(biz) if x.id == sale["caisse_id"])
    assert row["check"] == "Vérifié"
    assert "Mobile money à vérifier" not in admin.get("/caisse").get_data(as_text=True)
    journal = biz.load(["journal"]).all_rows("journal")[-1]
    assert (journal["action"], journal["actor"]) == ("vérifié", "Awa Mensah")


def test_the_closing_lists_each_operator_of_the_day(office):
    biz = office.biz
    biz.submit(QuickSale(((office.coca, 2),), "Flooz", "", "A1"), "Awa")
    biz.submit(QuickSale(((office.coca, 1),), "Mixx by Yas", "", "B1"), "Awa")
    biz.submit(QuickSale(((office.coca, 1),)), "Awa")
    page = office.login_employee().get("/caisse/cloture").get_data(as_text=True)
    table = page[page.index('id="operateurs"'):page.index("</table>", page.index('id="operateurs"'))]
    assert table.index("Espèces") < table.index("Flooz") < table.index("Mixx by Yas")
    assert "1\u00a0000\u00a0FCFA déclaré, à vérifier" in table
    assert Decimal(1000) == sum(r["amount"] for r in caisse_rows(biz) if r["method"] == "Flooz")


def test_the_admin_edits_methods_discount_limit_and_tva(office):
    from functions.books import methods, tax

    biz = office.biz
    assert office.login_employee().get("/caisse/moyens").status_code == 403
    admin = office.login_admin()
    page = admin.get("/caisse/moyens").get_data(as_text=True)
    assert "Mixx by Yas\nFlooz" in page  # Togo's list, to edit
    hidden = form_of(page, "/caisse/moyens")
    bad = admin.post("/caisse/moyens", data={**hidden, "payment_methods": "Espèces\nWave", "discount_max_employee": "150",
                                             "vat_enabled": "Oui", "vat_rate": "18", "vat_prices": "TTC"})
    assert bad.status_code == 400 and 'id="discount_max_employee-err"' in bad.get_data(as_text=True)
    assert methods.methods(biz.load(["settings"]).settings)[1] == "Mixx by Yas"  # nothing saved
    ok = admin.post("/caisse/moyens", data={**hidden, "payment_methods": "Espèces\nWave\nwave\nOrange Money",
                                            "discount_max_employee": "15", "vat_enabled": "Oui", "vat_rate": "18",
                                            "vat_prices": "HT"})
    assert ok.status_code == 303
    s = biz.load(["settings"]).settings
    assert methods.methods(s) == ("Espèces", "Wave", "Orange Money")
    assert (s["discount_max_employee"], tax.enabled(s), tax.prices_ht(s), tax.default_rate(s)) == \
        ("15", True, True, Decimal(18))
    assert any(j["action"] == "paramètre" and "Moyens de paiement" in j["changes"]
               for j in biz.load(["journal"]).all_rows("journal"))


def test_a_rate_per_article_and_per_type_from_the_forms_when_tva_is_on(office):
    biz = office.biz
    admin = office.login_admin()
    assert 'name="vat_rate"' not in admin.get("/stock/nouveau").get_data(as_text=True)  # TVA off: no field
    biz.set_setting("vat_enabled", "Oui", "Awa")
    page = admin.get("/stock/nouveau").get_data(as_text=True)
    assert 'name="vat_rate"' in page
    hidden = form_of(page, "/stock/nouveau")
    r = admin.post("/stock/nouveau", data={**hidden, "article": "Riz", "unit": "kg", "for_sale": "Oui",
                                           "sale_price": "1000", "vat_rate": "0"})
    assert r.status_code == 303
    riz = next(s for s in biz.load(["stock"]).rows("stock") if s["article"] == "Riz")
    assert riz["vat_rate"] == Decimal(0)
    page = admin.get("/parametres/activite").get_data(as_text=True)
    hidden = form_of(page, "/parametres/types")
    r = admin.post("/parametres/types", data={**hidden, "name": "Coupe", "price": "3000", "vat_rate": "9,5"})
    assert r.status_code == 303
    coupe = next(t for t in biz.load(["types"]).rows("types") if t["name"] == "Coupe")
    assert coupe["vat_rate"] == Decimal("9.5")
