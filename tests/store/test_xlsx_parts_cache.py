"""The .xlsx backend reads again only the tabs whose sheet part changed (the zip's own CRC-32 and sizes)."""

from __future__ import annotations

import openpyxl
import pytest

from functions.store.backend import AppendRows, ColumnSpec, TabSpec
from functions.store.xlsx import XlsxBackend


@pytest.fixture
def parsed(tmp_path, monkeypatch):
    b = XlsxBackend(tmp_path / "ttr.xlsx")
    b.setup([TabSpec("Clients", (ColumnSpec("ID"), ColumnSpec("Nom"))),
             TabSpec("Caisse", (ColumnSpec("ID"), ColumnSpec("Montant")))])
    seen: list[str] = []
    grid = XlsxBackend._grid

    def counting(self, wb, title):
        seen.append(title)
        return grid(self, wb, title)

    monkeypatch.setattr(XlsxBackend, "_grid", counting)
    return b, seen


def test_an_unchanged_file_is_not_parsed_again(parsed):
    b, seen = parsed
    first = b.read()
    seen.clear()
    assert b.read() == first
    assert seen == []


def test_the_toolkits_own_append_keeps_every_grid_warm(parsed):
    b, seen = parsed
    b.read()
    seen.clear()
    b.write([AppendRows("Clients", ({"ID": "C1", "Nom": "Awa"},))])
    grids = b.read()
    assert seen == []
    assert grids["Clients"][1] == ["C1", "Awa"]


def test_a_tab_changed_by_another_program_is_read_again(parsed, tmp_path):
    b, seen = parsed
    b.read()
    other = XlsxBackend(b.path)
    other.write([AppendRows("Caisse", ({"ID": "K1", "Montant": 500},))])  # another process
    seen.clear()
    grids = b.read()
    assert seen == ["Caisse"]  # Clients' part is byte for byte the same
    assert grids["Caisse"][1] == ["K1", 500]


def test_a_save_by_a_spreadsheet_program_reads_the_parts_it_changed(parsed):
    b, seen = parsed
    b.read()
    wb = openpyxl.load_workbook(b.path)
    wb["Clients"].append(["C9", "Kofi"])
    wb.save(b.path)
    seen.clear()
    grids = b.read()
    assert seen == ["Clients"]  # openpyxl wrote Caisse's part byte for byte as it was
    assert grids["Clients"][-1] == ["C9", "Kofi"]
    assert grids["Caisse"] == [["ID", "Montant"]]


def test_typed_rows_follow_the_grid_read_even_when_a_write_lands_in_between(tmp_path, clock):
    """A page thread reads, an action writes, then the page types what it read: the next read still sees
    the new row (the token travels with the grid, not with the backend)."""
    from functions.business import Business
    from functions.state.memory import MemoryStateStore
    from functions.store.codec import Codec
    from functions.store.workbook import Workbook

    biz = Business(Workbook(XlsxBackend(tmp_path / "w.xlsx")), MemoryStateStore(), clock=clock)
    biz.init({"business_name": "Chez Awa"})
    wb, backend = biz.workbook, biz.workbook.backend
    title = biz.load(["caisse"]).title("caisse")
    seen = backend.read([title])[title]  # the page's read
    new = biz.revenue("5000", "Awa", description="Apport")["caisse_id"]  # the action's write
    wb.parse_tab(wb.schema.tab("caisse"), title, seen, Codec("XOF"), seen.token)  # the page types its rows
    assert biz.load(["caisse"]).find("caisse", new) is not None
