"""Bad values in every money and number field of the web forms (issue 13, items 6 and 7; issue 12, amounts):
a French error next to the field, the input kept, nothing written — never an HTTP 500."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from functions.web.app import create_app
from tests.web.conftest import SECRET, Shell

HUGE = "9" * 400
BLUEPRINTS = ["functions.web.sales:bp", "functions.web.office:bp"]


@pytest.fixture
def web(biz, clock):
    shell = Shell(biz, clock)
    shell.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET}, blueprints=BLUEPRINTS)
    shell.app.testing = True
    return shell


@pytest.fixture
def shop(web):
    biz = web.biz
    client = biz.add("clients", {"name": "Kofi Mensah"}, "Awa")["id"]
    p = biz.add_prestation({"client_id": client, "total": "50000"}, "Awa", paid_now="10000")
    article = biz.add("stock", {"article": "Savon", "for_sale": "Oui", "sale_price": "500", "unit": "pièces"}, "Awa")["id"]
    biz.stock_adjust(article, "Entrée", 20, "Awa")
    kind = biz.add("types", {"name": "Chambre", "price": "15000"}, "Awa")["id"]
    agenda = biz.add("investments", {"project": "Four", "initial": "100000"}, "Awa")["id"]
    return {"client": client, "prestation": p["id"], "article": article, "type": kind, "investment": agenda}


def hidden_fields(html: str, action: str) -> dict[str, str]:
    start = html.find(f'action="{action}"')
    if start < 0:
        return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html))
    block = html[start: html.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', block))


def written(biz) -> tuple[int, ...]:
    book = biz.load()
    return tuple(len(book.all_rows(k)) for k in ("clients", "prestations", "lines", "caisse", "stock", "movements",
                                                   "investments", "types", "journal"))


# (page with the form, action, the other fields, the field under test)
FORMS = [
    ("/prestations/nouvelle", "/prestations/nouvelle", {"client_name": "Ama", "type": "Séjour"}, "total"),
    ("/prestations/nouvelle", "/prestations/nouvelle", {"client_name": "Ama", "total": "1000"}, "paid_now"),
    ("/prestations/{prestation}", "/prestations/{prestation}/paiement", {}, "amount"),
    ("/prestations/{prestation}/modifier", "/prestations/{prestation}/modifier",
     {"client_id": "{client}", "client_name": "Kofi Mensah"}, "total"),
    ("/clients/{client}", "/clients/{client}/paiement", {}, "amount"),
    ("/vente-rapide", "/vente-rapide", {"article": "{article}"}, "quantity"),
    ("/caisse", "/caisse/depense", {"category": "Transport"}, "amount"),
    ("/caisse", "/caisse/revenu", {"description": "Don"}, "amount"),
    ("/caisse", "/caisse/remboursement", {"target": "p:{prestation}", "reason": "Erreur"}, "amount"),
    ("/caisse/cloture", "/caisse/cloture", {}, "counted"),
    ("/stock/nouveau", "/stock/nouveau", {"article": "Riz", "unit": "kg"}, "sale_price"),
    ("/stock/nouveau", "/stock/nouveau", {"article": "Riz", "unit": "kg"}, "purchase_price"),
    ("/stock/nouveau", "/stock/nouveau", {"article": "Riz", "unit": "kg"}, "threshold"),
    ("/stock/nouveau", "/stock/nouveau", {"article": "Riz", "unit": "kg"}, "initial"),
    ("/stock/{article}/modifier", "/stock/{article}/modifier", {"article": "Savon"}, "sale_price"),
    ("/stock/{article}", "/stock/{article}/ajuster", {"kind": "Entrée"}, "quantity"),
    ("/stock/{article}", "/stock/{article}/ajuster", {"kind": "Inventaire", "reason": "Comptage"}, "quantity"),
    ("/parametres/activite", "/parametres/types", {"name": "Suite"}, "price"),
    ("/parametres/activite", "/parametres/types", {"name": "Suite"}, "purchase_price"),
    ("/parametres/activite", "/parametres/types/{type}", {"name": "Chambre"}, "price"),
    ("/investissements/nouveau", "/investissements/nouveau", {"project": "Moto"}, "initial"),
    ("/investissements/nouveau", "/investissements/nouveau", {"project": "Moto"}, "expected_return"),
    ("/investissements/nouveau", "/investissements/nouveau", {"project": "Moto"}, "months"),
    ("/investissements/{investment}/modifier", "/investissements/{investment}/modifier", {"project": "Four"}, "months"),
]


def fill(text: str, ids: dict[str, str]) -> str:
    return text.format(**ids)


@pytest.mark.parametrize("bad", [HUGE, "12345678901234567", "1e999", "NaN", "-Infinity"])
@pytest.mark.parametrize("page, action, others, field", FORMS, ids=[f"{a}:{f}" for _, a, _, f in FORMS])
def test_a_bad_number_gets_a_french_error_next_to_its_field_and_writes_nothing(web, shop, page, action, others,
                                                                              field, bad):
    admin = web.login_admin()
    page, action = fill(page, shop), fill(action, shop)
    html = admin.get(page).get_data(as_text=True)
    data = {**hidden_fields(html, action), **{k: fill(v, shop) for k, v in others.items()}, field: bad}
    before = written(web.biz)
    r = admin.post(action, data=data)
    body = r.get_data(as_text=True)
    assert r.status_code in (400, 409), (r.status_code, body[:300])
    assert written(web.biz) == before
    assert re.search(r"trop grand|n&#39;est pas un nombre|nombre entier|invalide", body), body[:2000]
    start = body.find(f'action="{action}"')
    block = body[start: body.index("</form>", start)] if start >= 0 else body
    tag = re.search(rf'<(?:input|textarea)[^>]*name="{field}"[^>]*>', block)
    assert tag and 'aria-invalid="true"' in tag.group(0), f"no error next to {field}: {tag and tag.group(0)}"
    if bad != HUGE:
        assert f'value="{bad}"' in block, f"the typed value of {field} is not kept"


def test_25_000_typed_in_a_payment_is_25_000_fcfa(web, shop):
    admin = web.login_admin()
    action = f"/clients/{shop['client']}/paiement"
    html = admin.get(f"/clients/{shop['client']}").get_data(as_text=True)
    r = admin.post(action, data={**hidden_fields(html, action), "amount": "25.000"})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    amounts = [row["amount"] for row in web.biz.load().all_rows("caisse") if row["type"] == "Encaissement"]
    assert Decimal(25000) in amounts


def test_cents_in_fcfa_are_refused_next_to_the_field(web, shop):
    admin = web.login_admin()
    html = admin.get("/caisse").get_data(as_text=True)
    before = written(web.biz)
    r = admin.post("/caisse/depense", data={**hidden_fields(html, "/caisse/depense"), "amount": "100.5",
                                            "category": "Transport"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "n&#39;ont pas de centimes" in body and 'value="100.5"' in body
    assert written(web.biz) == before


@pytest.mark.parametrize("field", ["client_name", "notes"])
def test_a_control_character_in_a_form_is_refused_in_french(web, shop, field):
    admin = web.login_admin()
    html = admin.get("/prestations/nouvelle").get_data(as_text=True)
    data = {**hidden_fields(html, "/prestations/nouvelle"), "client_name": "Ama", "total": "1000", field: "Ama\x00"}
    before = written(web.biz)
    r = admin.post("/prestations/nouvelle", data=data)
    assert r.status_code == 400, r.get_data(as_text=True)[:500]
    assert "Caractère invalide" in r.get_data(as_text=True)
    assert written(web.biz) == before
