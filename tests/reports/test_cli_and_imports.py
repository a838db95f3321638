"""``ttr rapport``, and the import graph: receipts, quick sales, reminders and the sync never import pandas."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from functions.cli import main


@pytest.fixture
def workbook(tmp_path, monkeypatch):
    path = tmp_path / "ttr.xlsx"
    monkeypatch.setenv("TTR_WORKBOOK", str(path))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "etat.sqlite"))
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--name", "Chez Awa"]).exit_code == 0
    return path


def test_ttr_rapport_writes_each_format(workbook, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["rapport", "--periode", "mois-dernier"])
    assert r.exit_code == 0, r.output
    assert "Compte de résultat" in r.output and "Chiffre d'affaires · 0\u00a0FCFA" in r.output
    for fmt, magic in (("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("pdf", b"%PDF")):
        out = tmp_path / f"r.{fmt}"
        r = runner.invoke(main, ["rapport", "--periode", "2026-01-01:2026-01-31", "--format", fmt, "--sortie", str(out)])
        assert r.exit_code == 0, r.output
        assert out.read_bytes().startswith(magic)


def test_ttr_rapport_refuses_a_bad_period_in_french(workbook):
    r = CliRunner().invoke(main, ["rapport", "--periode", "hier-soir"])
    assert r.exit_code != 0 and "Période inconnue" in r.output


HOT_PATHS = [
    "functions.receipts.render", "functions.receipts.web", "functions.receipts.hooks", "functions.receipts.pdf",
    "functions.books.operations", "functions.web.sales_home", "functions.reminders.run", "functions.reminders.entry",
    "functions.reminders.channels", "functions.audit.sync", "functions.business", "functions.wiring", "main",
    "functions.reports", "functions.reports.periods", "functions.reports.view", "functions.reports.history",
    "functions.books.trend", "functions.reminders.rules",
]


@pytest.mark.parametrize("module", HOT_PATHS)
def test_hot_paths_do_not_import_pandas(module):
    code = (f"import importlib, sys\nimportlib.import_module({module!r})\n"
            "assert 'pandas' not in sys.modules, 'pandas imported'\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-800:]


def test_the_report_entry_point_does_import_it():
    code = "import sys\nfrom functions.reports import frames\nframes.pd()\nprint('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "True"
