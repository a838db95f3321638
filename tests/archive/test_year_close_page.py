"""Paramètres › Clôture d'exercice: the preview moves nothing, the confirm button closes once (CSRF, key)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.books import year_end
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from functions.web.app import create_app
from tests.accounts.conftest import cheap_argon2  # noqa: F401 - autouse here too
from tests.archive.conftest import fill_year
from tests.conftest import Clock
from tests.web.conftest import SECRET, Shell, csrf_of


@pytest.fixture
def shell(tmp_path):
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    s = Shell(biz, clock)
    s.ids = fill_year(biz, clock)
    s.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET, "TTR_WORKBOOK": str(tmp_path / "ttr.xlsx")},
                       blueprints=["functions.web.office:bp", "functions.web.sales:bp", "functions.web.year_close:bp"])
    s.app.testing = True
    return s


def test_the_preview_lists_what_moves_and_the_opening_rows_and_changes_nothing(shell, tmp_path):
    client = shell.login_admin()
    grids = shell.biz.workbook.backend.read(shell.biz.workbook.backend.titles())
    page = client.get("/parametres/cloture?annee=2025")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "ligne(s) de Caisse partiraient" in html and "À nouveau 2025 : solde Virement" in html
    assert "ttr-2025.xlsx" in html and "Clôturer l'exercice 2025" in html
    assert shell.biz.workbook.backend.read(shell.biz.workbook.backend.titles()) == grids
    assert not (tmp_path / "ttr-2025.xlsx").exists()


def test_confirm_closes_once_and_says_so(shell, tmp_path):
    client = shell.login_admin()
    before = year_end.figures(shell.biz.load())
    html = client.get("/parametres/cloture?annee=2025").get_data(as_text=True)
    key = html.split('name="cle" value="', 1)[1].split('"', 1)[0]
    form = {"csrf": csrf_of(html), "cle": key, "annee": "2025"}
    assert client.post("/parametres/cloture", data={**form, "csrf": "faux"}).status_code == 403
    r = client.post("/parametres/cloture", data=form)
    assert r.status_code == 303, r.get_data(as_text=True)
    assert (tmp_path / "ttr-2025.xlsx").exists()
    shell.biz.forget()
    assert year_end.differences(before, year_end.figures(shell.biz.load())) == []
    again = client.post("/parametres/cloture", data=form)  # a double tap: the same close, nothing more
    assert again.status_code == 303
    page = client.get("/parametres/cloture").get_data(as_text=True)
    assert "Exercices clôturés" in page and "2025 : ttr-2025.xlsx" in page
    fresh = client.post("/parametres/cloture", data={**form, "cle": "une-autre-cle-123"})
    assert fresh.status_code == 400 and "déjà clôturé" in fresh.get_data(as_text=True)


def test_employees_cannot_open_it(shell):
    client = shell.login_employee()
    assert client.get("/parametres/cloture").status_code == 403


def test_the_settings_page_links_to_it(shell):
    html = shell.login_admin().get("/parametres/activite").get_data(as_text=True)
    assert 'href="/parametres/cloture"' in html


def test_the_dashboard_suggests_the_close_to_the_admin_only(shell, monkeypatch):
    monkeypatch.setattr(year_end, "ROWS_HINT", 1)
    admin = shell.login_admin().get("/").get_data(as_text=True)
    assert "L&#39;exercice 2025 peut être clôturé" in admin or "L'exercice 2025 peut être clôturé" in admin
    employee = shell.login_employee().get("/").get_data(as_text=True)
    assert "peut être clôturé" not in employee


def test_the_client_profile_lists_archived_prestations_by_year(shell):
    client = shell.login_admin()
    number = shell.biz.load(["prestations"]).find("prestations", shell.ids["done"])["number"]
    html = client.get("/parametres/cloture?annee=2025").get_data(as_text=True)
    key = html.split('name="cle" value="', 1)[1].split('"', 1)[0]
    assert client.post("/parametres/cloture", data={"csrf": csrf_of(html), "cle": key, "annee": "2025"}).status_code == 303
    assert shell.biz.load(["prestations"]).find("prestations", shell.ids["done"]) is None
    profile = client.get(f"/clients/{shell.ids['ama']}").get_data(as_text=True)
    past = profile.split("Exercices clôturés (archives)", 1)[1].split("<h2>Paiements", 1)[0]
    assert "<h3>2025</h3>" in past and str(number) in past and "Terminée" in past
    other = client.get(f"/clients/{shell.ids['kofi']}").get_data(as_text=True)
    assert "Exercices clôturés" not in other  # Kofi's prestation is still open: nothing archived


def test_on_google_the_preview_needs_no_url_but_the_close_does(shell):
    shell.app.config["TTR_ENV"]["TTR_WORKBOOK"] = "https://docs.google.com/spreadsheets/d/" + "b" * 40 + "/edit"
    client = shell.login_admin()
    html = client.get("/parametres/cloture?annee=2025").get_data(as_text=True)
    assert "URL à indiquer" in html and 'name="archive"' in html
    key = html.split('name="cle" value="', 1)[1].split('"', 1)[0]
    r = client.post("/parametres/cloture", data={"csrf": csrf_of(html), "cle": key, "annee": "2025"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "créez une Google Sheet vide" in body
    assert shell.biz.state.get("closings", "2025") is None
