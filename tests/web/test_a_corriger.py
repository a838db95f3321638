"""The web dashboard lists the rows of the sheet to fix ("À corriger"), the same list the sync reports."""

from __future__ import annotations

from html import unescape

from functions.web import modules
from tests.web.conftest import Shell


def test_the_dashboard_lists_a_quarantined_row_until_it_is_fixed(biz, clock):
    shell = Shell(biz, clock)
    assert modules.register(shell.app, ["functions.web.sales:bp"]) == ["sales"]
    biz.sync()
    biz.workbook.backend.grid("Caisse").append([None, None, "Dépense", None, "Carburant", 4000])
    report = biz.sync()
    assert [(e.tab, e.row) for e in report.quarantined] == [("Caisse", 2)]
    client = shell.login_admin()
    biz.forget()
    html = unescape(client.get("/").get_data(as_text=True))
    box = html.split('id="a-corriger"')[1].split("</section>")[0]
    assert "Caisse, ligne 2" in box and "« Date » est obligatoire." in box
    assert "4\u00a0000" not in html.split("Solde de caisse")[1].split("</div>")[0]  # not counted

    row = biz.workbook.backend.grid("Caisse")[1]
    row[1] = "14/03/2026 08:00"
    biz.sync()
    biz.forget()
    shell.advance(minutes=5)
    html = client.get("/").get_data(as_text=True)
    assert 'id="a-corriger"' not in html
