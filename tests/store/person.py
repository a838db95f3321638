"""What a person does to a workbook behind the toolkit's back, for every backend.

Each backend factory (``tests/store/factory_<name>.py``) yields ``(backend, person)`` where ``person``
implements this protocol by editing the underlying storage directly (the grid, the .xlsx file with
openpyxl as LibreOffice would, the fake Sheets API's state as the Sheets UI would).
"""

from __future__ import annotations

from typing import Protocol

from functions.store.backend import Cell, Grid, MemoryBackend


class Person(Protocol):
    def sort(self, title: str, header: str, reverse: bool = False) -> None:
        """Sort the data rows (not the header) by the column named ``header`` (as text)."""

    def insert_blank_rows(self, title: str, before_row: int, count: int) -> None:
        """Insert ``count`` empty rows before 1-based sheet row ``before_row``."""

    def set_cell(self, title: str, row: int, header: str, value: Cell) -> None:
        """Type ``value`` into a cell (1-based sheet row), as a literal value."""

    def delete_row(self, title: str, row: int) -> None: ...

    def append_row(self, title: str, values: dict[str, Cell]) -> None: ...

    def grid(self, title: str) -> Grid:
        """The tab as stored (not trimmed), for assertions."""

    def formulas(self, title: str) -> list[str]:
        """Every cell of the tab stored as a formula (empty when none)."""


def sort_key(value: Cell) -> tuple[int, str]:
    return (value is None or value == "", "" if value is None else str(value))


class MemoryPerson:
    def __init__(self, backend: MemoryBackend) -> None:
        self.b = backend

    def _col(self, title: str, header: str) -> int:
        return [str(h) for h in self.b.grid(title)[0]].index(header)

    def sort(self, title: str, header: str, reverse: bool = False) -> None:
        g = self.b.grid(title)
        c = self._col(title, header)
        g[1:] = sorted(g[1:], key=lambda r: sort_key(r[c] if c < len(r) else None), reverse=reverse)

    def insert_blank_rows(self, title: str, before_row: int, count: int) -> None:
        g = self.b.grid(title)
        g[before_row - 1 : before_row - 1] = [[] for _ in range(count)]

    def set_cell(self, title: str, row: int, header: str, value: Cell) -> None:
        g = self.b.grid(title)
        c = self._col(title, header)
        while len(g) < row:
            g.append([])
        r = g[row - 1]
        while len(r) <= c:
            r.append(None)
        r[c] = value

    def delete_row(self, title: str, row: int) -> None:
        del self.b.grid(title)[row - 1]

    def append_row(self, title: str, values: dict[str, Cell]) -> None:
        g = self.b.grid(title)
        g.append([values.get(str(h)) for h in g[0]])

    def grid(self, title: str) -> Grid:
        return self.b.grid(title)

    def formulas(self, title: str) -> list[str]:
        return []
