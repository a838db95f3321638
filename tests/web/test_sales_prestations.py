"""Prestations (« Réservations » for an Auberge): list, filters, create, edit, status, payments."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape
from urllib.parse import unquote

import pytest

from tests.web import test_sales as base
from tests.web.conftest import csrf_of
from tests.web.test_sales import BASE, idem_of, page

hotel = base.hotel  # the fixture

NEW = {"client_id": "", "client_name": "", "client_phone": "", "type": "", "start": "2026-03-14", "end": "",
       "status": "En attente", "total": "", "paid_now": "", "method": "Espèces", "notes": ""}


def create(client, **fields):
    html = page(client, "/prestations/nouvelle")
    return client.post("/prestations/nouvelle", data={**NEW, **fields, "csrf": csrf_of(html), "idem": idem_of(html)})


def pid_of(r):
    assert r.status_code == 303, unescape(r.get_data(as_text=True))[-1500:]
    return r.headers["Location"].rsplit("/", 1)[1]


def test_the_title_and_the_menu_follow_the_business_type(hotel):
    html = page(hotel.login_employee(), "/prestations")
    assert "<title>Réservations — TTR Gestion</title>" in html
    assert '<a href="/prestations" class="on">Réservations</a>' in html
    assert ">Prestations<" not in html


def test_booking_a_room_for_a_new_guest_with_a_deposit(hotel):
    client = hotel.login_employee()
    r = create(client, client_name="Afi Dossou", client_phone="90 55 66 77", type="Chambre double",
               start="2026-03-14", end="2026-03-17", paid_now="20000", method="Mobile Money", notes="Vue mer")
    pid = pid_of(r)
    p = next(x for x in hotel.rows("prestations") if x.id == pid)
    guest = next(c for c in hotel.rows("clients") if c["name"] == "Afi Dossou")
    assert (p["client_id"], p["type"], p["start"], p["end"], p["total"], p["status"]) == (
        guest.id, "Chambre double", date(2026, 3, 14), date(2026, 3, 17), Decimal(75000), "En attente")
    assert guest["phone"] == "+22890556677"  # the phone typed on the spot stays with the new client, in E.164
    deposit = next(k for k in hotel.rows("caisse") if k["prestation_id"] == pid)
    assert (deposit["type"], deposit["amount"], deposit["method"]) == ("Encaissement", Decimal(20000), "Mobile Money")
    journal = [j for j in hotel.rows("journal") if j["row"] == guest.id]
    assert len(journal) == 1 and "Téléphone : +22890556677" in journal[0]["changes"]
    html = unescape(page(client, f"/prestations/{pid}"))
    assert "Reste à payer" in html and "55\u00a0000\u00a0FCFA" in html and "20\u00a0000\u00a0FCFA" in html
    assert p["receipt"].startswith(BASE + "/r/") and f'href="{p["receipt"]}"' in html
    wa = re.search(r'href="(https://wa\.me/[^"]+)"', html).group(1)
    assert wa.startswith("https://wa.me/22890556677?text=")
    assert p["receipt"] in unquote(wa) and "reste : 55\u00a0000\u00a0FCFA" in unquote(wa)
    assert hotel.biz.verify_journal().ok


def test_a_double_tap_on_save_creates_one_booking(hotel):
    client = hotel.login_admin()
    html = page(client, "/prestations/nouvelle")
    form = {**NEW, "client_id": hotel.client_id, "total": "10000", "paid_now": "5000", "csrf": csrf_of(html),
            "idem": idem_of(html)}
    a, b = client.post("/prestations/nouvelle", data=form), client.post("/prestations/nouvelle", data=form)
    assert a.headers["Location"] == b.headers["Location"]
    assert len(hotel.rows("prestations")) == 1 and len([k for k in hotel.rows("caisse") if k["prestation_id"]]) == 1


def test_lines_from_types_and_stock_make_the_total(hotel):
    client = hotel.login_admin()
    types = {t["name"]: t.id for t in hotel.rows("types")}
    r = create(client, client_id=hotel.client_id, line_article_0=f"T:{types['Suite']}", line_qty_0="2",
               line_article_1=f"S:{hotel.beer}", line_qty_1="3", line_article_2=f"S:{hotel.soda}", line_price_2="450")
    pid = pid_of(r)
    p = next(x for x in hotel.rows("prestations") if x.id == pid)
    lines = sorted((x["article"], x["quantity"], x["unit_price"]) for x in hotel.rows("lines") if x["prestation_id"] == pid)
    assert lines == [("Bière Flag", 3, Decimal(500)), ("Coca", 1, Decimal(450)), ("Suite", 2, Decimal(40000))]
    assert p["total"] == Decimal(81950)
    assert "81\u00a0950\u00a0FCFA" in page(client, f"/prestations/{pid}")


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"client_name": "Ama", "start": "2026-03-16", "end": "2026-03-15", "total": "1000"}, "end",
     "La date de fin est avant la date de début."),
    ({"total": "1000"}, "client", "Tapez le nom du client (un nouveau nom crée le client)."),
    ({"client_name": "Ama", "total": "mille"}, "total", "n'est pas un nombre"),
    ({"client_name": "Ama"}, "total", "Indiquez le montant total, un type avec un prix, ou des lignes."),
    ({"client_name": "Ama", "total": "1000", "paid_now": "2000"}, "paid_now", "Le montant payé dépasse le montant total."),
    ({"client_name": "Ama", "line_article_0": "S:inconnu"}, "line_0", "Article inconnu"),
    ({"client_name": "Ama", "status": "Partie", "total": "1000"}, "status", "Statut inconnu."),
    ({"client_id": "CXXXXXXX", "total": "1000"}, "client", "Ce client n'existe plus"),
])
def test_bad_input_is_refused_next_to_its_field_and_the_input_kept(hotel, fields, field, message):
    client = hotel.login_admin()
    before = [len(hotel.rows(t)) for t in ("prestations", "clients", "caisse", "lines")]
    r = create(client, notes="à garder", **fields)
    html = unescape(r.get_data(as_text=True))
    assert r.status_code == 400, html[-800:]
    if field:
        assert re.search(rf'<p class="field-error" id="err-{field}">[^<]*{re.escape(message)}', html), html[-3000:]
    else:
        assert message in html.split('role="alert">')[1].split("</p>")[0]
    assert ">à garder</textarea>" in html
    if "client_name" in fields:
        assert f'value="{fields["client_name"]}"' in html
    assert [len(hotel.rows(t)) for t in ("prestations", "clients", "caisse", "lines")] == before


def booked(hotel, **data):
    values = {"client_id": hotel.client_id, "start": date(2026, 3, 14), "total": "30000", **data}
    return hotel.biz.add_prestation(values, "Awa")["id"]


def test_status_buttons_change_the_status_with_a_journal_row(hotel):
    pid = booked(hotel)
    client = hotel.login_employee()
    html = page(client, f"/prestations/{pid}")
    for status in ("En attente", "Confirmée", "Effectuée", "Terminée", "Annulée"):
        assert f'name="status" value="{status}"' in html
    r = client.post(f"/prestations/{pid}/statut", data={"csrf": csrf_of(html), "status": "Confirmée"})
    assert r.status_code == 303
    assert next(x for x in hotel.rows("prestations") if x.id == pid)["status"] == "Confirmée"
    j = hotel.rows("journal")[-1]
    assert (j["action"], j["actor"], j["changes"]) == ("statut", "Kofi Agbo", "Statut : En attente → Confirmée")
    r = client.post(f"/prestations/{pid}/statut", data={"csrf": csrf_of(html), "status": "Partie"})
    assert r.status_code == 400 and "n'est pas un choix possible" in unescape(r.get_data(as_text=True))


def test_a_payment_lowers_the_balance_and_cannot_exceed_it(hotel):
    pid = booked(hotel)
    client = hotel.login_admin()
    html = page(client, f"/prestations/{pid}")
    assert 'id="amount" name="amount" inputmode="decimal" value="30000"' in html  # the balance, proposed
    form = {"csrf": csrf_of(html), "idem": idem_of(html), "method": "Carte"}
    r = client.post(f"/prestations/{pid}/paiement", data={**form, "amount": "40000"})
    text = unescape(r.get_data(as_text=True))
    assert r.status_code == 400 and "dépasse le solde restant (30\u00a0000\u00a0FCFA)" in text and 'value="40000"' in text
    assert not [k for k in hotel.rows("caisse") if k["prestation_id"] == pid]
    assert client.post(f"/prestations/{pid}/paiement", data={**form, "amount": "10000"}).status_code == 303
    assert client.post(f"/prestations/{pid}/paiement", data={**form, "amount": "10000"}).status_code == 303  # same tap
    paid = [k for k in hotel.rows("caisse") if k["prestation_id"] == pid]
    assert [(k["amount"], k["method"]) for k in paid] == [(Decimal(10000), "Carte")]
    assert "20\u00a0000\u00a0FCFA" in page(client, f"/prestations/{pid}").split("Reste à payer")[1][:80]


def test_edit_keeps_the_input_on_error_and_saves_with_a_journal_row(hotel):
    pid = booked(hotel, end=date(2026, 3, 15), type="Chambre double")
    client = hotel.login_admin()
    html = page(client, f"/prestations/{pid}/modifier")
    assert 'value="2026-03-14"' in html and f'name="client_id" value="{hotel.client_id}"' in html
    assert 'id="client_name" name="client_name" value="Kodjo Mensah"' in html
    form = {"csrf": csrf_of(html), "client_id": hotel.client_id, "client_name": "kodjo mensah", "type": "Suite",
            "start": "2026-03-14", "end": "2026-03-13", "status": "Confirmée", "total": "80000", "notes": ""}
    r = client.post(f"/prestations/{pid}/modifier", data=form)
    assert r.status_code == 400 and 'id="err-end"' in r.get_data(as_text=True) and 'value="80000"' in r.get_data(as_text=True)
    r = client.post(f"/prestations/{pid}/modifier", data={**form, "end": "2026-03-16"})
    assert r.status_code == 303
    p = next(x for x in hotel.rows("prestations") if x.id == pid)
    assert (p["type"], p["end"], p["status"], p["total"]) == ("Suite", date(2026, 3, 16), "Confirmée", Decimal(80000))
    j = hotel.rows("journal")[-1]
    assert j["action"] == "modification" and "Type : Chambre double → Suite" in j["changes"]
    r = client.post(f"/prestations/{pid}/modifier", data={**form, "end": "2026-03-16", "client_id": "",
                                                         "client_name": "Nouvel Hôte"})
    assert r.status_code == 303
    p = next(x for x in hotel.rows("prestations") if x.id == pid)
    guest = next(c for c in hotel.rows("clients") if c["name"] == "Nouvel Hôte")
    assert (p["client"], p["client_id"]) == ("Nouvel Hôte", guest.id)


def test_the_list_filters_searches_and_paginates(hotel):
    biz = hotel.biz
    other = biz.add("clients", {"name": "Zoé Amegah"}, "Awa")["id"]
    for i in range(30):
        biz.add_prestation({"client_id": hotel.client_id, "start": date(2026, 2, 1 + i % 28), "total": "1000",
                            "type": "Suite" if i % 2 else "Chambre double"}, "Awa", paid_now="1000")
    unpaid = booked(hotel, client_id=other, start=date(2026, 3, 20), type="Suite", notes="anniversaire")
    biz.set_status(unpaid, "Confirmée", "Awa")
    client = hotel.login_admin()
    first = page(client, "/prestations")
    assert first.count('href="/prestations/P') == 25 and "Page 1 / 2" in first
    assert page(client, "/prestations?page=2").count('href="/prestations/P') == 6
    assert page(client, "/prestations?page=99").count('href="/prestations/P') == 6  # clamped to the last page

    def ids(query):
        return set(re.findall(r'href="/prestations/(P\w+)"', page(client, "/prestations?" + query)))

    assert ids("impaye=1") == {unpaid}
    assert ids("statut=Confirm%C3%A9e") == {unpaid}
    assert ids(f"client={other}") == {unpaid}
    assert ids("q=ANNIVERSAIRE") == {unpaid}
    assert ids("q=zoe") == {unpaid}  # accents and case do not matter
    assert ids("du=2026-03-01&au=2026-03-31") == {unpaid}
    assert len(ids("du=2026-02-01&au=2026-02-02")) == 4
    assert len(ids("q=suite&impaye=")) == 16
    nxt = re.search(r'href="([^"]+)" rel="next"', page(client, "/prestations?q=kodjo")).group(1)
    assert "q=kodjo" in nxt and "page=2" in nxt
    assert len(page(client, "/prestations").encode()) < 100_000


def test_an_unknown_prestation_is_a_404_page(hotel):
    r = hotel.login_admin().get("/prestations/PXXXXXXX")
    assert r.status_code == 404 and "aucun élément" in unescape(r.get_data(as_text=True))


def test_pages_need_a_login(hotel):
    r = hotel.client().get("/prestations")
    assert r.status_code in (302, 303) and "/connexion" in r.headers["Location"]


def test_a_known_client_is_found_by_name_and_the_profile_preselects_it(hotel):
    client = hotel.login_admin()
    clients = len(hotel.rows("clients"))
    pid = pid_of(create(client, client_name="  KODJO   mensah ", total="5000"))
    p = next(x for x in hotel.rows("prestations") if x.id == pid)
    assert (p["client_id"], p["client"]) == (hotel.client_id, "Kodjo Mensah")
    assert len(hotel.rows("clients")) == clients  # linked, not created again
    html = page(client, f"/prestations/nouvelle?client={hotel.client_id}")
    assert f'name="client_id" value="{hotel.client_id}"' in html and 'value="Kodjo Mensah"' in html
    assert '<option value="Kodjo Mensah">' in html  # suggestions
    listed = page(client, f"/prestations?client={hotel.client_id}")
    assert "Client : <b>Kodjo Mensah</b>" in listed and f'href="/prestations/{pid}"' in listed
