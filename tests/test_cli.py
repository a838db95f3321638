"""The `ttr` command on the embedded default (.xlsx + SQLite), as a person runs it."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from functions.cli import main
from functions.config import Config, open_business


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "shop.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "shop.state.sqlite"))
    return CliRunner()


def test_init_creates_then_is_safe_on_a_workbook_with_data(runner, tmp_path):
    result = runner.invoke(main, ["init", "--name", "Boutique Awa", "--type", "Boutique", "--currency", "XOF"])
    assert result.exit_code == 0, result.output
    assert "Classeur créé" in result.output and "onglet ajouté : Ventes" in result.output
    biz = open_business(Config.from_env())
    cid = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    before = zipfile.ZipFile(tmp_path / "shop.xlsx").read("xl/worksheets/sheet2.xml")
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0 and "rien à changer" in result.output
    assert zipfile.ZipFile(tmp_path / "shop.xlsx").read("xl/worksheets/sheet2.xml") == before
    wb = openpyxl.load_workbook(tmp_path / "shop.xlsx")
    assert wb.sheetnames[:3] == ["Paramètres", "Clients", "Ventes"]
    assert wb["Clients"]["A2"].value == cid
    assert wb["Clients"].freeze_panes == "A2"


def test_sync_and_audit_verify_exit_codes(runner, tmp_path):
    assert runner.invoke(main, ["init"]).exit_code == 0
    biz = open_business(Config.from_env())
    biz.add("clients", {"name": "Kofi"}, "Awa")
    biz.expense("1500", "Transport", "Awa")
    result = runner.invoke(main, ["sync"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0 and "Journal intact : 2 ligne(s)" in result.output
    wb = openpyxl.load_workbook(tmp_path / "shop.xlsx")
    wb["Journal"]["G2"].value = "Nom : Kofi le voleur"  # a person edits the Journal
    wb.save(tmp_path / "shop.xlsx")
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and "Journal, ligne 2" in result.output


def test_sync_reports_bad_rows_with_exit_code_2(runner, tmp_path):
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["sync"]).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "shop.xlsx")
    ws = wb["Caisse"]
    ws.append([None, "demain", "Dépense", None, None, 100])
    wb.save(tmp_path / "shop.xlsx")
    result = runner.invoke(main, ["sync"])
    assert result.exit_code == 2
    assert "Caisse, ligne 2 : « Date » : Date invalide : « demain »" in result.output


def test_errors_are_french_and_clean(runner, tmp_path):
    result = runner.invoke(main, ["sync"])
    assert result.exit_code == 1
    assert result.output.startswith("Erreur : ")
    assert "ttr init" in result.output and "Traceback" not in result.output
    (tmp_path / "shop.xlsx").write_bytes(b"ceci n'est pas un classeur")
    result = runner.invoke(main, ["sync"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "n'est pas un classeur .xlsx lisible" in result.output
