"""Issue 12: an amount typed in a Google Sheets number cell is read by the spreadsheet's locale. The fake reads
typed text as Google does per locale; setup puts the workbook in fr_FR (the app's rules), at creation and once
on an older workbook, so « 25.000 » typed by a person is 25 000 FCFA and never the number 25."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.store.codec import Codec
from functions.store.gsheets_setup import FORMAT_KEY, FORMAT_VERSION, LOCALE
from functions.store.workbook import Workbook
from tests.fakes.sheets_model import parse_user_entered
from tests.store.factory_gsheets import SPREADSHEET_ID, GSheetsPerson, backend_for, fake_api


@pytest.mark.parametrize("locale, typed, stored", [
    ("fr_FR", "25.000", {"stringValue": "25.000"}),  # a dot is no separator in French: text
    ("fr_FR", "25 000", {"numberValue": 25000.0}),
    ("fr_FR", "25\u202f000", {"numberValue": 25000.0}),
    ("fr_FR", "1,5", {"numberValue": 1.5}),
    ("fr_FR", "25,000", {"numberValue": 25.0}),  # the comma is the decimal mark
    ("en_US", "25.000", {"numberValue": 25.0}),
    ("en_US", "25,000", {"numberValue": 25000.0}),
    ("en_US", "1,5", {"stringValue": "1,5"}),
    ("de_DE", "25.000", {"numberValue": 25000.0}),
    ("fr_FR", "0042", {"numberValue": 42.0}),
])
def test_the_fake_reads_typed_numbers_by_the_spreadsheet_locale(locale, typed, stored):
    assert parse_user_entered(typed, locale) == stored


def _client_amount(api, typed: str) -> Decimal | None:
    backend = backend_for(api)
    person = GSheetsPerson(api, SPREADSHEET_ID)
    person.set_cell("Clients", 2, "Notes", "x")  # a row, then the amount a person types in « Solde »
    person.set_cell("Clients", 2, "Solde", typed)
    cell = backend.read(["Clients"])["Clients"][1][backend.read(["Clients"])["Clients"][0].index("Solde")]
    return Codec("XOF").to_value("money", cell)  # type: ignore[return-value]


def test_setup_makes_a_new_spreadsheet_french_so_25_000_typed_is_25_000_fcfa():
    with fake_api() as api:
        api.spreadsheets[SPREADSHEET_ID].locale = "en_US"  # made by an English-speaking Google account
        Workbook(backend_for(api)).backend.setup(Workbook(backend_for(api)).tab_specs())
        assert api.spreadsheets[SPREADSHEET_ID].locale == LOCALE == "fr_FR"
        assert _client_amount(api, "25.000") == Decimal(25000)
        assert _client_amount(api, "2.500") == Decimal(2500)


def test_ttr_init_puts_an_older_english_workbook_in_french_once_and_keeps_its_data():
    with fake_api() as api:
        workbook = Workbook(backend_for(api))
        workbook.backend.setup(workbook.tab_specs())
        ss = api.spreadsheets[SPREADSHEET_ID]
        person = GSheetsPerson(api, SPREADSHEET_ID)
        person.set_cell("Clients", 2, "Nom", "Ama")
        ss.locale = "en_US"  # an older workbook: format version 3, the owner's English locale
        for meta in ss.developer_metadata:
            if meta.get("metadataKey") == FORMAT_KEY:
                meta["metadataValue"] = "3"
        assert _client_amount(api, "25.000") == Decimal(25)  # what Google stores there before the upgrade

        again = Workbook(backend_for(api))
        again.backend.setup(again.tab_specs())
        assert ss.locale == "fr_FR"
        assert [m["metadataValue"] for m in ss.developer_metadata if m["metadataKey"] == FORMAT_KEY] == \
            [str(FORMAT_VERSION)]
        assert person.grid("Clients")[1][1] == "Ama"
        assert _client_amount(api, "25.000") == Decimal(25000)

        ss.locale = "en_US"  # the owner changes it back later: setup does not fight them (format already 4)
        before = len(api.calls("sheets.spreadsheets.batchUpdate"))
        third = Workbook(backend_for(api))
        third.backend.setup(third.tab_specs())
        assert before > 0 and len(api.calls("sheets.spreadsheets.batchUpdate")) == before and ss.locale == "en_US"
