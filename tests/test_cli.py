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


def test_every_error_of_every_command_is_french(runner, monkeypatch):
    monkeypatch.delenv("TRIX_API_KEY", raising=False)
    for args in (["trix"], ["sync", "--inconnu"], ["remind", "--date", "demain"], ["serve", "--port", "abc"]):
        result = runner.invoke(main, args)
        assert result.exit_code != 0, args
        assert "Erreur : " in result.output and "Error" not in result.output, (args, result.output)
        assert "Usage:" not in result.output and "Traceback" not in result.output, (args, result.output)
    helped = runner.invoke(main, ["serve", "--help"]).output
    assert "Utilisation : " in helped and "Afficher cette aide." in helped and "Show this message" not in helped
    assert "Option inconnue : '--inconnu'" in runner.invoke(main, ["sync", "--inconnu"]).output


def test_demo_reinitialiser_erases_only_a_demo(runner, tmp_path):
    workbook, state = tmp_path / "compta.xlsx", tmp_path / "compta.state.sqlite"
    assert runner.invoke(main, ["init", "-w", str(workbook), "-s", str(state)]).exit_code == 0
    result = runner.invoke(main, ["demo", "--reinitialiser", "--no-serve", "-w", str(workbook), "-s", str(state)])
    assert result.exit_code == 1 and "rien n'est effacé" in result.output and "Erreur : " in result.output
    assert workbook.exists() and state.exists()


def test_a_second_demo_says_how_to_log_in(runner, tmp_path):
    from functions.config import open_state_store

    workbook, state = tmp_path / "ttr-demo.xlsx", tmp_path / "ttr-demo.state.sqlite"
    assert runner.invoke(main, ["init", "-w", str(workbook), "-s", str(state)]).exit_code == 0
    open_state_store(str(state)).create("accounts", "setup", {"at": "2026-03-14 09:00:00", "by": "ttr demo"})
    result = runner.invoke(main, ["demo", "--no-serve", "-w", str(workbook), "-s", str(state)])
    assert result.exit_code == 0, result.output
    assert "Connexion : admin@lepalmier.tg" in result.output and "ttr demo --reinitialiser" in result.output
    # --reinitialiser erases that demo (then `ttr demo` writes a new one, with a new password)
    from functions.cli import _erase_demo

    config = Config.from_env()
    config.workbook, config.state = str(workbook), str(state)
    _erase_demo(config)
    assert not workbook.exists() and not state.exists()


def test_sync_with_another_public_url_keeps_the_issued_links(runner, tmp_path, monkeypatch):
    from decimal import Decimal

    assert runner.invoke(main, ["init"]).exit_code == 0
    config = Config.from_env()
    config.serve_at("127.0.0.1", 18100)  # as `ttr serve --port 18100` does
    biz = open_business(config)
    from functions.config import remember_public_url

    remember_public_url(biz.state, config.public_url)
    sale = biz.revenue(Decimal(5000), "Awa", "Location de salle")["caisse_id"]
    link = biz.load(["caisse"]).find("caisse", sale)["receipt"]
    assert link.startswith("http://127.0.0.1:18100/r/")
    monkeypatch.setenv("TTR_PUBLIC_URL", "http://127.0.0.1:8080")
    assert runner.invoke(main, ["sync"]).exit_code == 0
    monkeypatch.delenv("TTR_PUBLIC_URL")
    assert runner.invoke(main, ["sync"]).exit_code == 0
    assert open_business().load(["caisse"]).find("caisse", sale)["receipt"] == link
    # A command run beside the server writes new links on the address it serves (remembered in the state).
    fresh = open_business()
    other = fresh.revenue(Decimal(100), "Awa", "Photocopies")["caisse_id"]
    assert fresh.load(["caisse"]).find("caisse", other)["receipt"].startswith("http://127.0.0.1:18100/r/")


@pytest.mark.parametrize("option, value, message", [("--currency", "ZZZ", "Devise « ZZZ » inconnue"),
                                                    ("--timezone", "Mars/Olympus", "Fuseau horaire"),
                                                    ("--name", "Chez\x00Awa", "Caractère invalide")])
def test_ttr_init_refuses_a_bad_setting_in_french_and_writes_nothing(runner, tmp_path, option, value, message):
    workbook, state = tmp_path / "ttr.xlsx", tmp_path / "ttr.state.sqlite"
    result = runner.invoke(main, ["init", "-w", str(workbook), "-s", str(state), option, value])
    assert result.exit_code != 0 and message in result.output, result.output
    assert not workbook.exists()


def test_demo_on_a_google_sheet_is_made_once_and_names_the_sheet(runner, tmp_path, monkeypatch):
    from tests.store.factory_gsheets import SPREADSHEET_ID, fake_api

    url = f"https://docs.google.com/spreadsheets/d/{SPREADSHEET_ID}/edit"
    with fake_api(reads_per_minute=10**6, writes_per_minute=10**6) as api:
        monkeypatch.setenv("TTR_SHEETS_API_URL", api.url)
        state = str(tmp_path / "demo.state.sqlite")
        first = runner.invoke(main, ["demo", "--no-serve", "-w", url, "-s", state])
        assert first.exit_code == 0, first.output
        assert f"Ouvrez le classeur dans Google Sheets : {url}" in first.output and "LibreOffice" not in first.output
        clients = len(api.spreadsheets[SPREADSHEET_ID].by_title("Clients").cells)
        second = runner.invoke(main, ["demo", "--no-serve", "-w", url, "-s", state])
        assert second.exit_code == 0 and "Démonstration déjà présente" in second.output, second.output
        assert "Connexion : admin@lepalmier.tg" in second.output
        assert len(api.spreadsheets[SPREADSHEET_ID].by_title("Clients").cells) == clients  # no second demo


def test_a_bad_amount_typed_in_the_sheet_is_named_once(runner, tmp_path):
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["sync"]).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "shop.xlsx")
    ws = wb["Caisse"]
    header = [c.value for c in ws[1]]
    row = [None] * len(header)
    row[header.index("Date")], row[header.index("Type")], row[header.index("Montant")] = "14/03/2026", "Dépense", "abc"
    ws.append(row)
    wb.save(tmp_path / "shop.xlsx")
    result = runner.invoke(main, ["sync"])
    assert result.exit_code == 2
    assert "« Montant » : « abc » n'est pas un nombre" in result.output and "Montant : « abc »" not in result.output
