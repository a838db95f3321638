"""Caisse pages in-process: entries with their running balance, filters, expense, revenue, refund, month
totals by category, clôture de caisse; errors next to the field with the input kept."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from functions.books import closing, ledger
from functions.web.app import create_app
from tests.web.conftest import SECRET, Shell, csrf_of


def make_office(biz, clock) -> Shell:
    """The shell's test helper (an admin and an employee logged in) over an app with the office pages."""
    shell = Shell(biz, clock)
    shell.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET}, blueprints=["functions.web.office:bp"])
    shell.app.testing = True
    return shell


@pytest.fixture
def office(biz, clock):
    return make_office(biz, clock)


def form_of(html: str, action: str) -> dict[str, str]:
    """The hidden fields (csrf, idempotency key, expected) of the form posting to ``action``."""
    start = html.index(f'action="{action}"')
    block = html[start: html.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', block))


def post(client, page: str, action: str, **data):
    hidden = form_of(client.get(page).get_data(as_text=True), action)
    return client.post(action, data={**hidden, **data})


def caisse_rows(biz):
    return biz.load(["caisse"]).all_rows("caisse")


def test_expense_from_the_page_lands_in_caisse_and_the_journal(office):
    admin = office.login_admin()
    r = post(admin, "/caisse", "/caisse/depense", amount="3 500", category="Transport", description="Taxi marché",
             method="Mobile Money")
    assert r.status_code == 303 and r.headers["Location"].endswith("/caisse")
    row = caisse_rows(office.biz)[-1]
    assert (row["type"], row["category"], row["amount"], row["method"], row["created_by"]) == \
        ("Dépense", "Transport", Decimal(3500), "Mobile Money", "Awa Mensah")
    page = admin.get("/caisse").get_data(as_text=True)
    assert "Dépense enregistrée (Transport)." in page and "Taxi marché" in page and "−3\u00a0500\u00a0FCFA" in page
    journal = office.biz.load(["journal"]).all_rows("journal")[-1]
    assert (journal["action"], journal["actor"]) == ("dépense", "Awa Mensah")


def test_a_bad_amount_is_shown_under_its_field_and_the_input_is_kept(office):
    admin = office.login_admin()
    r = post(admin, "/caisse", "/caisse/depense", amount="douze", category="Loyer", description="Loyer de mars")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert re.search(r'id="dep-amount"[^>]*value="douze"[^>]*aria-invalid="true"', html)
    assert '<p class="field-error" id="amount-err" role="alert">Montant : ' in html
    assert 'value="Loyer de mars"' in html and '<option value="Loyer" selected>' in html
    assert caisse_rows(office.biz) == []


def test_an_unknown_category_is_refused_under_the_category_field(office):
    admin = office.login_admin()
    r = post(admin, "/caisse", "/caisse/depense", amount="1000", category="Casino")
    assert r.status_code == 400
    assert 'id="category-err"' in r.get_data(as_text=True) and caisse_rows(office.biz) == []


def test_a_double_submit_records_one_expense(office):
    admin = office.login_admin()
    hidden = form_of(admin.get("/caisse").get_data(as_text=True), "/caisse/depense")
    data = {**hidden, "amount": "500", "category": "Autre"}
    assert admin.post("/caisse/depense", data=data).status_code == 303
    assert admin.post("/caisse/depense", data=data).status_code == 303
    assert len(caisse_rows(office.biz)) == 1


def test_revenue_and_refund(office):
    biz = office.biz
    admin = office.login_admin()
    assert post(admin, "/caisse", "/caisse/revenu", amount="2000", description="Photocopies").status_code == 303
    pid = biz.add_prestation({"client": "Ama", "type": "Chambre", "total": "20000"}, "Awa", paid_now="15000")["id"]
    page = admin.get("/caisse").get_data(as_text=True)
    assert f'value="p:{pid}"' in page
    r = post(admin, "/caisse", "/caisse/remboursement", target=f"p:{pid}", amount="20000", reason="Annulation")
    assert r.status_code == 400 and "dépasse ce qui a été payé" in r.get_data(as_text=True)
    r = post(admin, "/caisse", "/caisse/remboursement", target=f"p:{pid}", amount="5000", reason="Nuit annulée")
    assert r.status_code == 303
    row = caisse_rows(biz)[-1]
    assert (row["type"], row["amount"], row["prestation_id"]) == ("Remboursement", Decimal(5000), pid)
    r = post(admin, "/caisse", "/caisse/remboursement", target="", amount="5", reason="x")
    assert r.status_code == 400 and 'id="target-err"' in r.get_data(as_text=True)


def test_running_balance_filters_and_month_totals(office, clock):
    biz = office.biz
    biz.revenue("10000", "Awa", "Comptoir")
    clock.when += timedelta(hours=1)
    biz.expense("1500", "Transport", "Awa", "Taxi")
    clock.when += timedelta(days=40)
    biz.expense("700", "Fournitures", "Awa", "Savon")
    admin = office.login_admin()
    html = admin.get("/caisse").get_data(as_text=True)
    assert "7\u00a0800\u00a0FCFA" in html  # balance
    body = html[html.index("<tbody>"):]
    assert body.index("Savon") < body.index("Taxi") < body.index("Comptoir")  # newest first
    assert "8\u00a0500\u00a0FCFA" in body  # the running balance after the taxi
    only = admin.get("/caisse?type=Dépense&categorie=Transport").get_data(as_text=True)
    only = only[only.index("<tbody>"):only.index("</tbody>")]
    assert "Taxi" in only and "Savon" not in only and "Comptoir" not in only
    march = admin.get("/caisse?du=2026-03-01&au=2026-03-31").get_data(as_text=True)
    march = march[march.index("<tbody>"):march.index("</tbody>")]
    assert "Taxi" in march and "Savon" not in march
    bad = admin.get("/caisse?du=2026-03-31&au=2026-03-01").get_data(as_text=True)
    assert "La date de fin est avant la date de début." in bad
    totals = admin.get("/caisse?mois=2026-03").get_data(as_text=True)
    totals = totals[totals.index("Totaux du mois"):]
    assert "Transport" in totals and "1\u00a0500\u00a0FCFA" in totals and "Fournitures" not in totals


def test_the_list_paginates(office):
    from functions.books.commands import Command
    from functions.books.operations import cash_row
    from functions.store.workbook import Change

    biz = office.biz

    class Many(Command):
        def apply(self, book, ctx):
            change = Change()
            for i in range(120):
                change.appends.append(("caisse", cash_row(book, ctx, "Revenu", Decimal(100 + i), description=f"V{i:03d}")))
            return change

    biz.submit(Many(), "Awa")
    admin = office.login_admin()
    first = admin.get("/caisse").get_data(as_text=True)
    assert "Page 1 / 3 · 120 ligne(s)" in first and "V119" in first and "V069" not in first
    third = admin.get("/caisse?page=3").get_data(as_text=True)
    assert "V000" in third and "V119" not in third


def test_closing_from_the_page(office):
    biz = office.biz
    biz.revenue("10000", "Awa", "Comptoir")
    biz.revenue("3000", "Awa", "Comptoir", method="Mobile Money")  # not in the drawer: shown, not counted
    kofi = office.login_employee()
    page = kofi.get("/caisse/cloture").get_data(as_text=True)
    assert "Espèces attendues dans la caisse (calculé) : <b>10\u00a0000\u00a0FCFA</b>" in page
    assert "Mobile Money : 3\u00a0000\u00a0FCFA" in page
    hidden = form_of(page, "/caisse/cloture")
    assert hidden["expected"] == "10000"
    r = kofi.post("/caisse/cloture", data={**hidden, "counted": "-5"})
    assert r.status_code == 400 and 'id="counted-err"' in r.get_data(as_text=True) and 'value="-5"' in r.get_data(as_text=True)
    r = kofi.post("/caisse/cloture", data={**hidden, "counted": "9 800", "note": "pièces manquantes"})
    assert r.status_code == 303
    done = kofi.get("/caisse/cloture").get_data(as_text=True)
    assert "Caisse clôturée : compté 9\u00a0800\u00a0FCFA, attendu 10\u00a0000\u00a0FCFA — manquant de 200\u00a0FCFA." in done
    assert "attendu 10\u00a0000\u00a0FCFA, compté 9\u00a0800\u00a0FCFA, écart -200\u00a0FCFA (pièces manquantes)" in done
    assert ledger.cash_balance(caisse_rows(biz)) == Decimal(9800 + 3000)
    assert caisse_rows(biz)[-1]["category"] == closing.SHORTAGE and caisse_rows(biz)[-1]["created_by"] == "Kofi Agbo"
    again = {**hidden, "counted": "9 800", "note": "pièces manquantes"}
    assert kofi.post("/caisse/cloture", data=again).status_code == 303  # a double tap: the same key, replayed
    assert len([j for j in biz.load(["journal"]).all_rows("journal") if j["action"] == "clôture"]) == 1


def test_closing_refused_when_a_sale_happened_meanwhile(office):
    biz = office.biz
    admin = office.login_admin()
    hidden = form_of(admin.get("/caisse/cloture").get_data(as_text=True), "/caisse/cloture")
    biz.revenue("1000", "Kofi", "Vente")
    r = admin.post("/caisse/cloture", data={**hidden, "counted": "0"})
    assert r.status_code == 409 and "recomptez" in r.get_data(as_text=True)
    assert "Espèces attendues dans la caisse (calculé) : <b>1\u00a0000\u00a0FCFA</b>" in r.get_data(as_text=True)


def test_employee_without_caisse_permission_is_refused(office):
    office.biz.set_setting("perm_caisse", "Non", "Awa")
    kofi = office.login_employee()
    assert kofi.get("/caisse").status_code == 403
    csrf = csrf_of(kofi.get("/parametres").get_data(as_text=True))
    assert kofi.post("/caisse/depense", data={"csrf": csrf, "amount": "5", "category": "Autre"}).status_code == 403
    assert caisse_rows(office.biz) == []


def test_posting_without_csrf_is_refused(office):
    admin = office.login_admin()
    assert admin.post("/caisse/depense", data={"amount": "5", "category": "Autre"}).status_code == 403
    assert caisse_rows(office.biz) == []
