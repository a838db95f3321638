"""A report over closed years: the live workbook's rows with the rows of the archives the period needs.

A closed year Y lives in two places (``functions.archive``, ``functions.books.year_end``):

* its rows in the archive workbook of Y — with rows of earlier years that moved with Y (a prestation still
  open at an earlier close leaves with the year it is settled in, its payments with it);
* « À nouveau » opening rows in the live workbook, dated 1 January Y+1 00:00 (Caisse Type « À nouveau »:
  the cash per payment method and each client's account; Mouvements Motif « À nouveau »: each article's
  quantity), which stand for every row the close moved.

Each closed year counts through exactly one of the two, never both:

* the archive when the period starts on or before 31 December Y (its rows can fall in the period, or before
  it in the opening balance), and then the live « À nouveau Y » rows are left out;
* the « À nouveau Y » rows otherwise: they are the opening balance of the periods after the cut, never a
  sale, an expense nor a movement of the new year (``figures`` keeps them out of the period's flows).

So the figures of a period are the same before and after a close. An archive is read only when a period
needs it (a report of this month after the close of last year reads none).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from functions.books.ledger import CARRIED
from functions.store.workbook import Book, Record

#: The tabs a report reads from an archive: the moved ledgers, and what they name as it was at the close.
LEDGERS = ("caisse", "movements", "prestations", "lines")
NAMED = ("clients", "stock", "types")
KEYS = [*LEDGERS, *NAMED]


def carried_year(row: Record) -> int | None:
    """The closed year an opening row « À nouveau » stands for (dated 1 January of the next year), else None."""
    if row["type"] != CARRIED and row["reason"] != CARRIED:
        return None
    when = row["date"]
    return when.year - 1 if isinstance(when, date | datetime) else None


def combine(live: Book, archives: dict[int, Book]) -> Book:
    """``live`` with the ledger rows of ``archives`` (closed year -> its archive book) and without the live
    « À nouveau » rows of those years; clients, articles and types the archives name and the live workbook
    no longer has are added (the live ones win)."""
    if not archives:
        return live
    tabs = dict(live.tabs)
    for key in LEDGERS:
        if key not in live.tabs:
            continue
        seen: set[str] = set()
        rows: list[Record] = []
        for year in sorted(archives):
            for r in archives[year].all_rows(key):
                if not r.id or r.id not in seen:
                    seen.add(r.id)
                    rows.append(r)
        for r in live.all_rows(key):
            if carried_year(r) in archives or (r.id and r.id in seen):
                continue
            rows.append(r)
        tabs[key] = replace(live.tabs[key], records=rows)
    for key in NAMED:
        if key not in live.tabs:
            continue
        have = {r.id for r in live.all_rows(key)}
        extra: list[Record] = []
        for year in sorted(archives, reverse=True):  # the latest archive's copy first
            for r in archives[year].all_rows(key):
                if r.id and r.id not in have:
                    have.add(r.id)
                    extra.append(r)
        if extra:
            tabs[key] = replace(live.tabs[key], records=[*live.all_rows(key), *extra])
    return Book(live.schema, live.settings, live.codec, tabs, live.grids)


def period_book(biz: Any, start: date, book: Book | None = None, opener: Any = None) -> Book:
    """The book a report of a period starting on ``start`` reads: the live workbook (``book``, or
    ``biz.book()``), with the archives of the closed years the period covers (read now). An archive that
    cannot be read stops the report with what to do, rather than give figures with a year missing."""
    from functions.archive_read import archives_from

    book = book if book is not None else biz.book()
    return combine(book, archives_from(biz, start, KEYS, opener))


__all__ = ["KEYS", "carried_year", "combine", "period_book"]
