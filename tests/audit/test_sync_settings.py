"""Currency, country and time zone typed in the Paramètres tab are checked at the sync like the app's lists:
a typo is named with its row (« À corriger », `ttr sync` exits 2), never silently replaced by a default."""

from __future__ import annotations

import pytest

from functions.store.backend import UpdateRow


def _type_in_sheet(biz, label, value):
    title = biz.load(["settings"]).title("settings")
    biz.workbook.backend.write([UpdateRow(title, label, {"Valeur": value}, None, "Clé")])


@pytest.mark.parametrize("label, value, message", [
    ("Fuseau horaire", "Europe/Lomé", "Fuseau horaire « Europe/Lomé » inconnu"),
    ("Pays", "Togoland", "Pays « Togoland » inconnu"),
])
def test_a_setting_typed_wrong_in_the_sheet_is_named_with_its_row(biz, label, value, message):
    _type_in_sheet(biz, label, value)
    report = biz.sync()
    found = [e for e in report.errors if message in e.reason]
    assert found and found[0].tab == "Paramètres" and found[0].row and found[0].row >= 2


def test_right_settings_give_no_error(biz):
    _type_in_sheet(biz, "Fuseau horaire", "Africa/Abidjan")
    assert not [e for e in biz.sync().errors if e.tab == "Paramètres"]
