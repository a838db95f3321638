"""The offline counter accepts a discount and a mobile-money reference on a sale; the employee's limit holds
there as online, and a reference sent twice for the same operator is refused for good."""

from __future__ import annotations

from decimal import Decimal

from tests.web.test_offline import _data, _epoch_ms, _send, counter, shell  # noqa: F401  - the fixtures


def _sale(app, client, data, key, champs):
    return _send(client, data, {"cle": key, "type": "vente", "fait_le": _epoch_ms(app, minutes=1), "champs": champs})


def test_a_counter_sale_with_a_discount_and_a_flooz_reference(counter):  # noqa: F811
    app, coca = counter
    client = app.login_employee()
    data = _data(client)
    assert data["moyens"][:3] == ["Espèces", "Mixx by Yas", "Flooz"]
    over = _sale(app, client, data, "vente-remise-0001", {"articles": [{"id": coca, "quantite": "2"}], "moyen": "Flooz",
                                                            "reference": "FL1", "remise": "20 %", "motif_remise": "ami"})
    assert over.status_code == 400 and over.get_json()["definitif"] is True
    assert "un employé peut accorder 10 % au plus" in over.get_json()["erreur"]
    ok = _sale(app, client, data, "vente-remise-0002", {"articles": [{"id": coca, "quantite": "2"}], "moyen": "Flooz",
                                                          "reference": "FL1", "remise": "100", "motif_remise": "ami"})
    assert ok.get_json()["ok"] is True, ok.get_json()
    sale = next(r for r in app.biz.load(["caisse"]).rows("caisse") if r["type"] == "Vente")
    assert (sale["amount"], sale["discount"], sale["reference"], sale["check"]) == \
        (Decimal(900), Decimal(100), "FL1", "Déclaré")
    again = _sale(app, client, data, "vente-remise-0003", {"articles": [{"id": coca, "quantite": "1"}],
                                                             "moyen": "Flooz", "reference": "fl1"})
    assert again.status_code == 400 and "déjà enregistrée pour Flooz" in again.get_json()["erreur"]
