"""A part the backend wrote is compressed again only from the rows that changed, and the file stays valid."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from functions.store import xlsx_pack
from functions.store.backend import AppendRows, ColumnSpec, TabSpec, UpdateRow
from functions.store.xlsx import XlsxBackend


@pytest.fixture
def deflated(tmp_path, monkeypatch):
    b = XlsxBackend(tmp_path / "ttr.xlsx")
    b.setup([TabSpec("Caisse", (ColumnSpec("ID"), ColumnSpec("Description"), ColumnSpec("Montant")))])
    b.write([AppendRows("Caisse", tuple({"ID": f"K{i:05d}", "Description": f"Vente n° {i} — café",
                                         "Montant": i} for i in range(3000)))])
    sizes: list[int] = []
    piece = xlsx_pack._piece

    def counting(data: bytes, final: bool) -> bytes:
        sizes.append(len(data))
        return piece(data, final)

    monkeypatch.setattr(xlsx_pack, "_piece", counting)
    return b, sizes


def rows_as_read(path) -> list[tuple]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every member's CRC-32 matches its bytes
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb["Caisse"].iter_rows(values_only=True)]


def test_an_append_deflates_only_what_follows_the_rows_it_already_compressed(deflated):
    b, sizes = deflated
    b.write([AppendRows("Caisse", ({"ID": "K9", "Description": "Pain", "Montant": 250},))])
    first = sum(sizes)  # the first write of this process after the bulk one: its part is known
    sizes.clear()
    b.write([AppendRows("Caisse", ({"ID": "K10", "Description": "Œufs", "Montant": 900},))])
    assert sum(sizes) < 5000 < first / 10  # the head, the new rows and the end: not the 3000 rows again
    rows = rows_as_read(b.path)
    assert rows[-2:] == [("K9", "Pain", 250), ("K10", "Œufs", 900)]
    assert len(rows) == 3003
    fresh = XlsxBackend(b.path).read()["Caisse"]
    assert fresh[1] == ["K00000", "Vente n° 0 — café", 0] and fresh[-1] == ["K10", "Œufs", 900]


def test_an_update_before_the_compressed_rows_then_an_append_stay_exact(deflated):
    b, _ = deflated
    b.write([AppendRows("Caisse", ({"ID": "K9", "Montant": 1},))])
    b.write([UpdateRow("Caisse", "K00005", {"Description": "corrigée"}, row_hint=7)])
    b.write([AppendRows("Caisse", ({"ID": "K10", "Montant": 2},))])
    rows = rows_as_read(b.path)
    assert rows[6] == ("K00005", "corrigée", 5)
    assert rows[-2:] == [("K9", None, 1), ("K10", None, 2)]


def test_a_part_written_by_another_process_meanwhile_is_not_reused(deflated, tmp_path):
    b, sizes = deflated
    b.write([AppendRows("Caisse", ({"ID": "K9", "Montant": 1},))])
    XlsxBackend(b.path).write([AppendRows("Caisse", ({"ID": "K10", "Montant": 2},))])  # another process
    sizes.clear()
    b.write([AppendRows("Caisse", ({"ID": "K11", "Montant": 3},))])
    assert sum(sizes) > 50_000  # compressed from the file's own part, not from what this process wrote
    assert [r[0] for r in rows_as_read(b.path)[-3:]] == ["K9", "K10", "K11"]
