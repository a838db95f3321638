"""The fast typing of a read (issue 15, a fresh process at 100 000 rows): each column's converter and the row
typer give what the plain rules (``Codec.to_value``, cell by cell) give, on any cell a backend can hand back."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from functions.errors import InvalidInputError, RowError
from functions.store import workbook
from functions.store.backend import MemoryBackend
from functions.store.codec import TEXT_TYPES, Codec
from functions.store.schema import load_schema
from functions.store.workbook import Record, RowTyper, Workbook, _without_subject

TYPES = sorted(TEXT_TYPES | {"money", "number", "percent", "int", "date", "datetime", "time"})
CHOICES = ("Encaissement", "Dépense", "Vente")

cells = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(["25.000", " Vente ", "vente", "Encaissement", "12:30", "01/02/2026", "\x07bip", "=1+1"]),
    st.integers(min_value=-10**16, max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**9, max_value=10**9),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1),
                 timezones=st.sampled_from([UTC, timezone(timedelta(hours=1))])),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times(),
)


def plain(type_: str, cell: object, codec: Codec) -> tuple[str, object]:
    """What the rules say of a cell: its value, or the French reason it is refused."""
    try:
        if type_ == "choice":
            text = codec.to_value("text", cell)
            return ("value", codec.parse_choice(CHOICES, str(text)) if text else "")
        return ("value", codec.to_value(type_, cell))
    except InvalidInputError as exc:
        return ("error", exc.message)


def fast(type_: str, cell: object, codec: Codec) -> tuple[str, object]:
    try:
        return ("value", codec.converter(type_, CHOICES if type_ == "choice" else ())(cell))
    except InvalidInputError as exc:
        return ("error", exc.message)


@settings(max_examples=400, deadline=None)
@given(type_=st.sampled_from(TYPES), cell=cells, currency=st.sampled_from(["XOF", "EUR"]))
def test_each_converter_gives_what_the_rules_give(type_: str, cell: object, currency: str) -> None:
    codec = Codec(currency)
    got, want = fast(type_, cell, codec), plain(type_, cell, codec)
    if want[0] == "error":
        assert got[0] == "error", (type_, cell, got)
    else:
        assert got == want and type(got[1]) is type(want[1]), (type_, cell, got, want)


def test_the_fast_paths_keep_what_the_slow_ones_changed() -> None:
    codec = Codec("XOF")
    moment = codec.converter("datetime")
    assert moment(datetime(2026, 5, 1, 9, 30, 0, 700_000)) == datetime(2026, 5, 1, 9, 30, 1)  # rounded, not kept
    assert moment(datetime(2026, 5, 1, 9, 30, tzinfo=UTC)).tzinfo is None
    assert codec.converter("date")(datetime(2026, 5, 1, 9, 30)) == date(2026, 5, 1)
    assert codec.converter("money")(Decimal("25000.0")) == Decimal(25000)
    assert str(codec.converter("money")(Decimal("25000.0"))) == "25000"
    assert codec.converter("text")(None) == "" and codec.converter("money")(None) is None


def reference(tab_key: str, n: int, row: list[object], codec: Codec) -> Record | RowError | None:
    """A row typed cell by cell with ``to_value``, as the typer did before it was made fast."""
    tab = load_schema().tab(tab_key)
    if not any(c is not None and c != "" for c in row):
        return None
    values, cells_, problems = {}, {}, []
    for i, c in enumerate(tab.columns):
        cell = row[i] if i < len(row) else None
        cells_[c.header] = cell
        try:
            if c.type == "choice":
                text = codec.to_value("text", cell)
                values[c.key] = codec.parse_choice(c.choices, str(text)) if text else ""
            elif c.type == "text" and c.choices:
                values[c.key] = codec.converter(c.type, c.choices)(cell)  # suggested spellings: not a rule of to_value
            else:
                values[c.key] = codec.to_value(c.type, cell)
        except InvalidInputError as exc:
            problems.append(f"« {c.header} » : {_without_subject(exc.message)}")
    if problems:
        return RowError(tab.title, n, " ; ".join(problems))
    return Record(tab_key, n, values, cells_)


caisse_cells = st.lists(st.one_of(cells, st.sampled_from(["Vente", "Dépense", "Espèces", "K1", "P1"])),
                        max_size=20)


@settings(max_examples=300, deadline=None)
@given(row=caisse_cells)
def test_a_row_is_typed_as_cell_by_cell(row: list[object]) -> None:
    schema = load_schema()
    codec = Codec("XOF")
    typer = RowTyper(schema.tab("caisse"), schema.tab("caisse").headers, codec)
    got, want = typer("Caisse", 7, row), reference("caisse", 7, row, codec)
    if isinstance(want, Record) and str(want.values.get("id") or "").startswith(workbook.QUARANTINE_MARK):
        assert isinstance(got, RowError)
        return
    if isinstance(want, RowError):
        assert isinstance(got, RowError) and got.row == 7
        return
    assert got == want
    if isinstance(got, Record):
        assert got.id == str(want.values.get("id") or "") and got.cells == want.cells


def test_blank_rows_are_not_records_and_a_zero_is_a_value() -> None:
    schema = load_schema()
    typer = RowTyper(schema.tab("caisse"), schema.tab("caisse").headers, Codec("XOF"))
    assert typer("Caisse", 2, []) is None
    assert typer("Caisse", 2, [None, "", None, ""]) is None
    zero = typer("Caisse", 3, [None, None, None, None, None, 0])
    assert isinstance(zero, Record) and zero["amount"] == Decimal(0) and zero.id == ""


def test_a_large_first_read_leaves_no_garbage_frozen(monkeypatch) -> None:
    """The collector is paused while a read types its rows; the cycles that were garbage before the read are
    still collected, not set aside by the freeze that follows a large read."""
    monkeypatch.setattr(workbook, "FREEZE_ROWS", 1)
    backend = MemoryBackend()
    wb = Workbook(backend)
    backend.setup(wb.tab_specs())
    backend.write([workbook.AppendRows("Clients", tuple({"ID": f"C{i}", "Nom": f"N{i}"} for i in range(50)))])
    seen: list[bool] = []
    read = backend.read

    def spy(titles=None):
        seen.append(gc.isenabled())
        return read(titles)

    monkeypatch.setattr(backend, "read", spy)

    class Cycle:
        pass

    a, b = Cycle(), Cycle()
    a.other, b.other = b, a  # type: ignore[attr-defined]
    gone = weakref.ref(a)
    del a, b
    try:
        book = wb.load(["clients"])
        assert seen == [False]  # paused while reading
        assert gc.isenabled()  # and back after
        assert gc.get_freeze_count() > 0  # the large read was set aside...
        assert gone() is None  # ...but the cycle that was garbage before it was collected first
        assert len(book.rows("clients")) == 50
    finally:
        gc.unfreeze()


def test_bad_cells_still_name_their_column() -> None:
    schema = load_schema()
    typer = RowTyper(schema.tab("caisse"), schema.tab("caisse").headers, Codec("XOF"))
    bad = typer("Caisse", 4, ["K1", "pas une date", "Vente", None, None, "abc"])
    assert isinstance(bad, RowError) and bad.row == 4
    assert "« Date »" in bad.message and "« Montant »" in bad.message and "abc" in bad.message
    assert typer("Caisse", 5, ["K1", time(9, 0), "Vente"]) is not None
