"""Text columns are plain text (TEXT, ``@``) on both backends, at setup and at upgrade, so that what a
person types there keeps its leading zeros; the fake's person types the way Google parses typed input."""

from __future__ import annotations

import zipfile

from openpyxl import load_workbook

from functions.store.backend import ColumnSpec, MemoryBackend, TabSpec
from functions.store.gsheets_setup import FORMAT_KEY
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend
from tests.store.factory_gsheets import SPREADSHEET_ID, GSheetsPerson, backend_for, fake_api

BATCH_UPDATE = "sheets.spreadsheets.batchUpdate"


def specs() -> list[TabSpec]:
    return Workbook(MemoryBackend()).tab_specs({"currency": "XOF"})


def clients(tabs: list[TabSpec]) -> TabSpec:
    return next(t for t in tabs if t.title == "Clients")


def test_a_phone_typed_in_a_plain_column_loses_its_zero_as_in_google():
    with fake_api() as api:
        b = backend_for(api)
        b.setup([TabSpec("Notes", (ColumnSpec("ID"), ColumnSpec("Téléphone")))])  # no format: Google's default
        person = GSheetsPerson(api, SPREADSHEET_ID)
        person.append_row("Notes", {"ID": "N1", "Téléphone": "0707123456"})
        person.append_row("Notes", {"ID": "0042", "Téléphone": "14/03/2026"})
        assert b.read(["Notes"])["Notes"][1:] == [["N1", 707123456], [42, 46095]]


def test_setup_makes_text_columns_plain_text_so_typed_zeros_stay():
    with fake_api() as api:
        b = backend_for(api)
        b.setup(specs())
        person = GSheetsPerson(api, SPREADSHEET_ID)
        person.append_row("Clients", {"ID": "0042", "Nom": "Awa", "Téléphone": "0707123456"})
        row = b.read(["Clients"])["Clients"][1]
        assert row[:3] == ["0042", "Awa", "0707123456"]
        text = [c.header for c in clients(specs()).columns if c.number_format and c.number_format.type == "TEXT"]
        assert {"ID", "Nom", "Téléphone", "Email", "Notes"} <= set(text)


def test_upgrade_formats_the_text_columns_of_an_older_workbook_once():
    with fake_api() as api:
        b = backend_for(api)
        b.setup(specs())
        ss = api.spreadsheets[SPREADSHEET_ID]
        tab = ss.by_title("Clients")
        for key, cell in list(tab.cells.items()):  # as the older setup left it: no TEXT format, no mark
            fmt = dict(cell.get("userEnteredFormat") or {})
            if fmt.get("numberFormat", {}).get("type") == "TEXT":
                fmt.pop("numberFormat")
                tab.cells[key] = {**cell, "userEnteredFormat": fmt}
        ss.developer_metadata.clear()
        person = GSheetsPerson(api, SPREADSHEET_ID)
        person.append_row("Clients", {"ID": "C1", "Téléphone": "0707123456"})
        assert b.read(["Clients"])["Clients"][1][2] == 707123456  # the bug, as people met it
        report = backend_for(api).setup(specs())
        assert not report.changed  # formats only: no tab, no column, no value changed
        assert b.read(["Clients"])["Clients"][1][2] == 707123456  # what was typed before stays as it is
        person.set_cell("Clients", 3, "Téléphone", "0707123456")
        assert b.read(["Clients"])["Clients"][2][2] == "0707123456"
        assert [m["metadataKey"] for m in ss.developer_metadata] == [FORMAT_KEY]
        writes = len(api.calls(BATCH_UPDATE))
        backend_for(api).setup(specs())
        assert len(api.calls(BATCH_UPDATE)) == writes  # once


def _text_columns(path, title: str) -> set[str]:
    ws = load_workbook(path)[title]
    header = [c.value for c in ws[1]]
    out = set()
    for dim in ws.column_dimensions.values():
        if dim.number_format == "@" and dim.min:
            out |= {header[i - 1] for i in range(dim.min, (dim.max or dim.min) + 1) if i <= len(header)}
    return out


def test_xlsx_setup_and_upgrade_make_text_columns_plain_text(tmp_path):
    path = tmp_path / "ttr.xlsx"
    XlsxBackend(path).setup(specs())
    assert {"ID", "Nom", "Téléphone"} <= _text_columns(path, "Clients")
    wb = load_workbook(path)  # as an older setup left it: no "@" on the columns
    for dim in wb["Clients"].column_dimensions.values():
        if dim.number_format == "@":
            dim.number_format = "General"
    wb.save(path)
    assert "Téléphone" not in _text_columns(path, "Clients")
    report = XlsxBackend(path).setup(specs())
    assert not report.changed
    assert {"ID", "Nom", "Téléphone"} <= _text_columns(path, "Clients")
    before = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml")
    XlsxBackend(path).setup(specs())
    assert zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml") == before  # nothing left to upgrade


def test_rows_added_in_a_step_stay_plain_text():
    from functions.store.backend import AppendRows
    from functions.store.gsheets_setup import ROW_STEP

    with fake_api() as api:
        b = backend_for(api)
        b.setup(specs())
        b.read(["Clients"])
        b.write([AppendRows("Clients", tuple({"ID": f"C{i}", "Nom": f"N{i}"} for i in range(ROW_STEP + 5)))])
        sheet = api.spreadsheets[SPREADSHEET_ID].by_title("Clients")
        assert sheet.row_count == 1 + 2 * ROW_STEP
        GSheetsPerson(api, SPREADSHEET_ID).set_cell("Clients", ROW_STEP + 20, "Téléphone", "0042")
        assert b.read(["Clients"])["Clients"][ROW_STEP + 19][2] == "0042"  # a row of the new step
