"""Clients: list with balances and search, profile, credit payments, statement, create and edit; access."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape
from urllib.parse import unquote

from tests.web import test_sales as base
from tests.web.conftest import csrf_of
from tests.web.test_sales import BASE, idem_of, page

hotel = base.hotel  # the fixture


def owing(hotel, name="Kodjo Mensah", total="45000", paid="15000"):
    cid = hotel.client_id if name == "Kodjo Mensah" else hotel.biz.add("clients", {"name": name}, "Awa")["id"]
    pid = hotel.biz.add_prestation({"client_id": cid, "start": date(2026, 3, 10), "total": total, "type": "Suite"},
                                   "Awa", paid_now=paid)["id"]
    return cid, pid


def test_the_list_shows_balances_searches_and_filters_debtors(hotel):
    owing(hotel)
    hotel.biz.add("clients", {"name": "Élodie Kpogo", "phone": "+22891112233", "notes": "fidèle"}, "Awa")
    for i in range(27):
        hotel.biz.add("clients", {"name": f"Client {i:02d}"}, "Awa")
    client = hotel.login_admin()
    html = page(client, "/clients")
    assert html.count('href="/clients/C') == 25 and "Page 1 / 2" in html
    kodjo = page(client, "/clients?q=kodjo")
    assert kodjo.count('href="/clients/C') == 1 and "30\u00a0000\u00a0FCFA" in kodjo and "45\u00a0000\u00a0FCFA" in kodjo
    assert "Élodie Kpogo" in page(client, "/clients?q=ELODIE") and "Élodie" in page(client, "/clients?q=fidele")
    assert "Élodie" in page(client, "/clients?q=91112233")
    debtors = page(client, "/clients?solde=1")
    assert re.findall(r'href="/clients/(C\w+)"', debtors) == [hotel.client_id]


def test_the_profile_shows_contact_prestations_payments_and_balance(hotel):
    cid, pid = owing(hotel)
    hotel.biz.update("clients", cid, {"notes": "Préfère la chambre 12", "email": "kodjo@example.tg"}, "Awa")
    html = unescape(page(hotel.login_admin(), f"/clients/{cid}"))
    assert "+22890001122" in html and "kodjo@example.tg" in html and "Préfère la chambre 12" in html
    assert f'href="/prestations/{pid}"' in html and "<h2>Réservations</h2>" in html
    assert "Total facturé<b>45\u00a0000\u00a0FCFA" in html and "Total payé<b>15\u00a0000\u00a0FCFA" in html
    assert '30\u00a0000\u00a0FCFA</b>' in html.split("Solde<b")[1][:80]
    payment = next(k for k in hotel.rows("caisse") if k["prestation_id"] == pid)
    assert payment["receipt"] in html  # each payment links its receipt
    assert f'href="/clients/{cid}/releve"' in html


def test_a_credit_payment_from_the_profile(hotel):
    cid, _ = owing(hotel)
    client = hotel.login_employee()
    html = page(client, f"/clients/{cid}")
    assert 'id="amount" name="amount" inputmode="decimal" value="30000"' in html
    form = {"csrf": csrf_of(html), "idem": idem_of(html), "method": "Espèces", "note": "Acompte sur crédit"}
    r = client.post(f"/clients/{cid}/paiement", data={**form, "amount": "-5"})
    assert r.status_code == 400 and "supérieur à zéro" in unescape(r.get_data(as_text=True))
    assert 'value="Acompte sur crédit"' in r.get_data(as_text=True)
    assert client.post(f"/clients/{cid}/paiement", data={**form, "amount": "10000"}).status_code == 303
    assert client.post(f"/clients/{cid}/paiement", data={**form, "amount": "10000"}).status_code == 303  # double tap
    rows = [k for k in hotel.rows("caisse") if k["client_id"] == cid and not k["prestation_id"]]
    assert [(k["type"], k["amount"], k["description"], k["created_by"]) for k in rows] == [
        ("Encaissement", Decimal(10000), "Acompte sur crédit", "Kofi Agbo")]
    after = unescape(page(client, f"/clients/{cid}"))
    assert '20\u00a0000\u00a0FCFA</b>' in after.split("Solde<b")[1][:80]
    assert rows[0]["receipt"] in after


def test_the_statement_link_and_its_whatsapp_message(hotel):
    cid, _ = owing(hotel)
    client = hotel.login_admin()
    r = client.get(f"/clients/{cid}/releve")
    assert r.status_code == 303 and re.fullmatch(re.escape(BASE) + r"/r/[A-Za-z0-9_-]{22,64}", r.headers["Location"])
    assert client.get(f"/clients/{cid}/releve").headers["Location"] == r.headers["Location"]  # the same link
    wa = client.get(f"/clients/{cid}/releve?whatsapp=1").headers["Location"]
    assert wa.startswith("https://wa.me/22890001122?text=") and r.headers["Location"] in unquote(wa)
    assert "Solde : 30\u00a0000\u00a0FCFA" in unquote(wa)
    assert client.get("/clients/CXXXXXXX/releve").status_code == 404


def test_create_and_edit_a_client_with_errors_next_to_the_fields(hotel):
    client = hotel.login_admin()
    html = page(client, "/clients/nouveau")
    form = {"csrf": csrf_of(html), "idem": idem_of(html), "name": "", "phone": "+22893334455",
            "email": "pas-un-email", "address": "Bè, Lomé", "notes": ""}
    before = len(hotel.rows("clients"))
    r = client.post("/clients/nouveau", data=form)
    text = unescape(r.get_data(as_text=True))
    assert r.status_code == 400 and '<p class="field-error" id="err-name">Le nom est obligatoire.</p>' in text
    assert 'value="+22893334455"' in text and 'value="Bè, Lomé"' in text
    r = client.post("/clients/nouveau", data={**form, "name": "Mawuli"})
    text = unescape(r.get_data(as_text=True))
    assert r.status_code == 400 and re.search(r'id="err-email">« Email »', text), text[-2000:]
    assert len(hotel.rows("clients")) == before
    r = client.post("/clients/nouveau", data={**form, "name": "Mawuli", "email": "mawuli@example.tg"})
    assert r.status_code == 303
    cid = r.headers["Location"].rsplit("/", 1)[1]
    new = next(c for c in hotel.rows("clients") if c.id == cid)
    assert (new["name"], new["phone"], new["email"], new["created_by"]) == ("Mawuli", "+22893334455",
                                                                          "mawuli@example.tg", "Awa Mensah")
    html = page(client, f"/clients/{cid}/modifier")
    assert 'value="Mawuli"' in html
    r = client.post(f"/clients/{cid}/modifier", data={"csrf": csrf_of(html), "name": "Mawuli Adzo",
                                                      "phone": "+22893334455", "email": "", "address": "", "notes": "VIP"})
    assert r.status_code == 303
    edited = next(c for c in hotel.rows("clients") if c.id == cid)
    assert (edited["name"], edited["notes"], edited["email"] or None) == ("Mawuli Adzo", "VIP", None)  # cleared
    assert "Nom : Mawuli → Mawuli Adzo" in hotel.rows("journal")[-1]["changes"]


def test_employees_need_the_clients_switch(hotel):
    employee = hotel.login_employee()
    assert employee.get("/clients").status_code == 200
    hotel.biz.set_setting("perm_clients", "Non", "Awa")
    employee = hotel.login_employee()  # settings are read per request
    assert employee.get("/clients").status_code == 403
    assert employee.get(f"/clients/{hotel.client_id}").status_code == 403
    home = page(employee)
    assert 'href="/clients"' not in home
    assert employee.get("/prestations").status_code == 200  # Réservations have no switch
    assert hotel.login_admin().get("/clients").status_code == 200
