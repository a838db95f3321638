"""The workbook backend interface: backends move cells, they never guess types.

A backend holds tabs (grids of cells, row 0 the header). Shaped like httpx's ``BaseTransport``: a few
methods, and one ``MemoryBackend`` that the tests and the other backends are measured against.

Cells a backend reads or writes are plain Python values (``Cell``):
``str`` (always literal text, never a formula), ``int``, ``float``, ``Decimal``, ``bool``, ``date``,
``datetime``, ``time`` or ``None`` (empty). A backend may return a date as a serial number (Google's
unformatted values) — the codec types cells by schema, not the backend.

Writes are a list of ``Op`` applied by ``write()`` all-or-nothing:

* ``AppendRows(title, rows)``: rows are ``{header: cell}``; headers missing from the tab are an error,
  headers of the tab missing from the row are left empty.
* ``UpdateRow(title, key, values, expected, key_header, row_hint)``: the row whose ``key_header`` cell
  equals ``key`` (rows are named by id, never by position). ``row_hint`` is the 1-based sheet row where
  the caller last saw it; the backend checks it and, if the row moved, finds it by key. No row, or more
  than one, with that key → ``ConflictError``. ``expected`` ({header: cell}) must still hold (compared
  after ``normalize_cell``) or → ``ConflictError``: the write never lands on another row or over
  someone else's edit.
* ``ReplaceTab(title, rows)``: the whole tab below the header becomes ``rows`` (lists in header order);
  used for ``Tableau de bord``.

``NumberFormat``s travel with the ops so appended cells look like the column (money, dates).
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from functions.errors import ConflictError, HeaderError, InvalidInputError, MissingTabError
from functions.store.schema import renames

Cell = str | int | float | Decimal | bool | date | datetime | time | None
Grid = list[list[Cell]]


class TokenGrid(list):  # type: ignore[type-arg]
    """A grid as a backend's ``read`` returns it, with the token of the cached grid it is a copy of: the same
    token is the same rows (``Workbook`` then keeps their typed records)."""

    __slots__ = ("token",)

    def __init__(self, rows: Grid, token: object) -> None:
        super().__init__(rows)
        self.token = token


@dataclass(frozen=True)
class NumberFormat:
    """``type`` is one of NUMBER, CURRENCY, PERCENT, DATE, DATE_TIME, TIME, TEXT (Google's names);
    ``pattern`` is a spreadsheet pattern understood by Google Sheets and Excel alike."""

    type: str
    pattern: str


@dataclass(frozen=True)
class ColumnSpec:
    """What ``setup`` needs to know about a column to create and format it."""

    header: str
    width: int = 14
    choices: tuple[str, ...] = ()
    computed: bool = False  # shaded
    hidden: bool = False
    number_format: NumberFormat | None = None
    formerly: tuple[str, ...] = ()  # earlier headers, renamed in place by setup (``schema.renames``)


@dataclass(frozen=True)
class TabSpec:
    title: str
    columns: tuple[ColumnSpec, ...]
    protected: bool = False  # only the toolkit (service account) may edit
    initial_rows: tuple[tuple[Cell, ...], ...] = ()  # written only when the tab is created


@dataclass
class SetupReport:
    created_tabs: list[str] = field(default_factory=list)
    added_columns: list[tuple[str, str]] = field(default_factory=list)  # (tab, header)
    created_file: bool = False
    renamed_columns: list[tuple[str, str, str]] = field(default_factory=list)  # (tab, old header, new header)

    @property
    def changed(self) -> bool:
        return bool(self.created_tabs or self.added_columns or self.created_file or self.renamed_columns)


@dataclass(frozen=True)
class AppendRows:
    title: str
    rows: tuple[Mapping[str, Cell], ...]
    formats: Mapping[str, NumberFormat] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateRow:
    title: str
    key: str
    values: Mapping[str, Cell]
    expected: Mapping[str, Cell] | None = None
    key_header: str = "ID"
    row_hint: int | None = None  # 1-based sheet row (header is row 1)
    formats: Mapping[str, NumberFormat] = field(default_factory=dict)


@dataclass(frozen=True)
class ReplaceTab:
    title: str
    rows: tuple[tuple[Cell, ...], ...]


Op = AppendRows | UpdateRow | ReplaceTab


def normalize_cell(value: Cell) -> Cell:
    """A comparable form of a cell: numbers as Decimal, empty strings as None, floats by their repr."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)).normalize()
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def cells_equal(a: Cell, b: Cell) -> bool:
    na, nb = normalize_cell(a), normalize_cell(b)
    if isinstance(na, Decimal) and isinstance(nb, Decimal):
        return na == nb
    return type(na) is type(nb) and na == nb


class Backend(ABC):
    """A workbook: named tabs of cells."""

    #: Number of requests sent to the storage service, by kind ("read", "write"); for bench/ and tests.
    requests: dict[str, int]

    @abstractmethod
    def titles(self) -> list[str]:
        """Tab titles in workbook order."""

    @abstractmethod
    def read(self, titles: Sequence[str] | None = None) -> dict[str, Grid]:
        """Every requested tab (all when None) in one request: header row first, trailing empty rows
        and trailing empty cells trimmed. A missing tab raises ``MissingTabError``."""

    @abstractmethod
    def write(self, ops: Sequence[Op]) -> None:
        """Apply every op or none (one request / one atomic file replace)."""

    def rename_tab(self, old: str, new: str) -> None:
        """Give a tab a new title in place, its rows kept (the prestations tab follows the business type)."""
        raise NotImplementedError(f"{type(self).__name__} cannot rename a tab")

    @abstractmethod
    def setup(self, tabs: Sequence[TabSpec]) -> SetupReport:
        """Create missing tabs (in this order) and missing columns (appended at the right of the
        header), apply formats, validation, shading, widths, frozen bold header and protection.
        Never changes or removes existing data."""


def apply_ops_to_grids(grids: dict[str, Grid], ops: Sequence[Op]) -> None:
    """Reference semantics of ``Backend.write`` on in-memory grids; raises before any change is kept."""
    work = {t: g for t, g in grids.items()}
    touched: dict[str, Grid] = {}
    indexes: dict[tuple[int, str], RowIndex] = {}

    def grid(title: str) -> Grid:
        if title not in work:
            raise MissingTabError(f"Onglet « {title} » introuvable. Lancez « ttr init » pour le recréer.")
        if title not in touched:
            touched[title] = copy.deepcopy(work[title])
        return touched[title]

    for op in ops:
        g = grid(op.title)
        header = [str(h) if h is not None else "" for h in (g[0] if g else [])]
        if isinstance(op, AppendRows):
            for row in op.rows:
                unknown = [h for h in row if h not in header]
                if unknown:
                    raise HeaderError(f"Onglet « {op.title} » : colonne « {unknown[0]} » introuvable.")
                g.append([row.get(h) for h in header])
        elif isinstance(op, UpdateRow):
            index = locate_row(op, g, header, indexes)
            target = g[index]
            for h, v in op.values.items():
                if h not in header:
                    raise HeaderError(f"Onglet « {op.title} » : colonne « {h} » introuvable.")
                col = header.index(h)
                while len(target) <= col:
                    target.append(None)
                target[col] = v
        elif isinstance(op, ReplaceTab):
            g[1:] = [list(r) for r in op.rows]
        else:  # pragma: no cover - exhaustive
            raise InvalidInputError(f"Opération inconnue : {op!r}")
    for title, g in touched.items():
        grids[title] = trim_grid(g)


class RowIndex:
    """Rows of a grid by key, built once per write: locating N rows costs O(N), not O(N × rows).

    Entries are checked against the grid when used (a row whose key changed is skipped), rows appended
    after the index was built are scanned, and a key not in the index falls back to a full scan."""

    def __init__(self, g: Grid, kcol: int) -> None:
        self.g, self.kcol, self.built = g, kcol, len(g)
        self.rows: dict[Cell, list[int]] = {}
        for i in range(1, len(g)):
            self.rows.setdefault(normalize_cell(self.key(i)), []).append(i)

    def key(self, i: int) -> Cell:
        row = self.g[i]
        return row[self.kcol] if self.kcol < len(row) else None

    def carry(self, g: Grid, rows: Iterable[int]) -> RowIndex:
        """This index moved to ``g``: the grid it was built on with ``rows`` set (their key may have changed)
        and rows appended, at the same places; kept by a backend for its next write to the same grid. The
        rows set and appended are indexed under their key now (entries left under an old key are skipped
        when used, as ever)."""
        self.g = g
        for i in sorted({*rows, *range(self.built, len(g))}):
            if 1 <= i < len(g):
                at = self.rows.setdefault(normalize_cell(self.key(i)), [])
                if i not in at:
                    at.append(i)
        self.built = len(g)
        return self

    def candidates(self, key: Cell) -> list[int]:
        g = self.g
        found = [i for i in self.rows.get(normalize_cell(key), []) if i < len(g) and cells_equal(self.key(i), key)]
        found += [i for i in range(self.built, len(g)) if cells_equal(self.key(i), key)]
        if not found:
            found = [i for i in range(1, len(g)) if cells_equal(self.key(i), key)]
        return sorted(set(found))


def locate_row(op: UpdateRow, g: Grid, header: list[str], indexes: dict[tuple[int, str], RowIndex] | None = None
               ) -> int:
    """Index in ``g`` of the row ``op`` names, checked against ``op.expected``; else ConflictError.

    An empty ``key`` names a row typed by hand without an id: it is found by ``expected`` (the whole row
    as it was read), preferring ``row_hint``; several identical candidates are a conflict.
    """
    if op.key_header not in header:
        raise HeaderError(f"Onglet « {op.title} » : colonne « {op.key_header} » introuvable.")
    kcol = header.index(op.key_header)
    expected = dict(op.expected or {})
    for h in expected:
        if h not in header:
            raise HeaderError(f"Onglet « {op.title} » : colonne « {h} » introuvable.")

    def cell(i: int, col: int) -> Cell:
        row = g[i]
        return row[col] if col < len(row) else None

    def holds(i: int) -> bool:
        return all(cells_equal(cell(i, header.index(h)), v) for h, v in expected.items())

    if indexes is None:
        candidates = [i for i in range(1, len(g)) if cells_equal(cell(i, kcol), op.key)]
    else:
        index = indexes.get((id(g), op.key_header))
        if index is None or index.g is not g:
            index = indexes[(id(g), op.key_header)] = RowIndex(g, kcol)
        candidates = index.candidates(op.key)
    if not op.key:
        candidates = [i for i in candidates if any(c not in (None, "") for c in g[i])]
    hint = (op.row_hint - 1) if op.row_hint else None
    if hint is not None and hint in candidates and holds(hint) and not (op.key and len(candidates) > 1):
        return hint
    if not candidates:
        raise ConflictError(
            f"Onglet « {op.title} » : la ligne {op.key or '(sans ID)'} a disparu ou a été renommée. "
            "Rechargez puis recommencez."
        )
    if op.key and len(candidates) > 1:
        raise ConflictError(
            f"Onglet « {op.title} » : l'identifiant {op.key} apparaît sur plusieurs lignes "
            f"({', '.join(str(i + 1) for i in candidates)}). Corrigez les doublons puis recommencez."
        )
    holding = [i for i in candidates if holds(i)]
    if len(holding) == 1:
        return holding[0]
    first = candidates[0]
    if not holding:
        changed = next(h for h, v in expected.items() if not cells_equal(cell(first, header.index(h)), v))
        raise ConflictError(
            f"Onglet « {op.title} », ligne {first + 1} : « {changed} » a été modifié entre-temps. "
            "Rechargez puis recommencez."
        )
    raise ConflictError(
        f"Onglet « {op.title} » : plusieurs lignes identiques sans ID ; impossible de savoir laquelle modifier."
    )


def trim_grid(g: Grid) -> Grid:
    """Trailing empty cells of each row and trailing empty rows removed (as Google returns values).
    Rows that need no trimming are kept as they are (not copied)."""
    out: Grid = []
    for row in g:
        if row and row[-1] is not None and row[-1] != "":
            out.append(row)
            continue
        r = list(row)
        while r and (r[-1] is None or r[-1] == ""):
            r.pop()
        out.append(r)
    while len(out) > 1 and not out[-1]:
        out.pop()
    return out


class MemoryBackend(Backend):
    """Tabs held in memory: the default test fixture and the reference for the contract suite."""

    def __init__(self) -> None:
        self._grids: dict[str, Grid] = {}
        self._order: list[str] = []
        self.specs: dict[str, TabSpec] = {}
        self.requests = {"read": 0, "write": 0}
        self.fail_next_write: Exception | None = None  # tests: make the next write fail

    def titles(self) -> list[str]:
        return list(self._order)

    def read(self, titles: Sequence[str] | None = None) -> dict[str, Grid]:
        self.requests["read"] += 1
        wanted = list(titles) if titles is not None else list(self._order)
        out: dict[str, Grid] = {}
        for t in wanted:
            if t not in self._grids:
                raise MissingTabError(f"Onglet « {t} » introuvable. Lancez « ttr init » pour le recréer.")
            out[t] = copy.deepcopy(trim_grid(self._grids[t]))
        return out

    def write(self, ops: Sequence[Op]) -> None:
        self.requests["write"] += 1
        if self.fail_next_write is not None:
            exc, self.fail_next_write = self.fail_next_write, None
            raise exc
        apply_ops_to_grids(self._grids, ops)

    def setup(self, tabs: Sequence[TabSpec]) -> SetupReport:
        report = SetupReport()
        for spec in tabs:
            self.specs[spec.title] = spec
            if spec.title not in self._grids:
                header: list[Cell] = [c.header for c in spec.columns]
                self._grids[spec.title] = [header] + [list(r) for r in spec.initial_rows]
                self._order.append(spec.title)
                report.created_tabs.append(spec.title)
                continue
            header = self._grids[spec.title][0]
            for i, c in renames(spec.columns, [str(h) for h in header]):
                report.renamed_columns.append((spec.title, str(header[i]), c.header))
                header[i] = c.header
            for c in spec.columns:
                if c.header not in header:
                    header.append(c.header)
                    report.added_columns.append((spec.title, c.header))
        return report

    # Test helpers: what a person does in the sheet.
    def grid(self, title: str) -> Grid:
        return self._grids[title]

    def rename_tab(self, old: str, new: str) -> None:
        self._grids[new] = self._grids.pop(old)
        self._order[self._order.index(old)] = new
