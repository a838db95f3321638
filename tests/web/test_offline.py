"""Selling without a network, the server side: the copy a device keeps, and the replay of queued actions
through the same pipeline as online actions (idempotency keys made on the device, the time the action was
really made, the session that queued it)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from functions.books import ledger


@pytest.fixture
def shell(shell):
    from functions.web import offline

    shell.app.register_blueprint(offline.bp)
    return shell


@pytest.fixture
def counter(shell):
    biz = shell.biz
    biz.add("stock", {"article": "Coca", "unit": "pièce", "for_sale": "Oui", "sale_price": "500"}, "Awa")
    coca = biz.load(["stock"]).rows("stock")[0].id
    biz.stock_adjust(coca, "Entrée", "3", "Awa")
    return shell, coca


def _data(client):
    r = client.get("/comptoir/donnees", headers={"Accept": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def _send(client, data, action, csrf=None, lien=None):
    body = {"lien": data["lien"] if lien is None else lien, **action}
    return client.post("/comptoir/envoyer", data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRF-Token": csrf or data["csrf"], "Accept": "application/json"})


def _epoch_ms(shell, **ago):
    return int((shell.clock() - timedelta(**ago)).timestamp() * 1000)


def test_the_copy_holds_what_the_counter_needs_and_no_more_than_the_employee_may_see(counter):
    shell, coca = counter
    shell.biz.set_settings({"perm_caisse": "Non", "perm_stock": "Non", "perm_clients": "Non"}, "Awa")
    data = _data(shell.login_employee())
    assert data["permis"] == {"vente": True, "depense": False, "revenu": False, "paiement": False, "stock": False}
    assert [a["nom"] for a in data["articles"]] == ["Coca"] and data["articles"][0]["quantite"] == "3"
    assert data["prestations"] == [] and data["clients"] == [] and data["categories"] == []
    assert data["utilisateur"]["nom"] == "Kofi Agbo" and len(data["lien"]) == 32


def test_a_sale_made_offline_is_recorded_at_the_time_it_was_made_and_marked(counter):
    shell, coca = counter
    client = shell.login_employee()
    data = _data(client)
    made = _epoch_ms(shell, minutes=40)
    r = _send(client, data, {"cle": "vente-hors-ligne-0001", "type": "vente", "fait_le": made,
                             "champs": {"articles": [{"id": coca, "quantite": "2"}], "moyen": "Espèces"}})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["ok"] is True
    book = shell.biz.load()
    sale = [row for row in book.rows("caisse") if row["type"] == "Vente"]
    assert len(sale) == 1 and sale[0]["amount"] == Decimal(1000)
    assert sale[0]["date"] == shell.biz.now() - timedelta(minutes=40)
    assert ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))[coca] == Decimal(1)
    journal = [j for j in book.all_rows("journal") if j["row"] == sale[0].id]
    assert journal and "saisi hors ligne le" in journal[0]["changes"]


def test_a_replay_after_a_lost_answer_doubles_nothing(counter):
    shell, coca = counter
    client = shell.login_employee()
    data = _data(client)
    action = {"cle": "vente-hors-ligne-0002", "type": "vente", "fait_le": _epoch_ms(shell, minutes=5),
              "champs": {"articles": [{"id": coca, "quantite": "1"}]}}
    first = _send(client, data, action).get_json()
    again = _send(client, data, action).get_json()
    assert first["ok"] and again["ok"] and again["rejoue"] is True
    sales = [r for r in shell.biz.load(["caisse"]).rows("caisse") if r["type"] == "Vente"]
    assert len(sales) == 1


def test_a_sale_of_an_article_sold_out_meanwhile_is_refused_for_good_with_a_french_reason(counter):
    shell, coca = counter
    client = shell.login_employee()
    data = _data(client)
    shell.biz.quick_sale([(coca, 3)], "Awa")  # sold out online meanwhile
    r = _send(client, data, {"cle": "vente-hors-ligne-0003", "type": "vente", "fait_le": _epoch_ms(shell, minutes=9),
                             "champs": {"articles": [{"id": coca, "quantite": "1"}]}})
    body = r.get_json()
    assert r.status_code == 409 or r.status_code == 400
    assert body["ok"] is False and body["definitif"] is True and "Stock insuffisant" in body["erreur"]


def test_an_action_queued_in_another_session_is_refused_not_run_under_the_new_one(counter):
    shell, coca = counter
    old = shell.login_employee()
    old_data = _data(old)
    new = shell.login_employee()
    new_data = _data(new)
    r = _send(new, new_data, {"cle": "vente-hors-ligne-0004", "type": "vente", "fait_le": _epoch_ms(shell, minutes=3),
                              "champs": {"articles": [{"id": coca, "quantite": "1"}]}}, lien=old_data["lien"])
    assert r.status_code == 403 and "autre session" in r.get_json()["erreur"]
    assert not [x for x in shell.biz.load(["caisse"]).rows("caisse") if x["type"] == "Vente"]


def test_a_revoked_session_cannot_send(counter):
    shell, coca = counter
    client = shell.login_employee()
    data = _data(client)
    client.post("/deconnexion", data={"csrf": data["csrf"]})
    r = _send(client, data, {"cle": "vente-hors-ligne-0005", "type": "vente", "fait_le": _epoch_ms(shell, minutes=3),
                             "champs": {"articles": [{"id": coca, "quantite": "1"}]}})
    assert r.status_code in (303, 401, 403)
    assert not [x for x in shell.biz.load(["caisse"]).rows("caisse") if x["type"] == "Vente"]


@pytest.mark.parametrize("made, message", [(dict(days=-1), "futur"), (dict(days=9), "7 jours")])
def test_an_action_dated_in_the_future_or_too_old_is_refused(counter, made, message):
    shell, coca = counter
    client = shell.login_employee()
    data = _data(client)
    r = _send(client, data, {"cle": "vente-hors-ligne-0006", "type": "vente", "fait_le": _epoch_ms(shell, **made),
                             "champs": {"articles": [{"id": coca, "quantite": "1"}]}})
    assert r.status_code == 400 and message in r.get_json()["erreur"]


def test_an_expense_needs_the_caisse_switch(counter):
    shell, _coca = counter
    shell.biz.set_settings({"perm_caisse": "Non"}, "Awa")
    client = shell.login_employee()
    data = _data(client)
    r = _send(client, data, {"cle": "depense-hors-ligne-1", "type": "depense", "fait_le": _epoch_ms(shell, minutes=2),
                             "champs": {"montant": "2000", "categorie": "Transport"}})
    assert r.status_code == 403
    assert not [x for x in shell.biz.load(["caisse"]).rows("caisse") if x["type"] == "Dépense"]


def test_the_installable_app_files(shell):
    client = shell.client()
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.get_json()["lang"] == "fr"
    assert manifest.get_json()["start_url"] == "/comptoir"
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript" and b"caches" in sw.data
    png = client.get("/icone-192.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_logout_clears_the_device(shell):
    client = shell.login_employee()
    csrf = shell.csrf(client, "/")
    r = client.post("/deconnexion", data={"csrf": csrf})
    assert r.status_code == 303 and "storage" in r.headers["Clear-Site-Data"]
