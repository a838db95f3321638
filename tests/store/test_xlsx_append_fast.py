"""An append to a part this backend wrote neither inflates nor deflates the rows already there, and the file
stays exact (CRC-32 combined from the pieces, checked by zipfile, openpyxl and calamine)."""

from __future__ import annotations

import zipfile
import zlib

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.store import xlsx_pack
from functions.store.backend import AppendRows, ColumnSpec, TabSpec, UpdateRow
from functions.store.xlsx import XlsxBackend
from functions.store.xlsx_parts import Package, open_package


@given(st.binary(max_size=3000), st.binary(max_size=3000))
@settings(max_examples=200, deadline=None)
def test_crc32_combine_is_zlibs(a, b):
    assert xlsx_pack.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def _backend(tmp_path, n: int = 2000) -> XlsxBackend:
    b = XlsxBackend(tmp_path / "ttr.xlsx")
    b.setup([TabSpec("Caisse", (ColumnSpec("ID"), ColumnSpec("Description"), ColumnSpec("Montant"))),
             TabSpec("Journal", (ColumnSpec("Ligne"), ColumnSpec("Changements")))])
    b.write([AppendRows("Caisse", tuple({"ID": f"K{i:05d}", "Description": f"Vente n° {i} — café",
                                         "Montant": i} for i in range(n)))])
    b.write([AppendRows("Caisse", ({"ID": "K-first", "Montant": 1},))])  # the bulk rows join the middle
    return b


def _rows(path) -> dict[str, list[tuple]]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every member's CRC-32 matches its bytes
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def test_an_append_reads_and_compresses_only_the_ends_of_a_part_it_wrote(tmp_path, monkeypatch):
    b = _backend(tmp_path)
    inflated: list[str] = []
    text = Package.text
    monkeypatch.setattr(Package, "text", lambda self, name: inflated.append(name) or text(self, name))
    sizes: list[int] = []
    piece = xlsx_pack._piece
    monkeypatch.setattr(xlsx_pack, "_piece", lambda data, final: sizes.append(len(data)) or piece(data, final))
    b.write([AppendRows("Caisse", ({"ID": "K-a", "Description": "Pain", "Montant": 250},)),
             AppendRows("Journal", ({"Ligne": "K-a", "Changements": "ajout"},))])
    with zipfile.ZipFile(b.path) as zf:
        caisse = open_package(zf).sheets["Caisse"]
    assert caisse not in inflated  # its rows were not inflated
    assert sum(sizes) < 80_000  # Journal's small part whole, Caisse's ends: not its 2 000 rows
    sizes.clear()
    b.write([AppendRows("Caisse", ({"ID": "K-b", "Description": "Œufs", "Montant": 900},)),
             AppendRows("Journal", ({"Ligne": "K-b", "Changements": "ajout"},))])
    assert sum(sizes) < 6000
    rows = _rows(b.path)
    assert rows["Caisse"][-3:] == [("K-first", None, 1), ("K-a", "Pain", 250), ("K-b", "Œufs", 900)]
    assert len(rows["Caisse"]) == 2004 and rows["Caisse"][1] == ("K00000", "Vente n° 0 — café", 0)
    assert rows["Journal"] == [("Ligne", "Changements"), ("K-a", "ajout"), ("K-b", "ajout")]
    fresh = XlsxBackend(b.path).read()
    assert fresh["Caisse"][-1] == ["K-b", "Œufs", 900] and len(fresh["Caisse"]) == 2004


def test_updates_inside_and_after_the_kept_rows_then_appends_stay_exact(tmp_path):
    b = _backend(tmp_path, 500)
    b.write([AppendRows("Caisse", ({"ID": "K-a", "Montant": 2},))])
    b.write([UpdateRow("Caisse", "K-a", {"Description": "corrigée"}, row_hint=503)])  # in the rest: fast path
    b.write([UpdateRow("Caisse", "K00010", {"Description": "dixième"}, row_hint=12)])  # in the middle
    b.write([AppendRows("Caisse", ({"ID": "K-b", "Montant": 3},))])
    b.write([AppendRows("Caisse", ({"ID": "K-c", "Montant": 4},))])
    rows = _rows(b.path)["Caisse"]
    assert rows[12 - 1] == ("K00010", "dixième", 10)
    assert rows[-4:] == [("K-first", None, 1), ("K-a", "corrigée", 2), ("K-b", None, 3), ("K-c", None, 4)]
    assert len(rows) == 505


def test_a_part_whose_pieces_do_not_add_up_is_compressed_from_the_file(tmp_path, monkeypatch):
    """What the backend kept is trusted only while the file's part is the one it describes."""
    b = _backend(tmp_path, 300)
    part = next(iter(b._packed))
    signature, kept = b._packed[part]
    b._packed[part] = (signature, xlsx_pack.Packed(kept.head, kept.rest, kept.head_c, kept.mid_c, kept.mid_len,
                                                   kept.mid_crc ^ 1, kept.mid_last, kept.mid_filled, kept.header,
                                                   kept.rest_c))
    b.write([AppendRows("Caisse", ({"ID": "K-a", "Montant": 2},))])
    rows = _rows(b.path)["Caisse"]
    assert rows[-1] == ("K-a", None, 2) and len(rows) == 303


def test_a_long_rest_joins_the_middle_and_every_write_stays_exact(tmp_path, monkeypatch):
    """An update far from the end leaves a long rest: its first rows are compressed into the middle at once, so
    the next append compresses only the end (and the text kept stays small)."""
    monkeypatch.setattr(xlsx_pack, "REST_MAX", 600)
    b = _backend(tmp_path, 200)
    expected = {r[0]: r for r in _rows(b.path)["Caisse"][1:]}
    for i in range(12):
        if i % 3 == 0:
            b.write([UpdateRow("Caisse", f"K{i * 9:05d}", {"Description": f"maj {i}"}, row_hint=i * 9 + 2)])
            expected[f"K{i * 9:05d}"] = (f"K{i * 9:05d}", f"maj {i}", i * 9)
        else:
            b.write([AppendRows("Caisse", ({"ID": f"N{i}", "Montant": i},))])
            expected[f"N{i}"] = (f"N{i}", None, i)
        part = next(iter(b._packed.values()))[1]
        assert len(part.rest) < 2000
    rows = _rows(b.path)["Caisse"]
    assert {r[0]: r for r in rows[1:]} == expected and len(rows) == len(expected) + 1
    assert XlsxBackend(b.path).read()["Caisse"][-1] == ["N11", None, 11]
