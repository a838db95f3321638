"""What only the .xlsx backend must do: atomic replace, locking, foreign files, setup formatting."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import filelock
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from functions.errors import (
    BackendTimeoutError,
    ConflictError,
    MissingTabError,
    WorkbookCorruptError,
    WorkbookMissingError,
)
from functions.store import xlsx as xlsx_module
from functions.store.backend import (
    AppendRows,
    ColumnSpec,
    MemoryBackend,
    NumberFormat,
    ReplaceTab,
    TabSpec,
    UpdateRow,
)
from functions.store.xlsx import XlsxBackend
from tests.store.factory_xlsx import XlsxPerson

ROOT = Path(__file__).resolve().parents[2]
MONEY = NumberFormat("CURRENCY", '#,##0 "FCFA"')
CLIENTS = TabSpec(
    "Clients",
    (
        ColumnSpec("ID"),
        ColumnSpec("Nom", width=24),
        ColumnSpec("Solde", computed=True, number_format=MONEY),
        ColumnSpec("Statut", choices=("Actif", "Inactif")),
        ColumnSpec("Secret", hidden=True),
    ),
)
JOURNAL = TabSpec("Journal", (ColumnSpec("Horodatage"), ColumnSpec("Action")), protected=True)
PARAMS = TabSpec("Paramètres", (ColumnSpec("Clé"), ColumnSpec("Valeur")), initial_rows=(("Formule", "=1+1"),))
TABS = [PARAMS, CLIENTS, JOURNAL]


@pytest.fixture
def book(tmp_path: Path) -> XlsxBackend:
    b = XlsxBackend(tmp_path / "ttr.xlsx", lock_timeout=10)
    b.setup(TABS)
    return b


def members(path: str) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def append(b: XlsxBackend, *ids: str) -> None:
    b.write([AppendRows("Clients", tuple({"ID": i, "Nom": f"Nom {i}"} for i in ids))])


def run_python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env, cwd=ROOT)


# -- the file ------------------------------------------------------------------------------------------

def test_missing_file_names_the_path_and_says_what_to_do(tmp_path: Path) -> None:
    b = XlsxBackend(tmp_path / "absent.xlsx")
    for call in (lambda: b.read(), lambda: b.write([AppendRows("Clients", ({"ID": "C1"},))])):
        with pytest.raises(WorkbookMissingError) as exc:
            call()
        assert "absent.xlsx" in exc.value.message and "ttr init" in exc.value.message
    assert b.titles() == []


@pytest.mark.parametrize("content", [os.urandom(2048), b"PK\x03\x04" + os.urandom(500), b""])
def test_corrupt_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ttr.xlsx"
    path.write_bytes(content)
    b = XlsxBackend(path)
    with pytest.raises(WorkbookCorruptError):
        b.read()
    with pytest.raises(WorkbookCorruptError):
        b.write([AppendRows("Clients", ({"ID": "C1"},))])
    assert path.read_bytes() == content


def test_zip_that_is_not_a_workbook_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "ttr.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "bonjour")
    with pytest.raises(WorkbookCorruptError):
        XlsxBackend(path).read()
    with pytest.raises(WorkbookCorruptError):
        XlsxBackend(path).write([AppendRows("Clients", ({"ID": "C1"},))])


def test_write_replaces_the_file_and_copies_untouched_parts_byte_for_byte(book: XlsxBackend) -> None:
    before = members(book.path)
    inode = os.stat(book.path).st_ino
    append(book, "C1")
    after = members(book.path)
    assert os.stat(book.path).st_ino != inode  # a new file swapped in, not an in-place edit
    assert list(after) == list(before)
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"xl/worksheets/sheet2.xml"}
    assert not [p for p in os.listdir(os.path.dirname(book.path)) if p.endswith(".tmp")]


def test_text_numbers_and_dates_as_openpyxl_sees_them(book: XlsxBackend) -> None:
    from datetime import date, datetime

    tricky = ['=IMPORTXML("http://x";A1)', "+22890112233", "007", " espaces ", "a\rb\tc\nd", "_x0041_", "x<&>\"'y"]
    book.write([
        AppendRows("Clients", tuple({"ID": f"C{i}", "Nom": t} for i, t in enumerate(tricky)), {"Solde": MONEY}),
        UpdateRow("Clients", "C1", {"Solde": Decimal("12345678901234.56")}),
        AppendRows("Journal", ({"Horodatage": datetime(2026, 3, 29, 1, 30, 15), "Action": date(2026, 2, 28)},)),
    ])
    got = book.read(["Clients"])["Clients"]
    assert [r[1] for r in got[1:]] == tricky
    assert b"<v>12345678901234.56</v>" in members(book.path)["xl/worksheets/sheet2.xml"]
    person = XlsxPerson(Path(book.path))
    assert person.formulas("Clients") == [] and person.formulas("Paramètres") == []
    wb = load_workbook(book.path)
    ws = wb["Clients"]
    assert [ws.cell(r, 2).value for r in range(2, 2 + len(tricky))][:5] == tricky[:5]  # openpyxl keeps _xHHHH_
    assert ws["C3"].number_format == '#,##0 "FCFA"' and ws["C3"].fill.fgColor.rgb.endswith("F2F2F2")
    assert wb["Journal"]["A2"].value == datetime(2026, 3, 29, 1, 30, 15)
    assert wb["Journal"]["B2"].is_date
    assert ws.max_row == len(tricky) + 1 and ws.calculate_dimension() == f"A1:E{len(tricky) + 1}"


def test_setup_formats_new_tabs(book: XlsxBackend) -> None:
    wb = load_workbook(book.path)
    assert wb.sheetnames == ["Paramètres", "Clients", "Journal"]
    ws = wb["Clients"]
    assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1])
    assert ws.column_dimensions["B"].width == 24 and ws.column_dimensions["E"].hidden
    assert ws.column_dimensions["C"].number_format == '#,##0 "FCFA"'
    assert ws["C1"].fill.fgColor.rgb.endswith("F2F2F2")
    [dv] = ws.data_validations.dataValidation
    assert dv.formula1 == '"Actif,Inactif"' and "D2" in dv.sqref
    assert wb["Journal"].protection.sheet and not ws.protection.sheet
    assert wb["Paramètres"]["B2"].value == "=1+1" and wb["Paramètres"]["B2"].data_type == "s"
    assert book.read(["Paramètres"])["Paramètres"][1] == ["Formule", "=1+1"]


def test_setup_again_changes_nothing_and_does_not_rewrite(book: XlsxBackend) -> None:
    append(book, "C1")
    stat = os.stat(book.path)
    assert not book.setup(TABS).changed
    assert os.stat(book.path).st_mtime_ns == stat.st_mtime_ns and os.stat(book.path).st_ino == stat.st_ino


def test_setup_upgrade_adds_tab_in_order_and_column_keeping_data(book: XlsxBackend) -> None:
    book.write([AppendRows("Clients", ({"ID": "C1", "Nom": "=HYPERLINK(1)", "Solde": Decimal(5)},))])
    stock = TabSpec("Stock", (ColumnSpec("ID"), ColumnSpec("Article")))
    wider = TabSpec("Clients", CLIENTS.columns + (ColumnSpec("Dû", computed=True, number_format=MONEY),))
    report = book.setup([PARAMS, stock, wider, JOURNAL])
    assert report.created_tabs == ["Stock"] and report.added_columns == [("Clients", "Dû")]
    assert book.titles() == ["Paramètres", "Stock", "Clients", "Journal"]
    assert book.read(["Clients"])["Clients"][1] == ["C1", "=HYPERLINK(1)", 5]
    ws = load_workbook(book.path)["Clients"]
    assert ws["F1"].value == "Dû" and ws["F1"].font.b and ws.column_dimensions["F"].number_format == '#,##0 "FCFA"'
    assert XlsxPerson(Path(book.path)).formulas("Clients") == []
    book.write([AppendRows("Clients", ({"ID": "C2", "Dû": Decimal(7)},), {"Dû": MONEY})])
    assert load_workbook(book.path)["Clients"]["F3"].number_format == '#,##0 "FCFA"'


def test_setup_new_column_inside_a_person_column_range(tmp_path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.worksheet.dimensions import ColumnDimension

    path = tmp_path / "ttr.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["ID", "Nom"])
    ws.column_dimensions["A"] = ColumnDimension(ws, index="A", min=1, max=10, width=20)  # as LibreOffice saves
    wb.save(path)
    report = XlsxBackend(path).setup([TabSpec("Clients", (ColumnSpec("ID"), ColumnSpec("Nom"), ColumnSpec("X", width=30)))])
    assert report.added_columns == [("Clients", "X")]
    xml = members(str(path))["xl/worksheets/sheet1.xml"].decode()
    spans = sorted((int(a), int(b)) for a, b in re.findall(r'<col [^>]*?min="(\d+)" max="(\d+)"', xml))
    assert spans == [(1, 2), (3, 3), (4, 10)]
    assert load_workbook(path)["Clients"].column_dimensions["C"].width == 30


# -- rows a person moved -------------------------------------------------------------------------------

def test_update_after_person_deleted_and_inserted_rows(book: XlsxBackend) -> None:
    append(book, "C1", "C2", "C3", "C4")
    person = XlsxPerson(Path(book.path))
    person.delete_row("Clients", 2)
    person.insert_blank_rows("Clients", 3, 3)
    book.write([UpdateRow("Clients", "C4", {"Statut": "Actif", "Nom": None}, expected={"Nom": "Nom C4"}, row_hint=5)])
    rows = {r[0]: r for r in book.read(["Clients"])["Clients"][1:] if r}
    assert rows["C4"] == ["C4", None, None, "Actif"]
    assert rows["C2"] == ["C2", "Nom C2"] and "C1" not in rows
    append(book, "C5")
    g = book.read(["Clients"])["Clients"]
    assert g[-1][0] == "C5" and len(g) == 8  # header, C2, 3 blank rows, C3, C4, C5


def test_replace_tab_drops_old_rows(book: XlsxBackend) -> None:
    book.write([ReplaceTab("Journal", tuple((f"t{i}", "a") for i in range(20)))])
    book.write([ReplaceTab("Journal", (("z", "b"),)), AppendRows("Journal", ({"Action": "c"},))])
    assert book.read(["Journal"])["Journal"] == [["Horodatage", "Action"], ["z", "b"], [None, "c"]]
    assert load_workbook(book.path)["Journal"].max_row == 3


def test_foreign_workbook_with_shared_strings_and_gaps(tmp_path: Path) -> None:
    path = tmp_path / "ttr.xlsx"
    write_foreign_workbook(path)  # as Excel or LibreOffice save it: shared strings, styles, gaps
    b = XlsxBackend(path)
    assert b.titles() == ["Clients", "Notes"]
    assert b.read(["Clients"])["Clients"] == [["ID", "Nom", "Solde"], ["C1", "Awa", 10], [], ["C3", "Kofi", 2.5]]
    b.write([AppendRows("Clients", ({"ID": "C4", "Nom": "Zoé", "Solde": Decimal("1.5")},), {"Solde": MONEY}),
             UpdateRow("Clients", "C3", {"Nom": "Kofi A."}, expected={"Solde": 2.5}, row_hint=4)])
    g = b.read()
    assert g["Clients"][1:] == [["C1", "Awa", 10], [], ["C3", "Kofi A.", 2.5], ["C4", "Zoé", 1.5]]
    assert g["Notes"] == [["Note"], ["libre"]]
    wb = load_workbook(path)
    assert wb["Clients"]["C5"].number_format == '#,##0 "FCFA"' and wb["Clients"]["C5"].font.b  # style kept
    with pytest.raises(ConflictError):
        b.write([UpdateRow("Clients", "C2", {"Nom": "?"})])


def test_tab_a_person_added_with_openpyxl_is_read_and_written(book: XlsxBackend) -> None:
    wb = load_workbook(book.path)
    ws = wb.create_sheet("Perso")
    ws.append(["Quoi", "Combien"])
    ws.append(["pain", 3])
    wb.save(book.path)
    book.write([AppendRows("Perso", ({"Quoi": "lait", "Combien": 2},))])
    assert book.read(["Perso"])["Perso"] == [["Quoi", "Combien"], ["pain", 3], ["lait", 2]]
    with pytest.raises(MissingTabError):
        book.write([AppendRows("Absent", ({"Quoi": "x"},))])


# -- failures, kills and concurrency -------------------------------------------------------------------

def test_exception_mid_write_leaves_every_tab_as_it_was(book: XlsxBackend, monkeypatch) -> None:
    append(book, "C1")
    before = Path(book.path).read_bytes()

    def boom(*args: object) -> None:
        raise OSError("disque plein")

    monkeypatch.setattr(xlsx_module, "copy_member", boom)
    with pytest.raises(OSError):
        book.write([AppendRows("Journal", ({"Action": "x"},)), AppendRows("Clients", ({"ID": "C2"},))])
    assert Path(book.path).read_bytes() == before
    assert not [p for p in os.listdir(os.path.dirname(book.path)) if p.endswith(".tmp")]


def test_process_killed_mid_save_leaves_the_old_file(book: XlsxBackend, tmp_path: Path) -> None:
    append(book, "C1")
    before = Path(book.path).read_bytes()
    marker = tmp_path / "writing"
    proc = run_python(
        """
        import sys, time
        from functions.store import xlsx
        from functions.store.backend import AppendRows
        def stall(fd):  # the temp file is written, not yet swapped in
            open(sys.argv[2], "w").close()
            time.sleep(60)
        xlsx._fsync = stall
        xlsx.XlsxBackend(sys.argv[1]).write([AppendRows("Clients", ({"ID": "C2"},))])
        """,
        book.path, str(marker),
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert Path(book.path).read_bytes() == before
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # the dead writer's temp file
    append(book, "C3")  # the stale lock and temp file do not block the next writer
    assert [r[0] for r in book.read(["Clients"])["Clients"][1:]] == ["C1", "C3"]
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_two_processes_appending_lose_nothing(book: XlsxBackend) -> None:
    code = """
        import sys
        from functions.store.xlsx import XlsxBackend
        from functions.store.backend import AppendRows
        b = XlsxBackend(sys.argv[1])
        for i in range(50):
            b.write([AppendRows("Clients", ({"ID": f"{sys.argv[2]}{i}"},)), AppendRows("Journal", ({"Action": "a"},))])
        """
    procs = [run_python(code, book.path, prefix) for prefix in ("A", "B")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    ids = [r[0] for r in book.read(["Clients"])["Clients"][1:]]
    assert sorted(ids) == sorted([f"A{i}" for i in range(50)] + [f"B{i}" for i in range(50)])
    assert len(book.read(["Journal"])["Journal"]) == 101


def test_lock_held_too_long_is_a_clear_timeout(book: XlsxBackend, tmp_path: Path) -> None:
    Path(book.path + ".lock").write_text("stale")  # a leftover lock file alone blocks nobody
    append(book, "C1")
    slow = XlsxBackend(book.path, lock_timeout=0.2)
    with filelock.FileLock(book.path + ".lock"):
        with pytest.raises(BackendTimeoutError) as exc:
            slow.write([AppendRows("Clients", ({"ID": "C2"},))])
    assert "occupé" in exc.value.message
    assert [r[0] for r in book.read(["Clients"])["Clients"][1:]] == ["C1"]


# -- a workbook as Excel or LibreOffice save it ---------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"


def write_foreign_workbook(path: Path) -> None:
    """Shared strings, a bold column style, a missing row 3, a styled empty row 6, an absolute rel target."""
    strings = ["ID", "Nom", "Solde", "C1", "Awa", "C3", "Kofi", "Note", "libre"]
    s = {t: i for i, t in enumerate(strings)}

    def cell(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="s"><v>{s[text]}</v></c>'

    rows = (
        f'<row r="1" spans="1:3">{cell("A1", "ID")}{cell("B1", "Nom")}<c r="C1" s="1" t="s"><v>2</v></c></row>'
        f'<row r="2" spans="1:3">{cell("A2", "C1")}{cell("B2", "Awa")}<c r="C2" s="1"><v>10</v></c></row>'
        f'<row r="4" spans="1:3">{cell("A4", "C3")}{cell("B4", "Kofi")}<c r="C4" s="1"><v>2.5</v></c></row>'
        '<row r="6" s="1" customFormat="1"><c r="A6" s="1"/></row>'
    )
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        '<sheet name="Clients" sheetId="1" r:id="rId1"/><sheet name="Notes" sheetId="2" r:id="rId2"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
        f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId4" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{t}</t></si>" for t in strings) + "</sst>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><dimension ref="A1:C6"/>'
        '<cols><col min="3" max="3" width="12" style="1" customWidth="1"/></cols>'
        f"<sheetData>{rows}</sheetData></worksheet>",
        "xl/worksheets/sheet2.xml": f'<worksheet xmlns="{MAIN}"><sheetData>'
        f'<row r="1">{cell("A1", "Note")}</row><row r="2">{cell("A2", "libre")}</row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


# -- the same answers as the reference semantics, on random op sequences --------------------------------

KEYS = st.sampled_from(["K1", "K2", "K3", "K4"])
VALUES = st.one_of(st.none(), st.sampled_from(["a", "b", "=x", "007"]), st.integers(-5, 5))
HEADERS = ["ID", "A", "B"]
OPS = st.one_of(
    st.builds(lambda rows: AppendRows("T", tuple(rows)),
              st.lists(st.fixed_dictionaries({"ID": KEYS}, optional={"A": VALUES, "B": VALUES}), max_size=3)),
    st.builds(lambda key, values, expected, hint: UpdateRow("T", key, values, expected, row_hint=hint),
              KEYS, st.dictionaries(st.sampled_from(["A", "B"]), VALUES, min_size=1),
              st.one_of(st.none(), st.dictionaries(st.sampled_from(["A", "B"]), VALUES, max_size=1)),
              st.one_of(st.none(), st.integers(1, 8))),
    st.builds(lambda rows: ReplaceTab("T", tuple(rows)), st.lists(st.tuples(KEYS, VALUES), max_size=3)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(OPS, min_size=1, max_size=3), min_size=1, max_size=5))
def test_random_writes_match_the_memory_backend(tmp_path: Path, batches: list) -> None:
    path = tmp_path / f"diff{abs(hash(repr(batches)))}.xlsx"
    spec = [TabSpec("T", tuple(ColumnSpec(h) for h in HEADERS))]
    xb, mb = XlsxBackend(path), MemoryBackend()
    xb.setup(spec)
    mb.setup(spec)
    for ops in batches:
        outcomes = []
        for b in (mb, xb):
            try:
                b.write(ops)
                outcomes.append(None)
            except Exception as exc:  # the error types are compared below
                outcomes.append(type(exc))
        assert outcomes[0] == outcomes[1]
        assert xb.read() == mb.read()
    path.unlink()
