"""Typed records over a backend: one read gives a ``Book``; a ``Change`` becomes one backend write.

``Workbook.load()`` reads the tabs in one request, checks headers against the schema, and types every
row with the codec. A row that cannot be typed is kept out of ``records`` and reported in ``errors``
(tab, row number, French reason) without stopping the others. ``Workbook.ops()`` turns a typed
``Change`` into backend ops, addressing rows by id.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from functions.errors import HeaderError, InvalidInputError, MissingTabError, RowError
from functions.store.backend import AppendRows, Backend, Cell, ColumnSpec, Op, ReplaceTab, TabSpec, UpdateRow
from functions.store.codec import Codec
from functions.store.schema import Schema, Tab, load_schema

#: What the sync writes in the ID cell of a row typed by hand that it could not take: such a row is not a
#: record for anyone (pages, reports, balances) until it is fixed and the sync names it.
QUARANTINE_MARK = "À CORRIGER"


@dataclass(frozen=True)
class Record:
    """One row of a tab, typed, that knows where it came from."""

    tab: str  # tab key
    row: int  # 1-based sheet row; 0 for a record not written yet
    values: dict[str, Any]
    cells: dict[str, Cell] = field(default_factory=dict, compare=False)  # header -> cell as read

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        v = self.values.get(key)
        return default if v is None or v == "" else v

    @cached_property
    def id(self) -> str:
        return str(self.values.get("id") or "")

    @classmethod
    def typed(cls, tab: str, row: int, values: dict[str, Any], cells: dict[str, Cell], record_id: str) -> Record:
        """``Record(tab, row, values, cells)`` with its ``id`` known, built without the frozen dataclass's
        ``__init__`` (one attribute at a time through ``object.__setattr__``): a read types a whole tab."""
        record = object.__new__(cls)
        record.__dict__.update(tab=tab, row=row, values=values, cells=cells, id=record_id)
        return record

    @property
    def deleted(self) -> bool:
        return bool(self.values.get("deleted_at"))


@dataclass
class TabRows:
    tab: Tab
    title: str
    header: list[str]
    records: list[Record] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    blank_rows: int = 0

    def by_id(self) -> dict[str, Record]:
        return {r.id: r for r in self.records if r.id}

    def live(self) -> list[Record]:
        return [r for r in self.records if not r.deleted]


@dataclass
class Book:
    """A consistent view of the workbook at one read."""

    schema: Schema
    settings: dict[str, str]
    codec: Codec
    tabs: dict[str, TabRows]
    grids: dict[str, list[list[Cell]]] = field(default_factory=dict, repr=False)

    def rows(self, key: str) -> list[Record]:
        return self.tabs[key].live() if key in self.tabs else []

    def all_rows(self, key: str) -> list[Record]:
        return self.tabs[key].records if key in self.tabs else []

    def title(self, key: str) -> str:
        return self.tabs[key].title if key in self.tabs else self.schema.tab(key).title

    def find(self, key: str, record_id: str) -> Record | None:
        for r in self.all_rows(key):
            if r.id == record_id:
                return r
        return None

    @property
    def errors(self) -> list[RowError]:
        return [e for t in self.tabs.values() for e in t.errors]


@dataclass
class RowUpdate:
    tab: str
    record: Record
    values: dict[str, Any]
    check: tuple[str, ...] = ()  # keys whose value as read must still hold


@dataclass
class Change:
    """A user action: rows to append and update, tabs to replace, and what the Journal should say."""

    appends: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    replaces: list[tuple[str, list[list[Cell]]]] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)  # ids, numbers, messages for the caller

    def __bool__(self) -> bool:
        return bool(self.appends or self.updates or self.replaces or self.journal)

    def set(self, record: Record, values: dict[str, Any]) -> None:
        """Update ``record`` with ``values``, merged into the change's update of that row if it has one
        (one row, one update: a row typed without an id is named by its content only once)."""
        for u in self.updates:
            if u.tab == record.tab and u.record.row == record.row and record.row:
                u.values.update(values)
                return
        self.updates.append(RowUpdate(record.tab, record, dict(values)))

    def extend(self, other: Change) -> Change:
        self.appends += other.appends
        self.updates += other.updates
        self.replaces += other.replaces
        self.journal += other.journal
        self.result.update(other.result)
        return self


@dataclass(frozen=True)
class JournalEntry:
    action: str  # "ajout", "modification", "suppression", "restauration", "paiement", "vente", ...
    tab: str  # tab key
    row: str  # row id ("" when none)
    changes: str  # "Champ : ancien → nouveau ; …"
    actor: str | None = None  # overrides the change's actor (e.g. the editor of a sheet edit)
    source: str | None = None


class RowTyper:
    """Types the rows of one tab read under one header (``Workbook.parse_tab``): per column its key, header,
    position, converter and the value of an empty cell, asked of the converter once instead of every empty
    cell (at 100 000 rows this is most of a fresh process's quick sale)."""

    def __init__(self, tab: Tab, header: Sequence[str], codec: Codec) -> None:
        self.tab = tab
        self.columns = []
        for c in tab.columns:
            convert = codec.converter(c.type, c.choices)
            self.columns.append((c.key, c.header, header.index(c.header), convert, convert(None)))

    def __call__(self, title: str, n: int, row: Sequence[Cell]) -> Record | RowError | None:
        for c in row:  # a blank row is no record; a row's first cell (its ID) usually says it is not blank
            if c is not None and (c.__class__ is not str or c):
                break
        else:
            return None
        values: dict[str, Any] = {}
        cells: dict[str, Cell] = {}
        problems: list[str] = []
        width = len(row)
        for key, head, i, convert, empty in self.columns:
            cell = row[i] if i < width else None
            cells[head] = cell
            if cell is None:
                values[key] = empty
                continue
            try:
                values[key] = convert(cell)
            except InvalidInputError as exc:
                problems.append(f"« {head} » : {_without_subject(exc.message)}")
                values[key] = None
        if problems:
            return RowError(title, n, " ; ".join(problems))
        record_id = str(values.get("id") or "")
        if record_id.startswith(QUARANTINE_MARK):  # see functions/books/quarantine.py
            return RowError(title, n, "ligne à corriger, pas prise en compte (voir sa case ID).")
        return Record.typed(self.tab.key, n, values, cells, record_id)


class Workbook:
    """The business's workbook through one backend."""

    def __init__(self, backend: Backend, schema: Schema | None = None) -> None:
        self.backend = backend
        self.schema = schema or load_schema()
        # Per tab: the rows of the last read, what each became, the backend's token of that grid (or None) and
        # the typed rows; one entry, replaced whole (threads reading at once never mix two reads).
        self._memo: dict[tuple[Any, ...], tuple[list[list[Cell]], list[Record | RowError | None], object, TabRows]] = {}
        self._fresh_rows = 0  # rows read as new objects since the collector last set them aside (``_freeze``)

    # -- titles ----------------------------------------------------------------------------------------
    def resolve_titles(self, existing: Sequence[str]) -> dict[str, str]:
        """Tab key -> title present in the workbook (the prestations tab may carry several names)."""
        out: dict[str, str] = {}
        present = set(existing)
        for tab in self.schema:
            for title in tab.possible_titles():
                if title in present:
                    out[tab.key] = title
                    break
        return out

    # -- reading ---------------------------------------------------------------------------------------
    def version(self) -> str | None:
        """A cheap token that changes with any change to the workbook, by anyone (the zip directory of an
        ``.xlsx``); None when the backend has none (every sync then reads the values)."""
        version = getattr(self.backend, "version", None)
        return version() if callable(version) else None

    def trusting(self) -> AbstractContextManager[None]:
        """Reads in this block may serve what the backend holds without asking whether it is current; the
        write's ``confirm`` then checks (``GoogleSheetsBackend.trusting``). Other backends check anyway."""
        trusting = getattr(self.backend, "trusting", None)
        return trusting() if callable(trusting) else nullcontext()

    def confirm(self) -> None:
        """Just before a write: raises ``StaleCacheError`` when what was read in ``trusting`` was out of date
        (nothing written yet); a no-op on backends that always read what is current."""
        confirm = getattr(self.backend, "confirm", None)
        if callable(confirm):
            confirm()

    def load(self, keys: Iterable[str] | None = None) -> Book:
        titles = self.resolve_titles(self.backend.titles())
        wanted = list(keys) if keys is not None else [t.key for t in self.schema]
        if "settings" not in wanted:
            wanted.insert(0, "settings")
        missing = [k for k in wanted if k not in titles]
        if missing:
            names = ", ".join(self.schema.tab(k).title for k in missing)
            raise MissingTabError(f"Onglet(s) manquant(s) : {names}. Lancez « ttr init » pour les recréer.")
        with collector_paused():  # a read builds objects by the million at 100 000 rows, none of them in a cycle
            first = not self._memo
            if first:  # the young generations now, while they are small: what the read adds holds no cycle
                gc.collect(1)
            grids = self.backend.read([titles[k] for k in wanted])
            settings = self.parse_settings(grids[titles["settings"]])
            try:
                codec = Codec(settings.get("currency") or "XOF")
            except InvalidInputError as exc:
                raise RowError(titles["settings"], None, exc.message) from None
            tabs = {k: self.parse_tab(self.schema.tab(k), titles[k], grids[titles[k]], codec,
                                      getattr(grids[titles[k]], "token", None)) for k in wanted}
            if self._fresh_rows >= FREEZE_ROWS:  # before the collector runs again: it would walk them all once more
                _freeze(collect=not first)
                self._fresh_rows = 0
        return Book(self.schema, settings, codec, tabs, {titles[k]: grids[titles[k]] for k in wanted})

    def parse_settings(self, grid: list[list[Cell]]) -> dict[str, str]:
        tab = self.schema.tab("settings")
        by_label = {s.label: s for s in tab.settings}
        values = {s.key: s.default for s in tab.settings}
        for row in grid[1:]:
            if not row or row[0] in (None, ""):
                continue
            label = str(row[0]).strip()
            raw = row[1] if len(row) > 1 else None
            value = Codec("XOF")._text(raw).strip() if raw is not None else ""
            key = by_label[label].key if label in by_label else label
            values[key] = value
        return values

    def parse_tab(self, tab: Tab, title: str, grid: list[list[Cell]], codec: Codec, token: object = None) -> TabRows:
        """The typed rows of a tab. ``token`` (from a backend that keeps its grids: the ``token`` of the grid
        ``XlsxBackend.read`` returns) names the grid: the same token as last time is the same grid, whose typed
        rows are kept whole."""
        header = [str(h).strip() if h is not None else "" for h in (grid[0] if grid else [])]
        missing = [c.header for c in tab.columns if c.header not in header]
        if missing:
            raise HeaderError(
                f"Onglet « {title} » : colonne « {missing[0]} » introuvable (renommée ou supprimée ?). "
                f"Remettez l'en-tête « {missing[0]} » en ligne 1 ou lancez « ttr init »."
            )
        out = TabRows(tab, title, header)
        if tab.kind == "settings":
            return out
        typer = RowTyper(tab, header, codec)
        # Rows equal to the ones at the same place in the previous read keep their typed record: after an
        # action only the rows it touched (and the rows it appended) are typed again.
        memo_key = (tab.key, title, codec.currency, tuple(header))
        previous = self._memo.get(memo_key)
        if token is not None and previous is not None and previous[2] is token:
            t = previous[3]
            return TabRows(tab, title, header, list(t.records), list(t.errors), t.blank_rows)
        old_rows, old_outcomes = (previous[0], previous[1]) if previous is not None else ([], [])
        outcomes: list[Record | RowError | None] = []
        rows = grid[1:]
        skip = 0
        if previous is not None and old_rows and len(rows) >= len(old_rows) \
                and all(map(operator.is_, rows[: len(old_rows)], old_rows)):
            # The same rows as last time, more after them (an append): the typed rows are kept as they were.
            skip, t = len(old_rows), previous[3]
            outcomes = list(old_outcomes)
            out.records, out.errors, out.blank_rows = list(t.records), list(t.errors), t.blank_rows
        fresh = 0
        for n, row in enumerate(rows[skip:], start=2 + skip):
            i = n - 2
            if i < len(old_rows) and old_rows[i] is row:
                outcome = old_outcomes[i]
            elif i < len(old_rows) and old_rows[i] == row:
                outcome, fresh = old_outcomes[i], fresh + 1
            else:
                outcome, fresh = typer(title, n, row), fresh + 1
            outcomes.append(outcome)
            if outcome is None:
                out.blank_rows += 1
            elif isinstance(outcome, RowError):
                out.errors.append(outcome)
            else:
                out.records.append(outcome)
        self._fresh_rows += fresh
        self._memo[memo_key] = (rows, outcomes, token, TabRows(tab, title, header, list(out.records),
                                                               list(out.errors), out.blank_rows))
        return out

    # -- writing ---------------------------------------------------------------------------------------
    def to_cells(self, tab: Tab, values: dict[str, Any], codec: Codec) -> dict[str, Cell]:
        out: dict[str, Cell] = {}
        for key, value in values.items():
            col = tab.column(key)
            if col.type == "choice" and value not in (None, ""):
                value = codec.parse_choice(col.choices, str(value))
            out[col.header] = codec.to_cell(col.type, value)
        return out

    def formats(self, tab: Tab, codec: Codec) -> dict[str, Any]:
        return {c.header: f for c in tab.columns if (f := codec.number_format(c.type)) is not None}

    def ops(self, change: Change, book: Book, journal_rows: Sequence[dict[str, Cell]] = ()) -> list[Op]:
        codec = book.codec
        ops: list[Op] = []
        for key, values in change.appends:
            tab = self.schema.tab(key)
            ops.append(AppendRows(book.title(key), (self.to_cells(tab, values, codec),), self.formats(tab, codec)))
        for u in change.updates:
            tab = self.schema.tab(u.tab)
            cells = self.to_cells(tab, u.values, codec)
            expected = {tab.column(k).header: u.record.cells.get(tab.column(k).header) for k in u.check}
            key = u.record.id
            if not key:  # a row typed by hand without an id: name it by its whole content
                expected = dict(u.record.cells)
            ops.append(UpdateRow(book.title(u.tab), key, cells, expected or None, "ID", u.record.row or None,
                                 self.formats(tab, codec)))
        for key, rows in change.replaces:
            ops.append(ReplaceTab(book.title(key), tuple(tuple(r) for r in rows)))
        if journal_rows:
            jtab = self.schema.tab("journal")
            ops.append(AppendRows(book.title("journal"), tuple(journal_rows), self.formats(jtab, codec)))
        return _merge_appends(ops)

    # -- set-up ----------------------------------------------------------------------------------------
    def tab_specs(self, settings: dict[str, str] | None = None) -> list[TabSpec]:
        settings = settings or {}
        codec = Codec(settings.get("currency") or "XOF")
        specs = []
        for tab in self.schema:
            title = tab.title_for(settings.get("business_type")) if tab.titles else tab.title
            columns = tuple(
                ColumnSpec(c.header, c.width, c.choices, c.computed, c.hidden, codec.number_format(c.type), c.formerly)
                for c in tab.columns
            )
            initial: tuple[tuple[Cell, ...], ...] = ()
            if tab.kind == "settings":
                initial = tuple((s.label, settings.get(s.key, s.default)) for s in tab.settings)
            specs.append(TabSpec(title, columns, tab.protected, initial))
        return specs


def _without_subject(message: str) -> str:
    """A value's error without its own generic subject (« Montant : « abc » n'est pas un nombre. »): the
    column's header already says what it is about."""
    subject, sep, rest = message.partition(" : « ")
    return "« " + rest if sep and len(subject) <= 30 and " " not in subject.strip() else message


#: Rows read as new objects (a tab changed by someone else, a fresh process's first read) past which the cyclic
#: garbage collector sets aside what is alive (``gc.freeze``).
FREEZE_ROWS = 20_000


def _freeze(collect: bool = True) -> None:
    """The grids and typed rows of a large read live until their tab changes: millions of objects at 100 000
    rows, which every full collection of the cyclic garbage collector would walk again (about 1 s per sync
    after hand edits, once per sync). ``gc.freeze`` moves what is alive out of its reach; they are still freed
    as soon as nothing refers to them (rows, records and their caches hold no reference cycles). The young
    generations are collected first, so the cycles that are already garbage are not kept; ``collect=False``
    when they were collected just before the read (a pass over what it built would find nothing: 0.1 s at
    100 000 rows in a fresh process)."""
    if collect:
        gc.collect(1)
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No pass of the cyclic garbage collector in this block (one pass over a whole workbook, such as a sync at
    100 000 rows, allocates hundreds of thousands of short-lived objects, and each full collection they set off
    finds nothing: rows and records hold no cycles); memory is still freed as references go. The collector
    runs again after it (unless it was already off)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _merge_appends(ops: list[Op]) -> list[Op]:
    """Appends to the same tab become one op (one appendCells per tab on Google)."""
    merged: list[Op] = []
    where: dict[str, int] = {}
    for op in ops:
        if isinstance(op, AppendRows) and op.title in where:
            prev = merged[where[op.title]]
            assert isinstance(prev, AppendRows)
            merged[where[op.title]] = AppendRows(op.title, prev.rows + op.rows, {**prev.formats, **op.formats})
        else:
            if isinstance(op, AppendRows):
                where[op.title] = len(merged)
            merged.append(op)
    return merged


__all__ = ["Book", "Change", "JournalEntry", "Record", "RowUpdate", "TabRows", "Workbook", "UpdateRow",
           "ReplaceTab", "collector_paused"]
