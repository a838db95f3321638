"""A notice after every action, and a warning (not a refusal) for a client already there (issue 16, item 6)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from tests.web import test_sales as base
from tests.web.conftest import csrf_of
from tests.web.test_sales import idem_of, page
from tests.web.test_sales_prestations import create, pid_of

hotel = base.hotel  # the fixture


def notice_of(client, response) -> str:
    """The page a redirect leads to, and the notice it shows."""
    assert response.status_code == 303, unescape(response.get_data(as_text=True))[-800:]
    html = page(client, response.headers["Location"])
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', html, re.S)
    return unescape(found.group(1)) if found else ""


def test_a_new_reservation_says_what_was_recorded(hotel):
    client = hotel.login_employee()
    r = create(client, client_name="Afi Dossou", type="Chambre double", start="2026-03-14", end="2026-03-17",
               paid_now="20000")
    told = notice_of(client, r)
    assert told.startswith("Enregistré : la réservation ") and "Afi Dossou" in told
    assert "75\u00a0000\u00a0FCFA" in told and "20\u00a0000\u00a0FCFA encaissés" in told


def test_a_status_change_and_a_payment_leave_a_notice(hotel):
    client = hotel.login_employee()
    pid = pid_of(create(client, client_name="Afi Dossou", type="Chambre double", start="2026-03-14",
                        end="2026-03-15"))
    html = page(client, f"/prestations/{pid}")
    r = client.post(f"/prestations/{pid}/statut", data={"csrf": csrf_of(html), "status": "Confirmée"})
    assert re.fullmatch(r"Statut de la réservation \d+ : Confirmée\.", notice_of(client, r))
    html = page(client, f"/prestations/{pid}")
    r = client.post(f"/prestations/{pid}/paiement", data={"csrf": csrf_of(html), "idem": idem_of(html),
                                                          "amount": "10.000", "method": "Espèces"})
    assert notice_of(client, r) == ("Paiement enregistré : 10\u00a0000\u00a0FCFA. Reste à payer : "
                                    "15\u00a0000\u00a0FCFA.")
    assert "Paiement enregistré" not in page(client, f"/prestations/{pid}")  # told once


def test_a_new_client_is_confirmed(hotel):
    client = hotel.login_admin()
    html = page(client, "/clients/nouveau")
    r = client.post("/clients/nouveau", data={"csrf": csrf_of(html), "idem": idem_of(html), "name": "Ama Lawson",
                                              "phone": "90 11 22 44"})
    assert notice_of(client, r) == "Client « Ama Lawson » ajouté."
    ama = next(c for c in hotel.rows("clients") if c["name"] == "Ama Lawson")
    assert ama["phone"] == "+22890112244"
    assert "90\u00a011\u00a022\u00a044" in page(client, f"/clients/{ama.id}")  # stored once, shown the local way


def test_a_client_with_the_same_name_is_a_warning_offering_the_existing_one(hotel):
    client = hotel.login_admin()
    html = page(client, "/clients/nouveau")
    form = {"csrf": csrf_of(html), "idem": idem_of(html), "name": "kodjo MENSAH", "phone": ""}
    r = client.post("/clients/nouveau", data=form)
    warned = r.get_data(as_text=True)
    assert r.status_code == 200 and "existe déjà" in unescape(warned)
    assert f'href="/clients/{hotel.client_id}"' in warned and "Enregistrer quand même" in warned
    assert [c["name"] for c in hotel.rows("clients")].count("Kodjo Mensah") == 1  # nothing written yet
    r = client.post("/clients/nouveau", data={**form, "doublon": "1"})
    assert notice_of(client, r) == "Client « kodjo MENSAH » ajouté."
    assert len([c for c in hotel.rows("clients") if c["name"].lower() == "kodjo mensah"]) == 2


def test_a_payment_on_account_and_an_edit_leave_a_notice(hotel):
    client = hotel.login_admin()
    hotel.biz.add_prestation({"client_id": hotel.client_id, "start": date(2026, 3, 10), "total": "45000",
                              "type": "Suite"}, "Awa")
    html = page(client, f"/clients/{hotel.client_id}")
    r = client.post(f"/clients/{hotel.client_id}/paiement", data={"csrf": csrf_of(html), "idem": idem_of(html),
                                                                   "amount": "15000", "method": "Espèces"})
    assert notice_of(client, r) == "Paiement de Kodjo Mensah enregistré. Solde du client : 30\u00a0000\u00a0FCFA."
    html = page(client, f"/clients/{hotel.client_id}/modifier")
    r = client.post(f"/clients/{hotel.client_id}/modifier", data={"csrf": csrf_of(html), "name": "Kodjo Mensah",
                                                                   "phone": "+228 90 00 11 22", "notes": "VIP"})
    assert notice_of(client, r) == "Fiche de Kodjo Mensah enregistrée."


def test_a_payment_beyond_the_balance_says_both_amounts_formatted(hotel):
    client = hotel.login_employee()
    pid = pid_of(create(client, client_name="Afi Dossou", type="Chambre double", start="2026-03-14",
                        end="2026-03-15"))
    html = page(client, f"/prestations/{pid}")
    r = client.post(f"/prestations/{pid}/paiement", data={"csrf": csrf_of(html), "idem": idem_of(html),
                                                          "amount": "30000", "method": "Espèces"})
    text = unescape(r.get_data(as_text=True))
    assert r.status_code == 400 and "Le paiement (30\u00a0000\u00a0FCFA) dépasse le solde restant (25\u00a0000\u00a0FCFA)" in text


def test_a_deactivated_employee_is_sent_to_the_phone_tab_with_the_reason(hotel):
    phone = hotel.login_employee()
    admin = hotel.login_admin()
    html = page(admin, "/equipe")
    r = admin.post(f"/equipe/{hotel.employee['id']}/desactiver", data={"csrf": csrf_of(html)})
    assert r.status_code == 303
    r = phone.get("/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/connexion/telephone")
    told = unescape(page(phone, r.headers["Location"]))
    assert "désactivé par l'administrateur" in told and "Demandez-lui de le réactiver" in told
    assert "econnectez-vous" not in told  # reconnecting cannot help: the message does not ask for it


def test_generating_an_image_without_a_key_is_a_french_page_saying_what_to_do(hotel):
    from functions.web import modules

    modules.register(hotel.app, ["functions.trix.web:bp", "functions.web.office:bp"])
    client = hotel.login_admin()
    html = page(client, f"/stock/{hotel.beer}")
    r = client.post(f"/trix/image/{hotel.beer}", data={"csrf": csrf_of(html)})
    text = unescape(r.get_data(as_text=True))
    assert r.status_code == 503 and r.mimetype == "text/html" and not text.lstrip().startswith("{")
    assert "TRIX_API_KEY" in text and "redémarrez" in text and f'href="/stock/{hotel.beer}"' in text


def test_an_unchecked_promo_code_at_setup_is_recorded_as_to_check(biz):
    from functions.web.app import create_app
    from tests.promo.test_setup_code import setup_form

    app = create_app(lambda: biz, {"TTR_SECRET_KEY": "s" * 48})  # no ABT_URL: nobody can check the code
    app.testing = True
    assert setup_form(app.test_client(), promo_code="lome2026").status_code == 303
    assert biz.load(["settings"]).settings["promo_code"] == "LOME2026 (à vérifier)"


def test_a_quick_sale_of_a_decimal_quantity_reads_the_french_way(hotel):
    coal = hotel.article("Charbon", "250", 10, unit="kg")
    client = hotel.login_employee()
    html = page(client, "/")
    r = client.post("/vente-rapide", data={"csrf": csrf_of(html), "idem": idem_of(html), "article": coal,
                                           "quantity": "1,5", "method": "Espèces"})
    assert r.status_code == 303, unescape(r.get_data(as_text=True))[-600:]
    sale = next(c for c in hotel.rows("caisse") if c["type"] == "Vente")
    assert "1,5 × Charbon" in sale["description"] and "1.5" not in sale["description"]
