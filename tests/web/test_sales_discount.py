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
