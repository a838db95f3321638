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
    """Positions of a tab's records by id, by ``prestation_id`` and by ``client_id``; rows; unlinked ones."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.rows: list[int] = []  # each record's sheet row (ascending, as read)
        self.by_id: dict[str, list[int]] = {}
        self.by_prestation: dict[Any, list[int]] = {}
        self.by_client: dict[Any, list[int]] = {}
        self._unlinked: dict[str, list[int]] = {}  # link pattern -> positions of records whose link is not one

    def extend(self, records: list[Record]) -> None:
        start = len(self.records)
        self.records = list(records)  # a copy: the caller's list may change, the records never do
        for pos in range(start, len(records)):
            r = records[pos]
            self.rows.append(r.row)
            self.by_id.setdefault(r.id, []).append(pos)
            self.by_prestation.setdefault(r.values.get("prestation_id") or "", []).append(pos)
            self.by_client.setdefault(r.values.get("client_id"), []).append(pos)
        for source, positions in self._unlinked.items():
            positions.extend(_unlinked(records, start, re.compile(source)))

    def unlinked(self, pattern: re.Pattern[str]) -> list[int]:
        """Positions of the records whose ``receipt`` does not match ``pattern``."""
        if pattern.pattern not in self._unlinked:
            self._unlinked[pattern.pattern] = list(_unlinked(self.records, 0, pattern))
        return self._unlinked[pattern.pattern]

    def at_row(self, row: int) -> int | None:
        """The position of the record of sheet row ``row``, if any."""
        pos = bisect_left(self.rows, row)
        return pos if pos < len(self.rows) and self.rows[pos] == row else None

    def find(self, record_id: str) -> Record | None:
        """As ``Book.find``: the first record with that id."""
        found = self.by_id.get(record_id)
        return self.records[found[0]] if found else None

    def where(self, ids: Iterable[str] = (), prestations: Iterable[str] = (), clients: Iterable[str] = ()) -> list[int]:
        """Positions, in order, of the records with one of ``ids``, ``prestations`` or ``clients``."""
        out: set[int] = set()
        for keys, table in ((ids, self.by_id), (prestations, self.by_prestation), (clients, self.by_client)):
            for k in keys:
                out.update(table.get(k, ()))
        return sorted(out)


def _unlinked(records: list[Record], start: int, pattern: re.Pattern[str]) -> Iterable[int]:
    match = pattern.match
    return (pos for pos in range(start, len(records)) if not match(str(records[pos].values.get("receipt") or "")))


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
        return found
    built = TabIndex()
    built.extend(records)
    _indexes.pop(slot, None)
    _indexes[slot] = built
    while len(_indexes) > _KEEP:
        _indexes.pop(next(iter(_indexes)))
    return built
