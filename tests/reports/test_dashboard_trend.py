"""The Tableau de bord's trend chart (issue 17 item 3): the last 30 days' recettes, the Rapports page's
figures computed without pandas, shown to whoever sees the month's figures, light and readable at 360 px."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from functions.books import trend
from functions.reports import figures, periods
from functions.reports.view import dashboard_trend
from functions.web import modules
from tests.reports.conftest import TODAY, closed_years
from tests.web.conftest import Shell

TITLE = "Recettes des 30 derniers jours"


def test_the_30_days_are_the_rapports_series(kekeli):
    p = periods.period("last_30_days", TODAY)
    report = figures.compute(kekeli.book(), p, TODAY, grain="day")
    plain = trend.daily_sales(kekeli.book().all_rows("caisse"), p.start, p.end)
    assert [(b.start, b.sales) for b in report.series] == plain
    assert dict(plain)[date(2026, 2, 25)] == D(2300) and dict(plain)[date(2026, 2, 20)] == D(-5000)


def test_a_window_across_a_closed_year_starts_at_the_cut(tmp_path):
    biz, _ids, close, clock = closed_years(tmp_path)
    clock.when = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    before = str(dashboard_trend(biz.book(), date(2026, 1, 10)))
    assert TITLE in before and "12/12" in before  # December 2025 still in the workbook
    clock.when = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    close(2025)
    after = str(dashboard_trend(biz.book(), date(2026, 1, 10)))
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>([^<]+)</td></tr>", after)
    assert "Recettes depuis le 01/01/2026" in after and [r[0] for r in rows][:1] == ["01/01"] and len(rows) == 10
    assert dict(rows)["01/01"] == "0\u00a0FCFA"  # the « À nouveau » rows are no recettes
    assert dict(rows)["10/01"] == "500\u00a0FCFA"


@pytest.fixture
def shop(biz, clock):
    shell = Shell(biz, clock)
    assert modules.register(shell.app, ["functions.web.sales:bp"]) == ["sales"]
    coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "400"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", 50, "Awa")
    for day in (2, 9, 13):
        clock.when = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
        biz.quick_sale([(coca, day)], "Awa")
    clock.when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    shell.coca = coca
    return shell


def test_the_dashboard_shows_the_trend_to_whoever_sees_the_caisse_figures(shop):
    page = shop.login_admin().get("/")
    html = page.get_data(as_text=True)
    assert TITLE in html and html.count("<svg") == 1 and "<polyline" in html
    assert "13/03</th><td>5\u00a0200\u00a0FCFA" in html  # 13 Coca at 400
    assert len(page.data) < 100_000
    employee = shop.login_employee().get("/").get_data(as_text=True)
    assert TITLE in employee  # « Employés : Caisse » is « Oui » by default, like the month's figures
    shop.biz.set_settings({"perm_caisse": "Non"}, "Awa")
    closed = shop.login_employee().get("/").get_data(as_text=True)
    assert TITLE not in closed and "Ventes de mars" not in closed


def test_the_dashboard_and_a_quick_sale_do_not_import_pandas():
    code = r'''
import sys
from datetime import UTC, datetime
from tests.conftest import Clock
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from functions.web import modules
from tests.web.conftest import Shell, csrf_of
clock = Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock)
biz.init({"business_name": "Chez Awa", "currency": "XOF"})
shell = Shell(biz, clock)
modules.register(shell.app, ["functions.web.sales:bp"])
coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "400"}, "Awa")["id"]
biz.stock_adjust(coca, "Entrée", 5, "Awa")
client = shell.login_admin()
html = client.get("/").get_data(as_text=True)
assert "Recettes des 30 derniers jours" in html
sold = client.post("/vente-rapide", data={"csrf": csrf_of(html), "article": coca, "quantity": "1", "method": "Espèces",
                                   "idem": "k1"}, follow_redirects=True)
assert sold.status_code == 200 and "Vente enregistrée" in sold.get_data(as_text=True), sold.status_code
print("pandas" in sys.modules)
'''
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.strip() == "False"
