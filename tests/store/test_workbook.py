"""The typed layer: headers checked against the schema, rows typed, bad rows reported with their place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.errors import HeaderError, MissingTabError
from functions.store.schema import load_schema


def test_schema_has_every_tab_of_the_contract_in_order():
    schema = load_schema()
    assert [t.title for t in schema] == ["Paramètres", "Clients", "Prestations", "Lignes", "Caisse", "Stock",
                                         "Mouvements", "Agenda", "Investissements", "Types", "Équipe",
                                         "Tableau de bord", "Journal"]
    assert schema.tab("caisse").headers[:12] == ["ID", "Date", "Type", "Catégorie", "Description", "Montant",
                                                 "Moyen", "Prestation ID", "Client ID", "Reçu",
                                                 "Solde caisse (par date)", "Créé par"]
    assert [c.header for c in schema.tab("clients").columns if c.computed] == ["Total facturé", "Total payé", "Solde"]
    assert schema.tab("journal").protected and schema.tab("team").protected
    prest = schema.tab("prestations")
    assert [prest.title_for(t) for t in ("Hôtel", "Restaurant", "Boutique", "Clinique", "Coiffure")] == [
        "Réservations", "Commandes", "Ventes", "Patients", "Prestations"]


def test_renamed_header_is_a_clear_error(biz):
    grid = biz.workbook.backend.grid("Clients")
    grid[0][2] = "Tel"
    with pytest.raises(HeaderError, match="Onglet « Clients » : colonne « Téléphone » introuvable"):
        biz.load()


def test_missing_tab_is_a_clear_error(biz):
    biz.workbook.backend.rename_tab("Caisse", "Caisse (copie)")
    with pytest.raises(MissingTabError, match="Caisse.*ttr init"):
        biz.load()
    report = biz.init()
    assert report.created_tabs == ["Caisse"]


def test_init_upgrades_without_touching_data(biz):
    cid = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    grid = biz.workbook.backend.grid("Clients")
    grid[0].pop()  # an old workbook without the hidden column
    for row in grid[1:]:
        del row[len(grid[0]):]
    report = biz.init()
    assert report.added_columns == [("Clients", "Supprimé le")]
    assert biz.load().find("clients", cid)["name"] == "Kofi"


def test_rows_typed_oddly_are_read_by_type(biz):
    g = biz.workbook.backend.grid("Caisse")
    g.append(["K1", "14/03/2026 10:00", "dépense", None, None, "12 500 FCFA", "mobile money"])
    g.append(["K2", 46095.5, "Revenu", None, None, 1250.0])
    rows = {r.id: r for r in biz.load().rows("caisse")}
    assert rows["K1"]["amount"] == Decimal(12500) and rows["K1"]["type"] == "Dépense"
    assert rows["K1"]["method"] == "Mobile Money"
    assert rows["K2"]["date"].isoformat() == "2026-03-14T12:00:00"


def test_set_setting_updates_the_row_by_its_label_with_a_journal_row(biz):
    assert biz.set_setting("receipt_terms", "Ni repris ni échangé", "Awa") is True
    assert biz.set_setting("receipt_terms", "Ni repris ni échangé", "Awa") is False
    grid = biz.workbook.backend.grid("Paramètres")
    grid[:] = [r for r in grid if r[0] != "Code promo appliqué"]  # a person removed the row
    biz.set_setting("promo_code", "=HACK()", "Awa")
    book = biz.load()
    assert book.settings["receipt_terms"] == "Ni repris ni échangé"
    assert book.settings["promo_code"] == "=HACK()"
    journal = book.all_rows("journal")
    assert [j["action"] for j in journal] == ["paramètre", "paramètre"]
    assert journal[0]["changes"] == "Conditions du reçu : Merci de votre confiance. → Ni repris ni échangé"
    assert biz.verify_journal().ok
    with pytest.raises(Exception, match="Paramètre inconnu"):
        biz.set_setting("nope", "x", "Awa")
