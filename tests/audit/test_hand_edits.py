"""Hand edits on every backend: a typed total stands, a row with an error is quarantined, never half-taken."""

from __future__ import annotations

import importlib
from decimal import Decimal

import openpyxl
import openpyxl.utils
import pytest
from click.testing import CliRunner

from functions.books import dashboard
from functions.books.quarantine import MARK
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Workbook

D = Decimal


@pytest.fixture(params=["memory", "xlsx", "gsheets"])
def shop(request, tmp_path, clock):
    module = importlib.import_module(f"tests.store.factory_{request.param}")
    with module.make(tmp_path) as (backend, person):
        biz = Business(Workbook(backend), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
        biz.init({"business_name": "Auberge Awa", "business_type": "Auberge", "currency": "XOF"})
        biz.sync()
        yield biz, person


def row_of(person, title, rid):
    g = person.grid(title)
    return next(n for n, r in enumerate(g, start=1) if r and r[0] == rid)


def journal(biz):
    return biz.load(["journal"]).all_rows("journal")


def cash(biz):
    return dashboard.kpis(biz.load(), None, {}, biz.now()).cash


@pytest.mark.parametrize("typed, gap", [(30000, D(5000)), (20000, D(-5000))])
def test_total_typed_on_a_prestation_with_lines_stands_with_an_adjustment_line(shop, typed, gap):
    biz, person = shop
    pid = biz.add_prestation({"client": "Kofi", "start": "2026-03-14"}, "Awa",
                             lines=[{"article": "Chambre", "quantity": "2", "unit_price": "12500"}])["id"]
    biz.sync()
    person.set_cell("Réservations", row_of(person, "Réservations", pid), "Montant total", typed)
    report = biz.sync()
    book = biz.load()
    assert book.find("prestations", pid)["total"] == D(typed)
    assert book.find("prestations", pid)["balance"] == D(typed)
    lines = [ln for ln in book.rows("lines") if ln["prestation_id"] == pid]
    adjustment = [ln for ln in lines if ln["article"] == "Ajustement"]
    assert len(adjustment) == 1 and adjustment[0]["total"] == gap
    assert sum(ln["total"] for ln in lines) == D(typed)
    assert [t for t, p, _ in report.adjusted] == ["Réservations"] and report.adjusted[0][1] == pid
    assert "1 total(aux) saisi(s) conservé(s)" in report.lines()[0]
    entries = journal(biz)
    assert any(j["action"] == "ajustement" and "Ajustement" in j["changes"] for j in entries)
    assert not any("restauré" in j["changes"] and "Montant total" in j["changes"] for j in entries)
    assert biz.sync().writes == 0
    assert biz.verify_journal().ok


def test_other_computed_edits_are_counted_in_the_sync_report(shop):
    biz, person = shop
    cid = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    biz.sync()
    person.set_cell("Clients", row_of(person, "Clients", cid), "Solde", 123)
    report = biz.sync()
    assert report.corrected == [("Clients", cid, "Solde")]
    assert "1 valeur(s) calculée(s) remise(s)" in report.lines()[0]


def test_expense_typed_without_a_date_is_quarantined_until_fixed(shop):
    biz, person = shop
    biz.revenue("10000", "Awa", description="Apport")
    biz.sync()
    before_cash, before_journal = cash(biz), len(journal(biz))
    person.append_row("Caisse", {"Type": "Dépense", "Montant": 4000, "Description": "Carburant"})
    row = len([r for r in person.grid("Caisse") if any(c not in (None, "") for c in r)])
    report = biz.sync()
    assert [(e.tab, e.row) for e in report.quarantined] == [("Caisse", row)]
    assert "Date" in report.quarantined[0].reason
    assert report.errors  # `ttr sync` exits non-zero
    assert any(line.startswith(f"  À CORRIGER Caisse, ligne {row} :") for line in report.lines())
    marker = person.grid("Caisse")[row - 1][0]
    assert str(marker).startswith(MARK) and "Date" in str(marker)  # visible in the sheet
    assert report.ids_assigned == []
    assert len(journal(biz)) == before_journal  # no Journal row
    assert cash(biz) == before_cash == D(10000)  # no effect on the balance
    book = biz.load()
    assert all(k["cash_balance"] == D(10000) for k in book.rows("caisse") if k["type"] == "Revenu")
    board = [[str(c) for c in r] for r in person.grid("Tableau de bord")]
    at = next(i for i, r in enumerate(board) if r and r[0] == "À corriger")
    assert board[at + 1][1] == f"Caisse, ligne {row}" and "Date" in board[at + 1][2]
    assert ["Solde de caisse", "10\u00a0000\u00a0FCFA"] == board[next(i for i, r in enumerate(board)
                                                                     if r[0] == "Solde de caisse")][:2]
    biz.revenue("500", "Awa")  # an action meanwhile does not count it either
    assert cash(biz) == D(10500)
    biz.sync()  # the dashboard's cash figure
    assert biz.sync().writes == 0  # the marker is already there: nothing to write

    person.set_cell("Caisse", row, "Date", "14/03/2026 08:00")  # fixed
    report = biz.sync()
    assert report.quarantined == [] and len(report.ids_assigned) == 1
    rid = report.ids_assigned[0][2]
    assert not rid.startswith(MARK) and person.grid("Caisse")[row - 1][0] == rid
    assert cash(biz) == D(6500)
    added = [j for j in journal(biz) if j["row"] == rid]
    assert [(j["action"], j["source"]) for j in added] == [("ajout", "feuille")]
    board = [[str(c) for c in r] for r in person.grid("Tableau de bord")]
    assert not any(r and r[0] == "À corriger" for r in board)
    assert biz.sync().writes == 0
    assert biz.verify_journal().ok


def test_hand_typed_prestations_are_validated_and_numbered(shop):
    biz, person = shop
    person.append_row("Réservations", {"Client": "Ama", "Montant total": 8000, "Début": "14/03/2026"})
    person.append_row("Réservations", {"Montant total": 5000, "Début": "14/03/2026"})  # no client
    person.append_row("Réservations", {"Client": "Yao", "Montant total": 5000, "Début": "16/03/2026",
                                       "Fin": "15/03/2026"})
    person.append_row("Réservations", {"Client": "Zoé", "Montant total": 3000})  # taken, with a warning
    report = biz.sync()
    reasons = {e.row: e.reason for e in report.quarantined}
    assert sorted(reasons) == [3, 4]
    assert "client" in reasons[3] and "fin est avant" in reasons[4]
    book = biz.load()
    taken = {p["client"]: p for p in book.rows("prestations") if p.id and not p.id.startswith(MARK)}
    assert set(taken) == {"Ama", "Zoé"}
    assert taken["Ama"]["number"] and taken["Zoé"]["number"] and taken["Ama"]["number"] != taken["Zoé"]["number"]
    assert not any(c["name"] == "Yao" for c in book.rows("clients"))  # nothing of a quarantined row is taken
    assert any("ATTENTION" in line and "date de début" in line for line in report.lines())


def test_a_bad_amount_on_a_row_typed_by_hand_is_quarantined_and_an_unreadable_app_row_not_duplicated(shop):
    biz, person = shop
    kid = biz.expense("2500", "Transport", "Awa")["caisse_id"]
    biz.sync()
    person.set_cell("Caisse", row_of(person, "Caisse", kid), "Montant", "beaucoup")
    person.append_row("Caisse", {"Date": "14/03/2026", "Type": "Dépense", "Montant": "trop"})
    report = biz.sync()
    assert [e.row for e in report.quarantined] == [3]
    assert str(person.grid("Caisse")[2][0]).startswith(MARK)
    ids = [r[0] for r in person.grid("Caisse")[1:] if r and r[0]]
    assert ids.count(kid) == 1  # the app's row that cannot be read is not put back a second time


def test_ttr_sync_lists_rows_to_fix_and_exits_non_zero(tmp_path, monkeypatch):
    from functions.cli import main
    from functions.config import Config, open_business

    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "shop.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "shop.state.sqlite"))
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--name", "Boutique Awa", "--type", "Boutique"]).exit_code == 0
    assert runner.invoke(main, ["sync"]).exit_code == 0
    biz = open_business(Config.from_env())
    from tests.store.factory_xlsx import XlsxPerson

    XlsxPerson(tmp_path / "shop.xlsx").append_row("Caisse", {"Type": "Dépense", "Montant": 100})
    result = runner.invoke(main, ["sync"])
    assert result.exit_code != 0
    assert "À CORRIGER Caisse, ligne 2 : « Date » est obligatoire." in result.output
    book = biz.load()
    assert book.rows("caisse") == []  # a marked row is nobody's record (pages, reports, TRIX)
    assert [(e.tab, e.row) for e in book.errors] == [("Caisse", 2)]
    assert XlsxPerson(tmp_path / "shop.xlsx").grid("Caisse")[1][0].startswith(MARK)


def test_web_dashboard_lists_rows_to_fix(biz):
    from functions.templating import environment

    biz.sync()
    biz.workbook.backend.grid("Caisse").append([None, None, "Dépense", None, "Carburant", 4000])
    k = dashboard.kpis(biz.load(), None, {}, biz.now())
    assert [(e.tab, e.row) for e in k.to_fix] == [("Caisse", 2)]
    html = environment().get_template("web/_a_corriger.html").render(to_fix=k.to_fix)
    assert "À corriger" in html and "Caisse, ligne 2" in html and "« Date » est obligatoire" in html


def test_computed_columns_are_shaded_and_on_google_warn_before_typing(shop):
    biz, person = shop
    pid = biz.add_prestation({"client": "Kofi", "total": "5000", "start": "2026-03-14"}, "Awa")["id"]
    biz.sync()
    tab = biz.workbook.schema.tab("prestations")
    computed = [c.header for c in tab.columns if c.computed]
    assert computed == ["Payé", "Solde", "Reçu"]
    row = row_of(person, "Réservations", pid)
    if hasattr(person, "path"):  # .xlsx: the column style and the cells written are grey
        ws = openpyxl.load_workbook(person.path)["Réservations"]
        header = [c.value for c in ws[1]]
        for h in computed:
            letter = openpyxl.utils.get_column_letter(header.index(h) + 1)
            assert ws.column_dimensions[letter].fill.fgColor.rgb.endswith("F2F2F2"), h
        assert ws.cell(row, header.index("Solde") + 1).fill.fgColor.rgb.endswith("F2F2F2")
        assert not ws.cell(row, header.index("Montant total") + 1).fill.fgColor.rgb.endswith("F2F2F2")
    elif hasattr(person, "ss"):  # Google: grey and protected with a warning only (people may still type)
        sheet = person.ss.by_title("Réservations")
        header = [str(h) for h in person.grid("Réservations")[0]]
        warned = sorted(p["range"]["startColumnIndex"] for p in sheet.protected_ranges if p["warningOnly"])
        assert warned == sorted(header.index(h) for h in computed)
        assert not [p for p in sheet.protected_ranges if not p["warningOnly"]]
        cell = sheet.cells[(row - 1, header.index("Solde"))]
        assert cell["userEnteredFormat"]["backgroundColor"]["red"] == pytest.approx(0.93)
    else:
        pytest.skip("le classeur en mémoire n'a pas de mise en forme")
