"""`ttr init` on Google Sheets sets the Caisse « Moyen » dropdown again on a workbook made before the mobile-money
operators (format version 2: the former fixed five), without changing a value."""

from __future__ import annotations

from functions.store.gsheets_setup import FORMAT_KEY, FORMAT_VERSION
from tests.store.factory_gsheets import SPREADSHEET_ID, backend_for, fake_api
from tests.store.test_text_format import specs

OLD = ["Espèces", "Mobile Money", "Carte", "Virement", "Chèque"]


def _moyen_rule(ss):
    tab = ss.by_title("Caisse")
    column = [tab.cells.get((0, c), {}).get("userEnteredValue", {}).get("stringValue") for c in range(30)].index("Moyen")
    return tab.cells.get((1, column), {}).get("dataValidation"), tab, column


def test_an_older_google_workbook_gets_the_operators_in_its_moyen_dropdown():
    with fake_api() as api:
        backend_for(api).setup(specs())
        ss = api.spreadsheets[SPREADSHEET_ID]
        rule, tab, column = _moyen_rule(ss)
        assert "Flooz" in [v["userEnteredValue"] for v in rule["condition"]["values"]]  # a new workbook
        old = {**rule, "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in OLD]}}
        for r in range(1, tab.row_count):  # as the setup of format version 2 left it
            tab.cells[(r, column)] = {**tab.cells.get((r, column), {}), "dataValidation": old}
        for m in ss.developer_metadata:
            if m["metadataKey"] == FORMAT_KEY:
                m["metadataValue"] = "2"
        report = backend_for(api).setup(specs())
        assert not report.changed  # dropdowns and formats only: no tab, no column, no value
        rule, _, _ = _moyen_rule(ss)
        values = [v["userEnteredValue"] for v in rule["condition"]["values"]]
        assert values[:2] == ["Espèces", "Mobile Money"] and {"Mixx by Yas", "Flooz", "Wave", "MTN MoMo"} <= set(values)
        assert [m["metadataValue"] for m in ss.developer_metadata if m["metadataKey"] == FORMAT_KEY] == \
            [str(FORMAT_VERSION)]
