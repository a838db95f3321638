"""Rows of the workbook that are wrong, and the rows typed by hand that are not taken because of it (pure).

A row typed in the sheet is taken whole (an ID, a Journal row, its effect on the balances) or not at all.
A row without an ID that breaks a rule is *quarantined*: the sync leaves it out of everything and writes
a marker in its ID cell (``À CORRIGER ligne 5 : « Date » est obligatoire.``) that the person sees; once
the row is fixed, the next sync replaces the marker with a real ID. ``to_fix(book)`` lists every problem
("À corriger" in the Tableau de bord, the web app and ``ttr sync``).
"""

from __future__ import annotations

import operator
from dataclasses import replace
from typing import Any

from functions.books.ledger import CARRIED
from functions.errors import RowError
from functions.store.workbook import QUARANTINE_MARK as MARK
from functions.store.workbook import Book, Record, RowTyper, TabRows

ID_TABS = ("clients", "prestations", "lines", "caisse", "stock", "movements", "agenda", "investments", "types")


def is_mark(rid: str) -> bool:
    """Whether an ID cell holds the sync's quarantine marker instead of an ID."""
    return rid.startswith(MARK)


def taken(records: list[Record]) -> list[Record]:
    """The records that count: rows with a real ID (a row typed by hand counts from the sync that names it)."""
    return [r for r in records if r.id and not r.id.startswith(MARK)]  # ``is_mark``, inlined: tabs of 100 000 rows


def mark(error: RowError) -> str:
    return f"{MARK} ligne {error.row} : {error.reason}"[:500]


def same_mark(current: str, error: RowError) -> bool:
    """The marker already says this (the row number it was marked at may have moved since)."""
    return current.endswith(f" : {error.reason}"[:500 - len(MARK)]) and is_mark(current)


def unmarked(book: Book) -> tuple[Book, dict[tuple[str, int], Record]]:
    """The book with the quarantined rows typed again as rows without an ID (the workbook reads a marked
    row as an error, so nothing else counts it), and those rows as read, to address them by their marker."""
    originals: dict[tuple[str, int], Record] = {}
    tabs = dict(book.tabs)
    for key in ID_TABS:
        t = book.tabs.get(key)
        if t is None or not t.errors:
            continue
        marked = {e.row: grid_record(book, key, e.row) for e in t.errors if e.row}
        marked = {n: r for n, r in marked.items() if is_mark(r.id)}
        if not marked:
            continue
        typer = RowTyper(t.tab, t.header, book.codec)
        records, errors = list(t.records), []
        for e in t.errors:
            rec = marked.get(e.row or 0)
            if rec is None:
                errors.append(e)
                continue
            originals[(key, rec.row)] = rec
            row = [None if h == "ID" else rec.cells.get(h) for h in t.header]
            typed = typer(t.title, rec.row, row)
            if isinstance(typed, Record):
                records.append(Record(key, rec.row, typed.values, rec.cells))
                originals[(key, rec.row)] = Record(key, rec.row, {**typed.values, "id": rec.id}, rec.cells)
            elif typed is not None:
                errors.append(typed)
        records.sort(key=lambda r: r.row)
        tabs[key] = replace(t, records=records, errors=errors)
    return replace(book, tabs=tabs), originals


def validate_rows(book: Book) -> list[RowError]:
    """Rules beyond types: each bad row named with its tab, row number and a French reason."""
    errors: list[RowError] = []
    stock_ids = {r.id for r in book.all_rows("stock")}
    prestation_ids = {r.id for r in book.all_rows("prestations")}
    client_ids = {r.id for r in book.all_rows("clients")}
    for key in ID_TABS:
        if key not in book.tabs:
            continue
        title = book.title(key)
        tab = book.schema.tab(key)
        checks = [(c.key, c.header, c.required, c.type == "money") for c in tab.columns if not c.computed
                  and (c.required or c.type == "money")]
        seen: dict[str, int] = {}
        refs = {"movements": (("article_id", stock_ids, "article {} introuvable dans Stock."),),
                "lines": (("prestation_id", prestation_ids, "prestation {} introuvable."),),
                "caisse": (("prestation_id", prestation_ids, "prestation {} introuvable."),
                           ("client_id", client_ids, "client {} introuvable.")),
                "prestations": (("client_id", client_ids, "client {} introuvable."),)}.get(key, ())
        columns = tuple(column for column, _, _ in refs)
        records = book.all_rows(key)
        against = tuple(ids for _, ids, _ in refs)
        kept = _CHECKED.get(key)
        if kept is not None and kept[0] == title and kept[2] == against and len(kept[1]) == len(records) \
                and all(map(operator.is_, kept[1], records)):
            errors += kept[3]  # the same records, pointing into the same ids: the same errors
            continue
        first = len(errors)
        for r in records:
            rid = r.id
            if rid:
                if rid in seen:
                    errors.append(RowError(title, r.row, f"ID {rid} en double (déjà ligne {seen[rid]}) : effacez "
                                           "l'ID de la copie, un nouvel ID lui sera attribué."))
                else:
                    seen[rid] = r.row
            facts = r.__dict__.get("_checked")
            if facts is None or facts[0] != title:
                facts = _own_errors(key, title, checks, columns, r)
            if facts[1]:
                errors += facts[1]
            for (_, known, text), ref in zip(refs, facts[2], strict=True):
                if ref and ref not in known:
                    errors.append(RowError(title, r.row, text.format(ref)))
            if key == "caisse" and not rid:  # typed by hand: its Moyen and Référence checked as the app does
                errors += _typed_payment(book, title, r)
        if all(r.id for r in records):  # (a row without an ID is checked against the rest of the book)
            _CHECKED[key] = (title, list(records), against, errors[first:])  # a copy: the list is the caller's
    return errors


#: The last check of each tab: (title, its records, the ids its references were checked against, its errors).
#: Records never change, so the same records against the same ids have the same errors (a sync at 100 000 rows
#: checks again only the tabs someone changed).
_CHECKED: dict[str, tuple[str, list[Record], tuple[set[str], ...], list[RowError]]] = {}


def _own_errors(key: str, title: str, checks: list[tuple[str, str, bool, bool]], refs: tuple[str, ...],
                r: Record) -> tuple[str, list[RowError], tuple[Any, ...]]:
    """The rules a row breaks on its own (required cells, negative amounts, dates) and the ids it points to,
    kept on the record: a record never changes (a changed row is a new record) and the rows nobody touched
    are the same records from one read to the next, so a sync at 100 000 rows does not check every cell again."""
    out: list[RowError] = []
    for column, header, required, money in checks:
        value = r[column]
        if required and value in (None, ""):
            out.append(RowError(title, r.row, f"« {header} » est obligatoire."))
        if money and value is not None and value < 0 \
                and not (key == "caisse" and r["type"] == CARRIED):  # a closed year's carry may be negative
            out.append(RowError(title, r.row, f"« {header} » ne peut pas être négatif."))
    if key == "prestations" and r["start"] and r["end"] and r["end"] < r["start"]:
        out.append(RowError(title, r.row, "la date de fin est avant la date de début."))
    if key == "prestations" and not r.id:
        out += _new_prestation(title, r)
    facts = r.__dict__["_checked"] = (title, out, tuple(r[c] for c in refs))
    return facts


def _typed_payment(book: Book, title: str, r: Record) -> list[RowError]:
    from functions.books import methods
    from functions.errors import InvalidInputError

    try:
        method = methods.choose(book.settings, r["method"]) if r["method"] else methods.CASH
        ref = methods.reference(r["reference"])
        methods.check_reference(book, method, ref, rows=[x for x in book.all_rows("caisse") if x.row != r.row])
    except InvalidInputError as exc:
        return [RowError(title, r.row, exc.message.removesuffix(" Rien n'a été enregistré."))]
    return []


def _new_prestation(title: str, r: Record) -> list[RowError]:
    """A prestation typed by hand is checked as the app checks one (client, amount, dates)."""
    out = []
    if not r["client"] and not r["client_id"]:
        out.append(RowError(title, r.row, "indiquez le client (« Client » ou « Client ID »)."))
    if r["total"] is None:
        out.append(RowError(title, r.row, "« Montant total » est obligatoire."))
    return out


def warnings(book: Book) -> list[RowError]:
    """What a row typed by hand lacks without being wrong (it is taken, and the person is told)."""
    title = book.title("prestations")
    return [RowError(title, r.row, "prise sans date de début : indiquez « Début » pour la voir dans l'agenda "
                     "et les arrivées.") for r in book.all_rows("prestations") if not r.id and not r["start"]]


def grid_record(book: Book, key: str, row: int) -> Record:
    """A record naming sheet row ``row`` of a tab as it was read (for a row the codec could not type)."""
    t = book.tabs[key]
    raw = book.grids.get(t.title, [])
    cells = raw[row - 1] if 0 < row <= len(raw) else []
    by_header = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(t.header) if h}
    rid = by_header.get("ID")
    return Record(key, row, {"id": "" if rid is None else str(rid).strip()}, by_header)


def quarantine(book: Book, errors: list[RowError]) -> tuple[Book, list[tuple[Record, RowError]]]:
    """The book without the rows typed by hand (no ID) that have an error, and those rows with their
    first error. Rows with an ID stay: their errors are reported, the row keeps counting."""
    by_title = {book.title(k): k for k in ID_TABS if k in book.tabs}
    first: dict[tuple[str, int], RowError] = {}
    for e in errors:
        if e.tab in by_title and e.row:
            first.setdefault((by_title[e.tab], e.row), e)
    out: list[tuple[Record, RowError]] = []
    tabs = dict(book.tabs)
    for key in {k for k, _ in first}:
        t: TabRows = book.tabs[key]
        keep = []
        records = {r.row: r for r in t.records}
        for r in t.records:
            if not r.id and (key, r.row) in first:
                out.append((r, first[(key, r.row)]))
            else:
                keep.append(r)
        for (k, row), e in first.items():  # rows the codec could not type are not records at all
            if k == key and row not in records:
                rec = grid_record(book, key, row)
                if not rec.id or is_mark(rec.id):
                    out.append((rec, e))
        tabs[key] = replace(t, records=keep)
    out.sort(key=lambda x: (ID_TABS.index(x[0].tab), x[0].row))
    return replace(book, tabs=tabs), out


def to_fix(book: Book) -> list[RowError]:
    """Every problem of the workbook as read, in tab order (what "À corriger" lists)."""
    plain, _ = unmarked(book)
    errors = list(plain.errors) + validate_rows(plain)
    order = {book.title(k): i for i, k in enumerate(ID_TABS)}
    return sorted(errors, key=lambda e: (order.get(e.tab, -1), e.row or 0))
