"""Lookups of the receipt hook: the rows of a tab by id, prestation and client, and those lacking a link.

The hook runs before every action's write, and a workbook holds 100 000 Caisse rows: scanning them all for
each sale cost more than the write. A tab's index is built once for its list of records and kept for the
next action: ``Workbook`` hands out the same (immutable) ``Record`` objects for rows that did not change, so
when the new list starts with the very records of the last one (an append), only the new ones are indexed.
Anything else (a row changed, another workbook) builds the index again. Answers are positions in the list,
so callers keep the workbook's row order.
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from functions.store.workbook import Book, Record

_KEEP = 16  # indexes kept (a tab per workbook served by this process)


class TabIndex:
    """Positions of a tab's records by id, ``prestation_id`` and ``client_id``, and of those lacking a link; each
    table is built when first asked for (a quick sale asks for few), then kept up to date as records are added."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self._tables: dict[str, dict[Any, list[int]]] = {}  # "id", "prestation_id", "client_id" -> value -> positions
        self._unlinked: dict[str, list[int]] = {}  # link pattern -> positions of records whose link is not one
        self._rows: list[int] | None = None  # each record's sheet row (ascending, as read)
        self.reused = False  # asked for again by a later read: worth its tables (a fresh process scans once)
        self._source: list[Record] | None = None  # the list it was last asked for (the same read asks again)

    def extend(self, records: list[Record]) -> None:
        start = len(self.records)
        self.records = list(records)  # a copy: the caller's list may change, the records never do
        for name, table in self._tables.items():
            _fill(table, name, self.records, start)
        for source, positions in self._unlinked.items():
            positions += _unlinked(self.records, start, re.compile(source))
        if self._rows is not None:
            self._rows.extend(r.row for r in self.records[start:])

    def table(self, name: str) -> dict[Any, list[int]]:
        if name not in self._tables:
            self._tables[name] = _fill({}, name, self.records, 0)
        return self._tables[name]

    @property
    def by_id(self) -> dict[Any, list[int]]:
        return self.table("id")

    def unlinked(self, pattern: re.Pattern[str]) -> list[int]:
        """Positions of the records whose ``receipt`` does not match ``pattern``."""
        if pattern.pattern not in self._unlinked:
            self._unlinked[pattern.pattern] = _unlinked(self.records, 0, pattern)
        return self._unlinked[pattern.pattern]

    def at_row(self, row: int) -> int | None:
        """The position of the record of sheet row ``row``, if any."""
        if self._rows is None:
            self._rows = [r.row for r in self.records]
        pos = bisect_left(self._rows, row)
        return pos if pos < len(self._rows) and self._rows[pos] == row else None

    def find(self, record_id: str) -> Record | None:
        """As ``Book.find``: the first record with that id."""
        found = self.where(ids=(record_id,))
        return self.records[found[0]] if found else None

    def where(self, ids: Iterable[str] = (), prestations: Iterable[str] = (), clients: Iterable[str] = ()) -> list[int]:
        """Positions, in order, of the records with one of ``ids``, ``prestations`` or ``clients``."""
        out: set[int] = set()
        for keys, name in ((ids, "id"), (prestations, "prestation_id"), (clients, "client_id")):
            wanted = set(keys)
            if not wanted:
                continue
            if name in self._tables or self.reused:
                table = self.table(name)
                for k in wanted:
                    out.update(table.get(k, ()))
            elif name == "id":  # an index no later read has asked for yet: one pass costs less than a table
                out.update(pos for pos, r in enumerate(self.records) if r.id in wanted)
            else:
                out.update(pos for pos, r in enumerate(self.records) if _value(r, name) in wanted)
        return sorted(out)


def _fill(table: dict[Any, list[int]], name: str, records: list[Record], start: int) -> dict[Any, list[int]]:
    for pos in range(start, len(records)):
        value = _value(records[pos], name)
        found = table.get(value)
        if found is None:
            table[value] = [pos]
        else:
            found.append(pos)
    return table


def _value(r: Record, name: str) -> Any:
    return r.id if name == "id" else (r.values.get(name) or "") if name == "prestation_id" else r.values.get(name)


def _unlinked(records: list[Record], start: int, pattern: re.Pattern[str]) -> list[int]:
    match = pattern.match  # a link is text (a number or an empty cell is no link)
    return [pos for pos in range(start, len(records))
            if not (isinstance(v := records[pos].values.get("receipt"), str) and match(v))]


_indexes: dict[tuple[str, int], TabIndex] = {}


def index(book: Book, key: str) -> TabIndex:
    """The index of ``book``'s records of tab ``key`` (built or extended, see the module's docstring)."""
    records = book.all_rows(key)
    if not records:
        return TabIndex()
    slot = (key, id(records[0]))  # the index holds that record: the id cannot be reused meanwhile
    found = _indexes.get(slot)
    if found is not None and len(records) >= len(found.records) and (
            all(map(operator.is_, records, found.records))):
        if len(records) > len(found.records):
            found.extend(records)
        found.reused = found.reused or records is not found._source
        found._source = records
        return found
    built = TabIndex()
    built.extend(records)
    built._source = records
    _indexes.pop(slot, None)
    _indexes[slot] = built
    while len(_indexes) > _KEEP:
        _indexes.pop(next(iter(_indexes)))
    return built
