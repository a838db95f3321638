"""Agenda, Investissements, Journal (filters, changes old → new, CSV), Manuel, Jeux and the Paramètres
additions, in-process; every form field has a label; pages stay small."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from functions.web.office_agenda import annualised
from functions.web.office_journal import neutralise, parse_changes
from tests.web.test_office_caisse import form_of, make_office, post


@pytest.fixture
def office(biz, clock):
    return make_office(biz, clock)

PAGES = ["/caisse", "/caisse/cloture", "/stock", "/stock/nouveau", "/agenda", "/agenda?vue=liste", "/agenda/nouveau",
         "/investissements", "/investissements/nouveau", "/journal", "/manuel", "/jeux", "/parametres/activite"]


# -- agenda ----------------------------------------------------------------------------------------------------
def test_agenda_create_edit_complete_cancel(office):
    biz = office.biz
    admin = office.login_admin()
    r = post(admin, "/agenda/nouveau", "/agenda/nouveau", title="Livraison de boissons", date="2026-03-20",
             time="10:30", type="Livraison", reminder="1 jour avant", **{"for": "Kofi Agbo"}, notes="")
    assert r.status_code == 303 and r.headers["Location"].endswith("/agenda?mois=2026-03")
    item = biz.load(["agenda"]).rows("agenda")[-1]
    assert (item["date"], item["time"].strftime("%H:%M"), item["type"], item["reminder"], item["for"], item["status"]) \
        == (date(2026, 3, 20), "10:30", "Livraison", "1 jour avant", "Kofi Agbo", "À faire")
    month = admin.get("/agenda?mois=2026-03").get_data(as_text=True)
    assert 'href="/agenda?vue=liste&amp;jour=2026-03-20">20<br><span class="dot">1</span>' in month
    assert "mars 2026" in month and "Livraison de boissons" in month
    edit = f"/agenda/{item.id}/modifier"
    r = post(admin, edit, edit, title="Livraison de boissons", date="20/03/2026", time="11:00", type="Livraison",
             reminder="Le jour même", status="À faire", notes="Brasserie")
    assert r.status_code == 303
    assert biz.load(["agenda"]).find("agenda", item.id)["reminder"] == "Le jour même"
    csrf = form_of(admin.get("/agenda?vue=liste").get_data(as_text=True), f"/agenda/{item.id}/fait")["csrf"]
    assert admin.post(f"/agenda/{item.id}/fait", data={"csrf": csrf}).status_code == 303
    assert biz.load(["agenda"]).find("agenda", item.id)["status"] == "Fait"
    assert admin.post(f"/agenda/{item.id}/annuler", data={"csrf": csrf}).status_code == 303
    assert biz.load(["agenda"]).find("agenda", item.id)["status"] == "Annulé"


def test_agenda_errors_keep_the_input(office):
    admin = office.login_admin()
    r = post(admin, "/agenda/nouveau", "/agenda/nouveau", title="Payer le loyer", date="31/02/2026", type="Paiement",
             reminder="Aucun")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="date-err"' in html and 'value="Payer le loyer"' in html
    assert office.biz.load(["agenda"]).rows("agenda") == []


# -- investissements -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("roi, months, expected", [
    (Decimal("0.21"), 24, Decimal("0.1")),          # 1.21 over two years = 10 % a year
    (Decimal("0.5"), 12, Decimal("0.5")),
    (Decimal("0.1"), 6, Decimal("0.21")),           # 10 % in six months = 21 % a year
    (Decimal("-1"), 12, Decimal("-1")),
    (Decimal("0.2"), 0, None),
    (None, 12, None),
])
def test_annualised_return(roi, months, expected):
    got = annualised(roi, months)
    assert got == expected if expected is None else abs(got - expected) < Decimal("0.0001")


def test_investments_pages(office):
    biz = office.biz
    admin = office.login_admin()
    r = post(admin, "/investissements/nouveau", "/investissements/nouveau", project="Nouveau four",
             description="Four à pain", initial="1 000 000", expected_return="1 210 000", months="24", risk="Moyen",
             status="Actif")
    assert r.status_code == 303
    html = admin.get("/investissements").get_data(as_text=True)
    assert "Nouveau four" in html and "21,0\u00a0%" in html and "10,0\u00a0%" in html and "1\u00a0000\u00a0000\u00a0FCFA" in html
    item = biz.load(["investments"]).rows("investments")[-1]
    edit = f"/investissements/{item.id}/modifier"
    r = post(admin, edit, edit, project="Nouveau four", initial="1000000", expected_return="1210000", months="douze",
             risk="Moyen", status="Actif")
    assert r.status_code == 400 and 'id="months-err"' in r.get_data(as_text=True) and 'value="douze"' in r.get_data(as_text=True)
    kofi = office.login_employee()
    assert kofi.get("/investissements").status_code == 403  # « Non » by default
    biz.set_setting("perm_investments", "Oui", "Awa")
    assert kofi.get("/investissements").status_code == 200


# -- journal ---------------------------------------------------------------------------------------------------
def test_parse_changes():
    got = parse_changes("Statut : En attente → Confirmée ; Montant : 5000 ; texte libre")
    assert [(c.field, c.old, c.new) if not isinstance(c, str) else c for c in got] == [
        ("Statut", "En attente", "Confirmée"), ("Montant", None, "5000"), "texte libre"]


def test_journal_filters_changes_and_csv(office, clock):
    biz = office.biz
    biz.add("agenda", {"title": "=HYPERLINK(\"http://x\")", "date": "2026-03-15"}, "Awa Mensah")
    aid = biz.load(["agenda"]).rows("agenda")[-1].id
    biz.update("agenda", aid, {"status": "Fait"}, "Kofi Agbo")
    biz.expense("1200", "Transport", "Kofi Agbo", "Moto")
    admin = office.login_admin()
    html = admin.get("/journal").get_data(as_text=True)
    html = html[html.index('<ol class="chg"'):]
    assert html.index("<b>dépense</b>") < html.index("<b>modification</b>") < html.index("<b>ajout</b>")  # newest first
    assert 'Statut : <span class="old">À faire</span> → <span class="new">Fait</span>' in html
    only = admin.get("/journal?acteur=Kofi+Agbo&action=modification").get_data(as_text=True)
    entries = only[only.index('<ol class="chg"'):]
    assert "modification" in entries and "dépense" not in entries and "ajout" not in entries
    tab = admin.get("/journal?onglet=Caisse").get_data(as_text=True)
    assert "Moto" in tab and "HYPERLINK" not in tab[tab.index('<ol class="chg"'):]
    assert "Moto" not in admin.get("/journal?du=2026-03-15").get_data(as_text=True)
    r = admin.get("/journal.csv?acteur=Awa+Mensah")
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    raw = r.data.decode("utf-8")
    assert raw.startswith("\ufeffHorodatage;Acteur;Source;Action;Onglet;Ligne;Changements;Empreinte\r\n")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2 and rows[1][1] == "Awa Mensah" and rows[1][3] == "ajout"
    assert 'Titre : =HYPERLINK' in rows[1][6] and not any(c.startswith(("=", "+", "-", "@")) for c in rows[1])
    assert [neutralise(v) for v in ("=1+2", "+228", "-5", "@x", "\tx", "\rx", "ok", None)] == \
        ["'=1+2", "'+228", "'-5", "'@x", "'\tx", "'\rx", "ok", ""]
    assert office.login_employee().get("/journal").status_code == 403


# -- manuel, jeux ----------------------------------------------------------------------------------------------
def test_manual_is_rendered_safely(office, tmp_path):
    from functions.web.office_journal import manual_html

    admin = office.login_admin()
    html = admin.get("/manuel").get_data(as_text=True)
    assert "<h1>" in html and "Clôture de caisse" in html and "<table>" in html
    evil = tmp_path / "m.md"
    evil.write_text("# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n", encoding="utf-8")
    out = manual_html(evil)
    assert "<script>" not in out and "&lt;script&gt;" in out and 'href="javascript' not in out


def test_games_page_and_its_script(office):
    office.biz.set_setting("perm_games", "Oui", "Awa")
    kofi = office.login_employee()
    html = kofi.get("/jeux").get_data(as_text=True)
    assert re.search(r'<script src="/static/2048\.[0-9a-f]{12}\.js"></script>', html) and "<script>" not in html
    js = kofi.get("/office/static/2048.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript" and "function slide" in js.get_data(as_text=True)
    assert kofi.get("/office/static/../../app.py").status_code == 404
    office.biz.set_setting("perm_games", "Non", "Awa")
    assert kofi.get("/jeux").status_code == 403


# -- paramètres -----------------------------------------------------------------------------------------------
def test_types_and_categories(office):
    biz = office.biz
    admin = office.login_admin()
    page = "/parametres/activite"
    assert post(admin, page, "/parametres/types", name="Chambre double", price="25000", purchase_price="").status_code == 303
    t = biz.load(["types"]).rows("types")[-1]
    assert (t["name"], t["price"]) == ("Chambre double", Decimal(25000))
    r = post(admin, page, "/parametres/types", name="", price="abc")
    assert r.status_code == 400 and 'id="name-err"' in r.get_data(as_text=True)
    edit = admin.get(f"{page}?type={t.id}").get_data(as_text=True)
    csrf = form_of(edit, f"/parametres/types/{t.id}")["csrf"]
    assert admin.post(f"/parametres/types/{t.id}", data={"csrf": csrf, "name": "Chambre double", "price": "27000"}
                      ).status_code == 303
    assert biz.load(["types"]).find("types", t.id)["price"] == Decimal(27000)
    assert admin.post(f"/parametres/types/{t.id}/supprimer", data={"csrf": csrf}).status_code == 303
    assert biz.load(["types"]).rows("types") == []
    r = post(admin, page, "/parametres/categories", categories="Loyer\nCarburant\n loyer \nAutre")
    assert r.status_code == 303
    assert biz.load(["settings"]).settings["expense_categories"] == "Loyer, Carburant, Autre"
    assert '<option value="Carburant">' in admin.get("/caisse").get_data(as_text=True)
    r = post(admin, page, "/parametres/categories", categories=" \n ")
    assert r.status_code == 400 and 'id="categories-err"' in r.get_data(as_text=True)
    assert office.login_employee().get(page).status_code == 403


def test_google_sheet_link(office):
    from functions.web.office_settings import sheet_link

    sid = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    assert sheet_link(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0") == \
        f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    assert sheet_link(sid) == f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    assert sheet_link("./ttr.xlsx") is None
    office.app.config["TTR_ENV"]["TTR_WORKBOOK"] = sid
    html = office.login_admin().get("/parametres/activite").get_data(as_text=True)
    assert f'href="https://docs.google.com/spreadsheets/d/{sid}/edit"' in html


# -- every page: labels, size ------------------------------------------------------------------------------------
class Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.labels: set[str] = set()
        self.unlabelled: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "checkbox"):
            if a.get("id"):
                self.ids.append(a["id"])
            elif not a.get("aria-label"):
                self.unlabelled.append(str(a))


def test_every_field_has_a_label_and_pages_are_small(office):
    biz = office.biz
    biz.add("stock", {"article": "Savon"}, "Awa")
    admin = office.login_admin()
    aid = biz.load(["stock"]).rows("stock")[-1].id
    for path in PAGES + [f"/stock/{aid}", f"/stock/{aid}/modifier"]:
        r = admin.get(path)
        assert r.status_code == 200, path
        assert len(r.data) < 100_000, path
        html = r.get_data(as_text=True)
        assert "<script>" not in html and 'style="' not in html.split("<main>")[0], path
        parser = Fields()
        parser.feed(html)
        assert parser.unlabelled == [], path
        assert [i for i in parser.ids if i not in parser.labels] == [], path
        assert len(parser.ids) == len(set(parser.ids)), path
        assert re.search(r'<meta name="viewport" content="width=device-width', html), path
