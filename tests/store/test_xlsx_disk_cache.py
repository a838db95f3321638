"""A fresh process finds the tabs and compressed pieces the last one left in ``<workbook>.cache``, and trusts
them only for the file they were stored for."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from functions.config import open_backend
from functions.store import xlsx_cache
from functions.store.backend import AppendRows, ColumnSpec, TabSpec, UpdateRow
from functions.store.xlsx import XlsxBackend
from functions.store.xlsx_parts import Package, open_package

TABS = [TabSpec("Caisse", (ColumnSpec("ID"), ColumnSpec("Description"), ColumnSpec("Montant"))),
        TabSpec("Journal", (ColumnSpec("Ligne"), ColumnSpec("Changements")))]


@pytest.fixture
def parsed(monkeypatch):
    """The tabs read from the file itself (calamine), not from a cache."""
    seen: list[str] = []
    original = XlsxBackend.read

    def read(self, titles=None):
        opened: list[str] = []
        parse = self._grid
        self._grid = lambda wb, title: opened.append(title) or parse(wb, title)
        try:
            return original(self, titles)
        finally:
            del self._grid
            seen.extend(opened)

    monkeypatch.setattr(XlsxBackend, "read", read)
    return seen


def fresh(path) -> XlsxBackend:
    """The backend a new process opens (``TTR_WORKBOOK``)."""
    return open_backend(str(path))  # type: ignore[return-value]


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "ttr.xlsx"
    b = fresh(p)
    b.setup(TABS)
    b.write([AppendRows("Caisse", tuple({"ID": f"K{i:04d}", "Description": f"vente {i} é", "Montant": i}
                                        for i in range(1500)))])
    return p


def as_read_without_cache(path) -> dict:
    return XlsxBackend(path).read()


def test_a_new_process_reads_the_tabs_the_last_one_left_without_parsing_them(path, parsed):
    first = fresh(path)
    first.read()
    first.write([AppendRows("Caisse", ({"ID": "K-a", "Montant": 5},)), AppendRows("Journal", ({"Ligne": "K-a"},))])
    first.write([UpdateRow("Caisse", "K0007", {"Description": "corrigée"}, row_hint=9)])
    parsed.clear()
    grids = fresh(path).read()
    assert parsed == []
    assert grids == as_read_without_cache(path)
    assert grids["Caisse"][8] == ["K0007", "corrigée", 7] and grids["Caisse"][-1] == ["K-a", None, 5]


def test_a_file_saved_by_a_spreadsheet_program_is_parsed_again(path, parsed):
    fresh(path).read()
    wb = openpyxl.load_workbook(path)
    wb["Caisse"].append(["K-x", "à la main", 12])
    wb.save(path)
    parsed.clear()
    grids = fresh(path).read()
    assert "Caisse" in parsed
    assert grids["Caisse"][-1] == ["K-x", "à la main", 12]


def test_a_new_process_appends_without_inflating_what_the_last_one_compressed(path, monkeypatch):
    fresh(path).write([AppendRows("Caisse", ({"ID": "K-a", "Montant": 1},))])
    inflated: list[str] = []
    text = Package.text
    monkeypatch.setattr(Package, "text", lambda self, name: inflated.append(name) or text(self, name))
    fresh(path).write([AppendRows("Caisse", ({"ID": "K-b", "Montant": 2},))])
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert open_package(zf).sheets["Caisse"] not in inflated
    rows = [tuple(r) for r in openpyxl.load_workbook(path)["Caisse"].iter_rows(values_only=True)]
    assert rows[-2:] == [("K-a", None, 1), ("K-b", None, 2)] and len(rows) == 1503


def test_unreadable_cache_files_are_a_miss(path, parsed):
    b = fresh(path)
    b.read()
    b.write([AppendRows("Caisse", ({"ID": "K-a", "Montant": 1},))])
    for f in (path.parent / "ttr.xlsx.cache").iterdir():
        f.write_bytes(f.read_bytes()[:40])  # torn
    parsed.clear()
    fresh(path).write([AppendRows("Caisse", ({"ID": "K-b", "Montant": 2},))])
    grids = fresh(path).read()
    assert "Caisse" in parsed
    assert grids == as_read_without_cache(path) and grids["Caisse"][-1] == ["K-b", None, 2]


def test_a_long_chain_of_writes_is_compacted_and_stays_exact(path, parsed, monkeypatch):
    monkeypatch.setattr(xlsx_cache, "COMPACT_AFTER", 3)
    monkeypatch.setattr(xlsx_cache, "CHUNK", 200)  # a grid stored in several pickles
    b = fresh(path)
    b.read()
    for i in range(8):
        b.write([AppendRows("Caisse", ({"ID": f"N{i}", "Montant": i},)),
                 UpdateRow("Caisse", f"K{i:04d}", {"Montant": 1000 + i}, row_hint=i + 2)])
    parsed.clear()
    grids = fresh(path).read()
    assert parsed == []
    assert grids == as_read_without_cache(path)
    assert grids["Caisse"][-1] == ["N7", None, 7] and grids["Caisse"][8] == ["K0007", "vente 7 é", 1007]


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("touch pwned",))


def test_a_cache_file_planted_in_the_folder_is_a_miss_and_runs_nothing(path, parsed, tmp_path, monkeypatch):
    """The cache folder may sit in a shared or synced folder: what is read from it builds cell values only."""
    import pickle
    from datetime import date
    from decimal import Decimal

    monkeypatch.chdir(tmp_path)
    first = fresh(path)
    first.read()
    first.write([AppendRows("Caisse", ({"ID": "K-d", "Description": date(2026, 3, 14), "Montant": Decimal("2.5")},))])
    expected = as_read_without_cache(path)
    planted = list(path.parent.glob(f"{path.name}.cache/*.grid"))
    assert planted
    for grid_file in planted:
        with open(grid_file, "rb") as f:
            signature, chunks = pickle.load(f)
        with open(grid_file, "wb") as f:
            pickle.dump((signature, 1), f)
            pickle.dump([[_Payload()]], f)
    parsed.clear()
    grids = fresh(path).read()
    assert not (tmp_path / "pwned").exists()
    assert "Caisse" in parsed and grids == expected  # read from the file again
