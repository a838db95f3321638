"""The Rapports page: who may open it, its figures, its charts (inline SVG, accessible), its size, its exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from functions.web.app import create_app
from tests.web.conftest import SECRET, Shell


@pytest.fixture
def shell(kekeli, clock):
    s = Shell(kekeli, clock)
    s.app = create_app(lambda: kekeli, {"TTR_SECRET_KEY": SECRET}, blueprints=["functions.web.reports:bp"])
    s.app.testing = True
    return s


def test_the_admin_sees_last_month_with_charts_and_tables(shell):
    client = shell.login_admin()
    r = client.get("/rapports?periode=last_month")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert len(r.data) < 100_000
    assert re.search(r'id="resultat"[^>]*>37\u00a0300\u00a0FCFA<', html)
    assert re.search(r'id="ca"[^>]*>77\u00a0300\u00a0FCFA<', html)
    main = html[html.index('<div class="rp">'):]
    assert html.count("<svg") == 3 and "<script" not in main  # the charts need no JavaScript
    assert html.count('role="img"') == 3 and html.count("<title id=") == 3
    assert html.count("Tableau des chiffres") == 3
    assert "Recettes et dépenses par jour" in html and "Mobile Money" in html and "75\u00a0000\u00a0FCFA" in html
    assert "Taux d&#39;occupation" in html and "3,6\u00a0%" in html  # 3 nights of 84
    assert ">Rapports<" in shell.login_admin().get("/rapports").get_data(as_text=True)  # menu entry


def test_an_employee_needs_the_switch(shell):
    client = shell.login_employee()
    assert client.get("/rapports").status_code == 403
    assert client.get("/rapports/export.csv").status_code == 403
    shell.biz.set_setting("perm_rapports", "Oui", "Awa")
    shell.biz.forget()
    assert client.get("/rapports").status_code == 200


def test_a_custom_period_and_a_wrong_one(shell):
    client = shell.login_admin()
    html = client.get("/rapports?periode=custom&du=2026-02-15&au=2026-02-20").get_data(as_text=True)
    assert "du 15/02/2026 au 20/02/2026" in html
    bad = client.get("/rapports?periode=custom&du=2026-03-01&au=2026-02-01").get_data(as_text=True)
    assert "avant son début" in bad


def test_a_year_of_100_rows_a_day_stays_under_100_kb(shell, clock):
    book = shell.biz.book()
    from functions.reports import figures, periods, view

    r = figures.compute(book, periods.period("this_year", date(2026, 3, 14)), date(2026, 3, 14))
    assert sum(len(s) for s in view.svgs(r)) < 30_000


def test_csv_export_is_escaped_with_bom_and_semicolons(shell):
    shell.biz.expense(1000, "Autre", "Awa", description="x")
    shell.biz.add("clients", {"name": "=HYPERLINK(\"http://x\")"}, "Awa")
    client = shell.login_admin()
    r = client.get("/rapports/export.csv?periode=this_month")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert 'filename="rapport-2026-03-01-2026-03-14.csv"' in r.headers["Content-Disposition"]
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert ["Résultat", "6500"] in rows  # 22 500 − 16 000
    assert ["Remboursements (en moins)", "0"] in rows


def test_csv_escapes_formulas(kekeli):
    from functions.reports.exports import escape_cell

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert escape_cell(start + "1+1") == "'" + start + "1+1"
    assert escape_cell("Awa") == "Awa"


def test_xlsx_export_has_currency_formats_frozen_headers_and_widths(shell):
    from openpyxl import load_workbook

    client = shell.login_admin()
    r = client.get("/rapports/export.xlsx?periode=last_month")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb["Résultat"]
    assert ws.freeze_panes == "A2" and ws["A1"].value == "Poste" and ws["A1"].font.bold
    values = {ws.cell(i, 1).value: ws.cell(i, 2) for i in range(2, ws.max_row + 1)}
    assert values["Résultat"].value == 37300 and "FCFA" in values["Résultat"].number_format
    assert ws.column_dimensions["A"].width >= len("Remboursements (en moins)")


def test_xlsx_keeps_a_client_name_as_text(kekeli):
    from openpyxl import load_workbook

    from functions.reports import exports, figures, periods

    kekeli.update("clients", kekeli.ids["kofi"], {"name": "=1+1"}, "Awa")
    r = figures.compute(kekeli.book(), periods.period("this_month", date(2026, 3, 14)), date(2026, 3, 14))
    wb = load_workbook(io.BytesIO(exports.xlsx(r)))
    cell = wb["Clients"]["A2"]
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_pdf_export_is_a4_with_the_header(shell):
    client = shell.login_admin()
    r = client.get("/rapports/export.pdf?periode=last_month")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", r.data)
    assert box and (round(float(box[1])), round(float(box[2]))) == (595, 842)  # A4 in points
    assert b"/Title" not in r.data or b"Rapport" in r.data


def test_long_lists_are_cut_on_the_page_not_in_the_exports(kekeli):
    from functions.reports import figures, periods, view

    for i in range(40):
        kekeli.add("stock", {"article": f"Article {i:02d}", "purchase_price": 100}, "Awa")
    r = figures.compute(kekeli.book(), periods.period("this_month", date(2026, 3, 14)), date(2026, 3, 14))
    page = {t["key"]: t for t in view.tables(r, limit=15)}["stock"]
    full = {t["key"]: t for t in view.tables(r)}["stock"]
    assert len(full["rows"]) == 42 + 1 and page["more"] == 27
    assert len(page["rows"]) == 16 and page["rows"][-1] == full["rows"][-1] and page["rows"][-1][0] == "Total"


def test_the_dashboard_trend_is_an_accessible_svg_of_the_last_30_days(kekeli):
    from functions.reports.view import dashboard_trend

    svg = str(dashboard_trend(kekeli.book(), date(2026, 3, 14)))
    assert svg.count("<svg") == 1 and 'role="img"' in svg and "<title id=" in svg and "<polyline" in svg
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>([^<]+)</td></tr>", svg)
    assert len(rows) == 30 and rows[0][0] == "13/02" and rows[-1][0] == "14/03"
    assert dict(rows)["15/02"] == "75\u00a0000\u00a0FCFA" and dict(rows)["16/02"] == "0\u00a0FCFA" and dict(rows)["05/03"] == "20\u00a0000\u00a0FCFA"
    assert dict(rows)["20/02"] == "-5\u00a0000\u00a0FCFA"  # the refund
