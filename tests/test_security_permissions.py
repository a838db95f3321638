"""Issue 13, item 8: an employee whose module switches are all « Non » sees, on the Tableau de bord and in
every summary, only what the switches open — no cash balance, month's sales and expenses, unpaid balances
with client names, nor Journal entries. Each switch opens its own sections back."""

from __future__ import annotations

from datetime import date

import pytest

from functions.accounts import permissions
from functions.web.app import create_app
from tests.web.conftest import SECRET, Shell

ALL_OFF = {key: "Non" for key, _, _ in permissions.MODULES.values()}


def shop(biz, clock) -> Shell:
    shell = Shell(biz, clock)
    shell.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET},
                           blueprints=["functions.web.sales:bp", "functions.web.office:bp"])
    shell.app.testing = True
    client_id = biz.add("clients", {"name": "Yawa Secrète"}, "Awa")["id"]
    biz.add_prestation({"client": "Yawa Secrète", "client_id": client_id, "total": "48000"}, "Awa")
    biz.revenue("123456", "Awa", description="Vente du marché")
    biz.expense("7777", "Transport", "Awa", description="Taxi")
    return shell


def home(shell: Shell, client) -> str:
    shell.biz.forget()
    r = client.get("/")
    assert r.status_code == 200
    return r.get_data(as_text=True)


SECRETS = {
    "cash": ["Solde de caisse", "Ventes de", "Dépenses de", "123\u00a0456"],
    "unpaid": ["Soldes impayés", "Yawa Secrète", "48\u00a0000"],
    "recent": ["Activité récente"],
}


def test_an_employee_with_every_switch_off_sees_no_figures(biz, clock):
    shell = shop(biz, clock)
    biz.set_settings(ALL_OFF, "Awa")
    page = home(shell, shell.login_employee())
    leaked = [text for texts in SECRETS.values() for text in texts if text in page]
    assert leaked == []
    assert "Vente Rapide" in page  # the employee's own work stays
    admin_page = home(shell, shell.login_admin())
    assert all(text in admin_page for texts in SECRETS.values() for text in texts)


@pytest.mark.parametrize("module,section", [("caisse", "cash"), ("clients", "unpaid"), ("journal", "recent")])
def test_each_switch_opens_its_sections(biz, clock, module, section):
    shell = shop(biz, clock)
    key = permissions.MODULES[module][0]
    biz.set_settings({**ALL_OFF, key: "Oui"}, "Awa")
    page = home(shell, shell.login_employee())
    assert all(text in page for text in SECRETS[section]), section
    others = [texts[0] for s, texts in SECRETS.items() if s != section and texts[0] in page]  # their headings
    assert others == []  # (the Journal's lines may name a client: that is what the Journal switch opens)


def test_dashboard_sections_follow_the_switches():
    off = dict(ALL_OFF)
    assert permissions.dashboard_sections("employee", off) == set()
    assert permissions.dashboard_sections("admin", off) == set(permissions.DASHBOARD)
    assert permissions.dashboard_sections(None, {}) == set()
    assert permissions.dashboard_sections("employee", {**off, "perm_stock": "Oui"}) == {"low_stock"}
    assert permissions.opens("caisse") == ["ventes et dépenses du mois, solde de caisse"]


def test_trix_gives_an_employee_with_every_switch_off_no_figure_tool():
    from functions.trix.tools import MODULE_OF, allowed_tools

    modules = {m for m in permissions.MODULES if permissions.allowed("employee", m, ALL_OFF)}
    tools = allowed_tools(modules)
    assert modules == set() and not tools & set(MODULE_OF)


def test_the_morning_summary_goes_to_the_business_owner_only(biz):
    from functions.reminders import rules

    biz.set_settings({"phone": "90 11 22 33"}, "Awa")
    book = biz.load()
    settings = rules.Settings.from_book(book)
    due = [d for d in rules.business_due(book, date.today(), settings) if d.rule == rules.SUMMARY]
    assert due and all(d.recipient.admin for d in due)  # the owner's phone/email, never an employee


def test_the_settings_page_and_the_manual_say_what_each_switch_opens(biz, clock):
    from pathlib import Path

    shell = shop(biz, clock)
    page = shell.login_admin().get("/parametres").get_data(as_text=True)
    manual = (Path(__file__).resolve().parents[1] / "docs" / "manuel.md").read_text()
    manual = manual[manual.index("### Ce que chaque permission ouvre"):]
    for module, (_, label, _) in permissions.MODULES.items():
        line = permissions.describe(module)
        assert line in page.replace("&#39;", "'"), module
        pages, trix = permissions.PAGES[module]
        row = next((r for r in manual.splitlines() if r.startswith(f"| {label} |")), "")
        assert pages in row and all(o in row for o in permissions.opens(module)) and trix in row, (module, row)
