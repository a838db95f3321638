"""Settings that cannot be wrong (issue 12 item 6) and a first-run setup that is all or nothing (issue 13 item 6)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.books import ledger
from functions.web.app import create_app
from tests.web.conftest import csrf_of

FORM = {"name": "Awa Mensah", "email": "awa@example.tg", "password": "motdepasse-awa", "password2": "motdepasse-awa",
        "business_name": "Boutique Awa", "business_type": "Boutique", "business_type_other": "", "country": "TG",
        "currency": "XOF", "timezone": "Africa/Lome", "promo_code": ""}


@pytest.fixture
def fresh(biz):
    app = create_app(lambda: biz, {"TTR_SECRET_KEY": "s" * 40})
    app.testing = True
    return app


def post_setup(app, **changes):
    client = app.test_client()
    data = {**FORM, **changes, "csrf": csrf_of(client.get("/installation").get_data(as_text=True))}
    return client, client.post("/installation", data=data)


@pytest.mark.parametrize("field, bad, message", [
    ("business_type", "Boutique\x00", "Caractère invalide"),
    ("business_name", "Chez\x07Awa", "Caractère invalide"),
    ("name", "Awa\x1b", "Caractère invalide"),
    ("currency", "ZZZ", "Devise"),
    ("country", "XX", "Pays"),
    ("timezone", "Mars/Olympus", "Fuseau horaire"),
    ("opening_balance", "150.5", "pas de centimes"),
    ("opening_balance", "9" * 400, "trop grand"),
])
def test_a_bad_setup_value_is_refused_and_nothing_is_created(fresh, biz, field, bad, message):
    _, r = post_setup(fresh, **{field: bad})
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and message in body, body[:800]
    assert biz.state.list("users") == [] and biz.state.get("accounts", "setup") is None
    assert biz.load(["settings"]).settings["business_name"] == "Chez Awa"
    assert biz.load(["caisse"]).all_rows("caisse") == []
    client, r = post_setup(fresh)  # the same page, corrected: the setup goes through
    assert r.status_code == 303 and len(biz.state.list("users")) == 1


def test_the_opening_balance_starts_the_cash_book_and_is_not_income(fresh, biz):
    _, r = post_setup(fresh, opening_balance="150.000")
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    rows = biz.load(["caisse"]).all_rows("caisse")
    assert [(x["type"], x["amount"], x["method"]) for x in rows] == [("Solde d'ouverture", Decimal(150000), "Espèces")]
    assert ledger.cash_balance(rows) == Decimal(150000)
    biz.expense("40 000", "Salaires", "Awa")
    rows = biz.load(["caisse"]).all_rows("caisse")
    assert min(ledger.running_cash(rows).values()) == Decimal(110000)
    assert sum((ledger.amount(x) for x in rows if x["type"] in ledger.MONEY_IN), Decimal(0)) == 0  # not earned


def test_the_setup_offers_lists_not_free_text(fresh):
    html = fresh.test_client().get("/installation").get_data(as_text=True)
    assert '<select id="currency" name="currency">' in html and '<option value="XOF" selected>' in html
    assert '<select id="country" name="country">' in html and "Côte d’Ivoire (CI)" in html
    assert '<select id="timezone" name="timezone">' in html and "<option selected>Africa/Lome</option>" in html
    assert 'name="opening_balance"' in html


def test_the_parametres_page_refuses_an_unknown_currency(shell):
    admin = shell.login_admin()
    page = admin.get("/parametres").get_data(as_text=True)
    assert '<select id="currency" name="currency">' in page
    data = {"csrf": csrf_of(page), "business_name": "Chez Awa", "business_type": "Auberge", "country": "TG",
            "currency": "ZZZ", "timezone": "Africa/Lome"}
    r = admin.post("/parametres/entreprise", data=data, follow_redirects=True)
    assert "Devise « ZZZ » inconnue" in r.get_data(as_text=True)
    assert shell.biz.load(["settings"]).settings["currency"] == "XOF"


def test_a_currency_typed_wrong_in_the_sheet_is_named_when_the_books_are_read(biz):
    from functions.errors import InvalidInputError

    title = biz.load(["settings"]).title("settings")
    grid = biz.workbook.backend.grid(title)
    row = next(r for r in grid if r and r[0] == "Devise")
    row[1] = "ZZZ"
    with pytest.raises(InvalidInputError, match="Devise « ZZZ » inconnue"):
        biz.load(["settings"])


def test_a_new_workspace_with_a_control_character_is_refused_and_not_registered(shell):
    admin = shell.login_admin()
    page = admin.get("/espaces").get_data(as_text=True)
    data = {"csrf": csrf_of(page), "name": "Annexe\x00", "business_type": "Boutique", "country": "TG",
            "currency": "XOF", "timezone": "Africa/Lome"}
    r = admin.post("/espaces/nouveau", data=data, follow_redirects=True)
    assert "Caractère invalide" in r.get_data(as_text=True)
    assert [k for k, _ in shell.state.list("workspaces") if k != "principal"] == []


@pytest.mark.parametrize("factory", ["memory", "xlsx"])
def test_the_prestations_tab_follows_the_business_type_renamed_in_place(tmp_path, clock, factory):
    from functions.business import Business
    from functions.state.memory import MemoryStateStore
    from functions.store.backend import MemoryBackend
    from functions.store.workbook import Workbook
    from functions.store.xlsx import XlsxBackend

    backend = MemoryBackend() if factory == "memory" else XlsxBackend(tmp_path / "ttr.xlsx")
    biz = Business(Workbook(backend), MemoryStateStore(), clock=clock)
    biz.init({})  # as an app started before its setup: « Prestations »
    assert biz.load(["prestations"]).title("prestations") == "Prestations"
    p = biz.add_prestation({"client": "Ama", "total": "25.000"}, "Awa")
    biz.init({"business_type": "Boutique"})  # chosen at setup, or later in Paramètres
    book = biz.load(["prestations"])
    assert book.title("prestations") == "Ventes" and "Prestations" not in backend.titles()
    assert book.find("prestations", p["id"])["total"] == Decimal(25000)  # the rows stay
    biz.init({})  # ttr init without a type keeps the title
    assert biz.load(["prestations"]).title("prestations") == "Ventes"


def test_choosing_boutique_at_setup_names_the_tab_ventes(fresh, biz):
    _, r = post_setup(fresh)
    assert r.status_code == 303
    assert biz.load(["prestations"]).title("prestations") == "Ventes"


def test_changing_the_business_type_in_parametres_renames_the_tab(shell):
    p = shell.biz.add_prestation({"client": "Ama", "total": "1000"}, "Awa")
    assert shell.biz.load(["prestations"]).title("prestations") == "Réservations"  # an Auberge
    admin = shell.login_admin()
    page = admin.get("/parametres").get_data(as_text=True)
    data = {"csrf": csrf_of(page), "business_name": "Chez Awa", "business_type": "Restaurant", "country": "TG",
            "currency": "XOF", "timezone": "Africa/Lome"}
    r = admin.post("/parametres/entreprise", data=data, follow_redirects=True)
    assert "Profil de l&#39;entreprise enregistré" in r.get_data(as_text=True)
    book = shell.biz.load(["prestations"])
    assert book.title("prestations") == "Commandes" and book.find("prestations", p["id"]) is not None
