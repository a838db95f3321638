"""The Vente Rapide of the dashboard with a discount and a reference, in-process: the employee's limit is
held under the discount field with the input kept, an admin is not limited, a reference twice is refused."""

from __future__ import annotations

from decimal import Decimal

from tests.web.conftest import csrf_of
from tests.web.test_sales import hotel, idem_of, page  # noqa: F401  - the fixture


def sell(client, article, **fields):
    html = page(client)
    return client.post("/vente-rapide", data={"csrf": csrf_of(html), "idem": idem_of(html), "article": article,
                                              "quantity": "1", **fields})


def test_an_employee_is_held_to_the_limit_and_an_admin_is_not(hotel):  # noqa: F811
    kofi = hotel.login_employee()
    r = sell(kofi, hotel.beer, quantity="4", method="Flooz", reference="R1", discount="25 %", discount_reason="ami")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="err-discount"' in html and "10 % au plus" in html
    assert 'value="25 %"' in html and 'value="R1"' in html  # what was typed is kept
    assert not [x for x in hotel.rows("caisse") if x["type"] == "Vente"]
    r = sell(kofi, hotel.beer, quantity="4", method="Flooz", reference="R1", discount="10 %", discount_reason="ami")
    assert r.status_code == 303
    r = sell(hotel.login_admin(), hotel.beer, quantity="2", discount="50 %", discount_reason="casse")
    assert r.status_code == 303
    sales = sorted((x["amount"], x["discount"], x["method"]) for x in hotel.rows("caisse") if x["type"] == "Vente")
    assert sales == [(Decimal(500), Decimal(500), "Espèces"), (Decimal(1800), Decimal(200), "Flooz")]


def test_the_same_reference_twice_is_refused_under_its_field(hotel):  # noqa: F811
    admin = hotel.login_admin()
    assert sell(admin, hotel.beer, method="Flooz", reference="ZX9").status_code == 303
    r = sell(admin, hotel.beer, method="Flooz", reference="zx9")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="err-reference"' in html and "déjà enregistrée pour Flooz" in html


def test_a_prestation_from_the_form_with_a_line_discount_a_whole_discount_and_a_reference(hotel):  # noqa: F811
    admin = hotel.login_admin()
    html = page(admin, "/prestations/nouvelle")
    r = admin.post("/prestations/nouvelle", data={
        "csrf": csrf_of(html), "idem": idem_of(html), "client_name": "Afi", "start": "2026-03-14", "status": "En attente",
        "line_article_0": f"T:{hotel.double}", "line_qty_0": "2", "line_discount_0": "10 %",
        "line_article_1": f"S:{hotel.beer}", "line_qty_1": "3",
        "discount": "1 000", "discount_reason": "séjour long", "paid_now": "10000", "method": "Flooz",
        "reference": "PF-778"})
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    pid = r.headers["Location"].rsplit("/", 1)[-1]
    lines = [ln for ln in hotel.rows("lines") if ln["prestation_id"] == pid]
    # 50 000 − 10 % = 45 000 and 1 500; 1 000 spread: 45 000/46 500 → 968, the last line takes 32
    assert [(ln["discount"], ln["total"]) for ln in lines] == [(Decimal(5968), Decimal(44032)),
                                                               (Decimal(32), Decimal(1468))]
    p = next(x for x in hotel.rows("prestations") if x.id == pid)
    assert p["total"] == Decimal(45500) == Decimal(46500) - 1000
    pay = next(x for x in hotel.rows("caisse") if x["prestation_id"] == pid)
    assert (pay["method"], pay["reference"], pay["check"]) == ("Flooz", "PF-778", "Déclaré")
    detail = page(admin, f"/prestations/{pid}")
    again = admin.post(f"/prestations/{pid}/paiement", data={"csrf": csrf_of(detail), "idem": idem_of(detail),
                                                             "amount": "1000", "method": "Flooz", "reference": "pf-778"})
    html = again.get_data(as_text=True)
    assert again.status_code == 400 and 'id="err-reference"' in html and "déjà enregistrée" in html


def test_an_admin_selling_below_cost_is_told(hotel):  # noqa: F811
    hotel.biz.update("stock", hotel.beer, {"purchase_price": "400"}, "Awa")
    admin = hotel.login_admin()
    r = sell(admin, hotel.beer, discount="30 %", discount_reason="fin de série")
    assert r.status_code == 303
    home = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "Attention : « Bière Flag » vendu sous son prix d&#39;achat (350" in home


def test_a_payment_on_account_carries_its_reference_and_a_duplicate_is_refused(hotel):  # noqa: F811
    hotel.biz.add_prestation({"client_id": hotel.client_id, "total": "20000", "type": "Suite"}, "Awa")
    admin = hotel.login_admin()
    for reference, status in (("WV-1", 303), ("wv-1", 400)):
        html = page(admin, f"/clients/{hotel.client_id}")
        r = admin.post(f"/clients/{hotel.client_id}/paiement", data={"csrf": csrf_of(html), "idem": idem_of(html),
                                                                      "amount": "5000", "method": "Flooz",
                                                                      "reference": reference})
        assert r.status_code == status
    assert 'id="err-reference"' in r.get_data(as_text=True)
    paid = [x for x in hotel.rows("caisse") if x["type"] == "Encaissement"]
    assert [(x["reference"], x["check"]) for x in paid] == [("WV-1", "Déclaré")]
