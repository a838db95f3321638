"""The xlsx backend for the contract suite, and a person who edits the file with openpyxl (load, change,
save) as LibreOffice would: rows move, values are typed literally, the toolkit's lock is ignored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from functions.store.backend import Cell, Grid
from functions.store.xlsx import XlsxBackend
from functions.store.xlsx_setup import put
from tests.store.person import sort_key


class XlsxPerson:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _sheet(self, title: str, save: bool = True) -> Iterator[Worksheet]:
        wb = load_workbook(self.path)
        yield wb[title]
        if save:
            wb.save(self.path)

    @staticmethod
    def _col(ws: Worksheet, header: str) -> int:
        return [c.value for c in ws[1]].index(header) + 1

    def sort(self, title: str, header: str, reverse: bool = False) -> None:
        with self._sheet(title) as ws:
            c = self._col(ws, header)
            width = ws.max_column
            rows = [[ws.cell(r, i).value for i in range(1, width + 1)] for r in range(2, ws.max_row + 1)]
            rows.sort(key=lambda row: sort_key(row[c - 1]), reverse=reverse)
            for r, row in enumerate(rows, start=2):
                for i, value in enumerate(row, start=1):
                    put(ws.cell(r, i), value)

    def insert_blank_rows(self, title: str, before_row: int, count: int) -> None:
        with self._sheet(title) as ws:
            ws.insert_rows(before_row, count)

    def set_cell(self, title: str, row: int, header: str, value: Cell) -> None:
        with self._sheet(title) as ws:
            put(ws.cell(row, self._col(ws, header)), value)

    def delete_row(self, title: str, row: int) -> None:
        with self._sheet(title) as ws:
            ws.delete_rows(row)

    def append_row(self, title: str, values: dict[str, Cell]) -> None:
        with self._sheet(title) as ws:
            row = ws.max_row + 1
            for i, h in enumerate([c.value for c in ws[1]], start=1):
                if h in values:
                    put(ws.cell(row, i), values[h])

    def grid(self, title: str) -> Grid:
        with self._sheet(title, save=False) as ws:
            return [list(r) for r in ws.iter_rows(values_only=True)]

    def formulas(self, title: str) -> list[str]:
        with self._sheet(title, save=False) as ws:
            return [str(c.value) for row in ws.iter_rows() for c in row if c.data_type == "f"]


@contextmanager
def make(tmp_path: Path) -> Iterator[tuple[XlsxBackend, XlsxPerson]]:
    path = tmp_path / "ttr.xlsx"
    yield XlsxBackend(path, lock_timeout=10), XlsxPerson(path)
