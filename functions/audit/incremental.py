"""What a sync's hand edits reach, so it recomputes those balances and not the whole workbook's.

The sync compares each row with its snapshot (one comparison per row nobody changed). The rows a person
added, changed or deleted, the rows the sync itself completes and the rows it appends name what their balances
depend on — the prestation, client or article they point to, now and before the edit — and ``derive(...,
only=closure(...))`` recomputes those alone. Every other row's computed cells are what the last sync or action
left, which equalled the full recompute then and still does: nothing it depends on changed. The Caisse running
balance is recomputed from the earliest moment an edit reaches (a row's date before and after it changed).
``ttr sync --complet`` recomputes everything; ``tests/test_incremental_property.py`` checks both agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from functions.books.derive import Derived, closure
from functions.store.workbook import Book, Record, RowUpdate

#: Columns that name the row another balance is computed on (Caisse, Prestations, Lignes, Mouvements).
REFS = (("prestation_id", "prestations"), ("client_id", "clients"), ("article_id", "stock"))


@dataclass
class Touched:
    """Row ids by tab key whose computed columns a sync must recompute, and the rows a person changed."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    changed: dict[str, set[str]] = field(default_factory=dict)  # rows added, changed or deleted since the snapshot
    cash_since: datetime | None = None  # the running balance is recomputed from here on

    def note(self, key: str, rid: str, values: Mapping[str, Any]) -> None:
        """A row (its values now, or as the snapshot held them) and the rows its balances are computed on."""
        if rid:
            self.ids.setdefault(key, set()).add(rid)
        for ref, tab in REFS:
            value = values.get(ref)
            if value:
                self.ids.setdefault(tab, set()).add(str(value))

    def note_edit(self, key: str, rid: str, now: Mapping[str, Any], old: Mapping[str, str]) -> None:
        """A row a person changed: what it points to now and before, and where it stood in the Caisse."""
        self.changed.setdefault(key, set()).add(rid)
        self.note(key, rid, now)
        self.note_gone(key, rid, old)

    def note_new(self, key: str, rid: str, now: Mapping[str, Any]) -> None:
        """A row the snapshot does not hold (typed by hand)."""
        self.changed.setdefault(key, set()).add(rid)
        self.note(key, rid, now)

    def note_gone(self, key: str, rid: str, old: Mapping[str, str]) -> None:
        """A row as the snapshot held it (changed since, or deleted)."""
        self.changed.setdefault(key, set()).add(rid)
        self.note(key, rid, old)
        if key == "caisse":
            moment = _moment(old.get("date", ""))
            self.cash_since = moment if self.cash_since is None else min(self.cash_since, moment)

    def note_change(self, updates: list[RowUpdate], appends: list[tuple[str, dict[str, Any]]]) -> None:
        """The rows the sync itself updates (ids, links, phones) or appends (restored or new ledger rows)."""
        for u in updates:
            self.note(u.tab, u.record.id, u.record.values)
            self.note(u.tab, str(u.values.get("id") or u.record.id), {**u.record.values, **u.values})
        for key, values in appends:
            self.note(key, str(values.get("id") or ""), values)

    def reach(self, book: Book, pending: Mapping[str, list[Record]]) -> dict[str, set[str]]:
        """The ids grown to everything their balances depend on (see ``derive.closure``)."""
        return closure(book, pending, self.ids)


def _moment(text: str) -> datetime:
    """A snapshot's canonical date text as ``ledger.when`` orders it (no date: last; unreadable: first)."""
    if not text:
        return datetime.max
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return datetime.min


def client_balances(book: Book, derived: Derived) -> dict[str, Decimal]:
    """The clients' Solde once the sync is written, where it is above zero (what the dashboard lists as unpaid):
    recomputed for the clients the sync touches, as the sheet shows it for the others (what the last sync or
    action computed, unchanged since)."""
    out: dict[str, Decimal] = {}
    for c in book.all_rows("clients"):
        value = c.values.get("balance")
        if value.__class__ is Decimal and value > 0:
            out[c.id] = value
    for cid, fresh in derived.get("clients", {}).items():
        value = fresh.get("balance")
        if isinstance(value, Decimal) and value > 0:
            out[cid] = value
        else:
            out.pop(cid, None)
    return out
