"""Rows found by key across writes (issue 15, a payment at 100 000 rows): the ``.xlsx`` backend keeps the row
index of its last write and moves it to the grid that write left, instead of indexing every row again; every
refusal it gave before (a row gone, renamed, doubled, changed meanwhile) still holds."""

from __future__ import annotations

import pytest

from functions.errors import ConflictError
from functions.store import backend as backend_module
from functions.store.backend import AppendRows, ColumnSpec, TabSpec, UpdateRow
from functions.store.xlsx import XlsxBackend


def _backend(path, n: int = 300) -> XlsxBackend:
    b = XlsxBackend(path)
    b.setup([TabSpec("Clients", (ColumnSpec("ID"), ColumnSpec("Nom"), ColumnSpec("Notes")))])
    b.write([AppendRows("Clients", tuple({"ID": f"C{i:04d}", "Nom": f"Client {i}"} for i in range(n)))])
    b.read(["Clients"])
    return b


def _names(b: XlsxBackend) -> dict[str, str]:
    return {str(r[0]): str(r[1]) if len(r) > 1 else "" for r in XlsxBackend(b.path).read(["Clients"])["Clients"][1:]}


@pytest.fixture
def built(monkeypatch) -> list[int]:
    """How many rows each new index went through."""
    sizes: list[int] = []
    init = backend_module.RowIndex.__init__

    def counting(self, g, kcol):
        sizes.append(len(g))
        init(self, g, kcol)

    monkeypatch.setattr(backend_module.RowIndex, "__init__", counting)
    return sizes


def test_the_next_write_to_the_same_grid_indexes_no_row_again(tmp_path, built) -> None:
    b = _backend(tmp_path / "t.xlsx")
    b.write([UpdateRow("Clients", "C0010", {"Notes": "un"})])
    assert len(built) == 1
    for i in range(5):
        b.write([UpdateRow("Clients", f"C{20 + i:04d}", {"Notes": f"n{i}"}, {"Nom": f"Client {20 + i}"})])
    b.write([AppendRows("Clients", ({"ID": "C-new", "Nom": "Nouveau"},))])
    b.write([UpdateRow("Clients", "C-new", {"Notes": "après l'ajout"})])
    assert len(built) == 1  # carried from write to write
    assert _names(b)["C-new"] == "Nouveau"
    rows = XlsxBackend(b.path).read(["Clients"])["Clients"]
    notes = {str(r[0]): r[2] for r in rows[1:] if len(r) > 2}
    assert notes == {"C0010": "un", **{f"C{20 + i:04d}": f"n{i}" for i in range(5)}, "C-new": "après l'ajout"}


def test_a_row_renamed_by_a_write_is_found_by_its_new_id_and_not_by_its_old(tmp_path) -> None:
    b = _backend(tmp_path / "t.xlsx")
    b.write([UpdateRow("Clients", "C0005", {"Notes": "x"})])  # the index is made
    b.write([UpdateRow("Clients", "C0007", {"ID": "C-renamed"})])
    b.write([UpdateRow("Clients", "C-renamed", {"Nom": "Renommé"})])
    assert _names(b)["C-renamed"] == "Renommé"
    with pytest.raises(ConflictError, match="C0007 a disparu"):
        b.write([UpdateRow("Clients", "C0007", {"Nom": "perdu"})])


def test_an_id_doubled_by_an_earlier_write_is_still_refused(tmp_path) -> None:
    b = _backend(tmp_path / "t.xlsx")
    b.write([UpdateRow("Clients", "C0001", {"Notes": "x"})])
    b.write([UpdateRow("Clients", "C0002", {"ID": "C0003"})])  # now two rows say C0003
    with pytest.raises(ConflictError, match="C0003 apparaît sur plusieurs lignes"):
        b.write([UpdateRow("Clients", "C0003", {"Nom": "lequel ?"})])
    b.write([AppendRows("Clients", ({"ID": "C0009", "Nom": "copie"},))])  # an append doubles C0009
    with pytest.raises(ConflictError, match="C0009 apparaît sur plusieurs lignes"):
        b.write([UpdateRow("Clients", "C0009", {"Nom": "lequel ?"})])


def test_a_person_s_edit_in_between_makes_a_new_index(tmp_path, built) -> None:
    path = tmp_path / "t.xlsx"
    b = _backend(path)
    b.write([UpdateRow("Clients", "C0001", {"Notes": "x"})])
    person = XlsxBackend(path)
    person.write([UpdateRow("Clients", "C0004", {"ID": "C-typed"}), AppendRows("Clients", ({"ID": "C0008"},))])
    b.read(["Clients"])
    with pytest.raises(ConflictError, match="C0008 apparaît sur plusieurs lignes"):
        b.write([UpdateRow("Clients", "C0008", {"Nom": "?"})])
    b.write([UpdateRow("Clients", "C-typed", {"Nom": "vu"})])
    assert _names(b)["C-typed"] == "vu"
    assert len(built) >= 2  # the grid changed under it: indexed again


def test_a_refused_write_leaves_no_index_of_what_was_not_written(tmp_path) -> None:
    b = _backend(tmp_path / "t.xlsx")
    b.write([UpdateRow("Clients", "C0001", {"Notes": "x"})])
    with pytest.raises(ConflictError):  # the second op is refused: nothing of the first lands
        b.write([UpdateRow("Clients", "C0002", {"ID": "C-ghost"}), UpdateRow("Clients", "C9999", {"Nom": "?"})])
    with pytest.raises(ConflictError, match="C-ghost a disparu"):
        b.write([UpdateRow("Clients", "C-ghost", {"Nom": "fantôme"})])
    b.write([UpdateRow("Clients", "C0002", {"Nom": "toujours là"})])
    assert _names(b)["C0002"] == "toujours là"
