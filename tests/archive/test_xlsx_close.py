"""``ttr cloture`` on real ``.xlsx`` files: the archive beside the workbook, every sheet protected, a crash
midway leaves the live workbook as it was and a rerun completes; ``ttr audit verify --archives``."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from functions import archive as archive_mod
from functions.archive_read import closings, verify_archives
from functions.books import year_end
from functions.cli import main
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend


def _run(args: list[str], path: Path, state: Path):
    return CliRunner().invoke(main, [*args, "-w", str(path), "-s", str(state)])


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def test_cloture_writes_a_protected_archive_beside_the_workbook_and_keeps_every_figure(xlsx_year):
    biz, ids, path, state = xlsx_year
    before = year_end.figures(biz.load())
    preview = _run(["cloture", "2025", "--apercu"], path, state)
    assert preview.exit_code == 0, preview.output
    assert "partiraient" in preview.output and "rien n'a été modifié" in preview.output
    assert not (path.parent / "ttr-2025.xlsx").exists()
    result = _run(["cloture", "2025"], path, state)
    assert result.exit_code == 0, result.output
    assert "prestation(s) archivées" in result.output and "ligne(s) de Caisse archivées" in result.output
    archive = path.parent / "ttr-2025.xlsx"
    wb = openpyxl.load_workbook(archive)
    assert wb.worksheets and all(ws.protection.sheet for ws in wb.worksheets)
    wb.close()
    biz.forget()
    assert year_end.differences(before, year_end.figures(biz.load())) == []
    archived = Workbook(XlsxBackend(archive)).load(["prestations"]).all_rows("prestations")
    assert [p.id for p in archived] == [ids["done"]]
    verify = _run(["audit", "verify", "--archives"], path, state)
    assert verify.exit_code == 0, verify.output
    assert "1 archive(s) (2025)" in verify.output
    again = _run(["cloture", "2025"], path, state)
    assert again.exit_code != 0 and "déjà clôturé" in again.output


def test_a_crash_after_the_archive_leaves_the_live_workbook_unchanged_and_a_rerun_completes(xlsx_year, monkeypatch):
    biz, _ids, path, state = xlsx_year
    assert _run(["sync"], path, state).exit_code == 0  # the receipt links the command line's business writes
    live_before = _cells(path)
    real_write = XlsxBackend.write

    def crash(self, ops):
        if Path(self.path).resolve() == path.resolve() and (path.parent / "ttr-2025.xlsx").exists():
            raise OSError("coupure de courant")
        return real_write(self, ops)

    monkeypatch.setattr(XlsxBackend, "write", crash)
    result = _run(["cloture", "2025"], path, state)
    assert result.exit_code != 0 and isinstance(result.exception, OSError), result.output
    assert (path.parent / "ttr-2025.xlsx").exists()  # the archive was written first
    after = _cells(path)
    assert {t: g for t, g in after.items() if t != "Tableau de bord"} == {
        t: g for t, g in live_before.items() if t != "Tableau de bord"}  # the sync before the close may date it
    monkeypatch.setattr(XlsxBackend, "write", real_write)
    rerun = _run(["cloture", "2025"], path, state)
    assert rerun.exit_code == 0, rerun.output
    biz.forget()
    assert biz.verify_journal().ok
    assert verify_archives(biz).ok
    assert [y for y, _ in closings(biz.state)] == [2025]


def _tamper_and_verify(xlsx_year, tamper):
    """Close 2025, change the archive's Journal as a person could (the protection has no password), verify."""
    _biz, _ids, path, state = xlsx_year
    assert _run(["cloture", "2025"], path, state).exit_code == 0
    archive = path.parent / "ttr-2025.xlsx"
    wb = openpyxl.load_workbook(archive)
    tamper(wb["Journal"])
    wb.save(archive)
    return _run(["audit", "verify", "--archives"], path, state)


def test_audit_verify_archives_names_an_edited_archive_row(xlsx_year):
    def edit(ws):
        header = [c.value for c in ws[1]]
        ws.cell(row=3, column=header.index("Changements") + 1, value="Montant : 1 → 2")

    result = _tamper_and_verify(xlsx_year, edit)
    assert result.exit_code == 1
    assert "Archive 2025" in result.output and "ligne 3" in result.output


def test_audit_verify_archives_notices_rows_cut_from_the_archive_end(xlsx_year):
    result = _tamper_and_verify(xlsx_year, lambda ws: ws.delete_rows(ws.max_row))
    assert result.exit_code == 1 and "Archive 2025" in result.output and "enregistré" in result.output


def test_google_needs_the_archive_sheet_and_xlsx_refuses_one():
    with pytest.raises(archive_mod.InvalidInputError, match="--archive"):
        archive_mod.archive_target("https://docs.google.com/spreadsheets/d/" + "a" * 30 + "/edit", 2025, None, True)
    with pytest.raises(archive_mod.InvalidInputError, match="Google Sheets"):
        archive_mod.archive_target("ttr.xlsx", 2025, "https://x", False)
    assert archive_mod.archive_target("/tmp/b/ttr.xlsx", 2025, None, False) == "/tmp/b/ttr-2025.xlsx"


def test_a_row_to_correct_refuses_the_close_and_changes_nothing(xlsx_year):
    _biz, _ids, path, state = xlsx_year
    wb = openpyxl.load_workbook(path)
    ws = wb["Caisse"]
    header = [c.value for c in ws[1]]
    row = [None] * len(header)
    row[header.index("Date")] = "02/05/2025"
    row[header.index("Type")] = "Dépense"
    row[header.index("Montant")] = "beaucoup"  # typed by hand: not an amount
    ws.append(row)
    wb.save(path)
    result = _run(["cloture", "2025"], path, state)
    assert result.exit_code == 1 and "À corriger" in result.output
    assert not (path.parent / "ttr-2025.xlsx").exists()
