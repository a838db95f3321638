"""Issue 20 items 1, 2 and 5 as scenarios, on the memory and .xlsx backends: payment methods per country with
transaction references (no duplicates) and the owner's « vérifié »; remises with their limits and rounding;
TVA off by default, per rate on receipts."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest

from functions.books import methods, tax
from functions.books.commands import AddPrestation, QuickSale
from functions.books.methods import VerifyPayment
from functions.business import Business
from functions.errors import InvalidInputError
from functions.receipts import render
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook


@pytest.fixture(params=["memory", "xlsx", "gsheets"])
def shop(request, tmp_path, clock):
    if request.param == "memory":
        backend = MemoryBackend()
        biz = Business(Workbook(backend), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
        biz.init({"business_name": "Boutique Awa", "business_type": "Boutique", "currency": "XOF", "country": "TG"})
        yield _stock(biz)
        return
    module = importlib.import_module(f"tests.store.factory_{request.param}")
    with module.make(tmp_path) as (backend, _person):
        biz = Business(Workbook(backend), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
        biz.init({"business_name": "Boutique Awa", "business_type": "Boutique", "currency": "XOF", "country": "TG"})
        yield _stock(biz)


def _stock(biz: Business) -> dict:
    coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500", "purchase_price": "300"},
                   "Awa")["id"]
    pain = biz.add("stock", {"article": "Pain", "for_sale": "Oui", "sale_price": "250"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", 20, "Awa")
    biz.stock_adjust(pain, "Entrée", 20, "Awa")
    return {"biz": biz, "coca": coca, "pain": pain}


def sale(shop, items, **kw):
    return shop["biz"].submit(QuickSale(tuple(items), **kw), "Awa")


# -- 1. mobile money ------------------------------------------------------------------------------------------
def test_togo_methods_by_default_and_the_list_is_editable_in_parametres(shop):
    biz = shop["biz"]
    assert methods.methods(biz.book().settings) == ("Espèces", "Mixx by Yas", "Flooz", "Carte", "Virement", "Chèque")
    biz.set_setting("payment_methods", "Espèces, Wave, Orange Money", "Awa")
    assert methods.methods(biz.book().settings) == ("Espèces", "Wave", "Orange Money")
    with pytest.raises(InvalidInputError, match="Flooz » inconnu"):
        sale(shop, [(shop["coca"], 1)], method="Flooz")
    r = sale(shop, [(shop["coca"], 1)], method="wave", reference="ab 12")
    row = biz.book().find("caisse", r["caisse_id"])
    assert (row["method"], row["reference"], row["check"]) == ("Wave", "AB12", "Déclaré")
    r = sale(shop, [(shop["coca"], 1)], method="Mobile Money")  # the former value stays readable and valid
    assert biz.book().find("caisse", r["caisse_id"])["method"] == "Mobile Money"


def test_senegal_and_cote_divoire_defaults():
    assert methods.methods({"country": "SN"})[:4] == ("Espèces", "Wave", "Orange Money", "Mixx by Yas")
    assert methods.methods({"country": "CI"})[1:5] == ("Orange Money", "MTN MoMo", "Moov Money", "Wave")
    assert methods.choose({"country": "TG"}, "T-Money") == "Mixx by Yas"  # the former name people still say


def test_the_same_reference_twice_for_the_same_operator_is_refused(shop):
    biz = shop["biz"]
    first = sale(shop, [(shop["coca"], 1)], method="Flooz", reference="FL123456")
    caisse = len(biz.book().all_rows("caisse"))
    with pytest.raises(InvalidInputError, match="Référence « FL123456 » déjà enregistrée pour Flooz") as err:
        sale(shop, [(shop["pain"], 1)], method="Flooz", reference="fl 123456")
    assert err.value.field == "reference"
    assert len(biz.book().all_rows("caisse")) == caisse  # nothing written
    other = sale(shop, [(shop["pain"], 1)], method="Mixx by Yas", reference="FL123456")  # another operator
    assert other["caisse_id"] != first["caisse_id"]
    p = biz.add_prestation({"client": "Kofi", "total": "9000"}, "Awa")["id"]
    with pytest.raises(InvalidInputError, match="déjà enregistrée"):
        biz.record_payment("1000", "Awa", prestation_id=p, method="Flooz", reference="FL123456")


def test_a_declared_payment_is_verified_by_the_owner_and_journaled(shop):
    biz = shop["biz"]
    r = sale(shop, [(shop["coca"], 2)], method="Flooz", reference="TX9")
    biz.submit(VerifyPayment(r["caisse_id"]), "Patron")
    book = biz.book()
    assert book.find("caisse", r["caisse_id"])["check"] == "Vérifié"
    last = book.all_rows("journal")[-1]
    assert (last["action"], last["actor"]) == ("vérifié", "Patron") and "Déclaré → Vérifié" in last["changes"]
    with pytest.raises(InvalidInputError, match="déjà vérifié"):
        biz.submit(VerifyPayment(r["caisse_id"]), "Patron")
    cash = sale(shop, [(shop["pain"], 1)])
    assert book.find("caisse", r["caisse_id"])["amount"] == Decimal(1000)
    with pytest.raises(InvalidInputError, match="pas un paiement mobile money"):
        biz.submit(VerifyPayment(cash["caisse_id"]), "Patron")


def test_the_closing_lists_each_operator_of_the_day(shop, clock):
    biz = shop["biz"]
    sale(shop, [(shop["coca"], 2)])
    sale(shop, [(shop["coca"], 1)], method="Flooz", reference="A1")
    sale(shop, [(shop["pain"], 2)], method="Flooz", reference="A2")
    sale(shop, [(shop["pain"], 1)], method="Mixx by Yas", reference="B1")
    biz.expense("200", "Transport", "Awa", method="Flooz")
    day = {o.method: o for o in methods.day_totals(biz.book().all_rows("caisse"), date(2026, 3, 14))}
    assert list(day) == ["Espèces", "Flooz", "Mixx by Yas"]
    assert (day["Flooz"].money_in, day["Flooz"].money_out, day["Flooz"].net, day["Flooz"].declared) == \
        (Decimal(1000), Decimal(200), Decimal(800), Decimal(1000))
    assert day["Espèces"].net == Decimal(1000) and day["Mixx by Yas"].net == Decimal(250)
    assert not methods.day_totals(biz.book().all_rows("caisse"), date(2026, 3, 15))


def test_the_reference_is_on_the_receipt(shop):
    biz = shop["biz"]
    r = sale(shop, [(shop["coca"], 1)], method="Flooz", reference="FLZ77")
    data = render.content(biz.book(), "sale", r["caisse_id"], "R-1")
    assert data["payment_reference"] == "FLZ77" and data["method"] == "Flooz"


# -- 2. remises -----------------------------------------------------------------------------------------------
def test_a_percentage_on_a_sale_is_spread_and_the_ticket_adds_up(shop):
    biz = shop["biz"]
    r = sale(shop, [(shop["coca"], 1), (shop["pain"], 1)], discount={"value": "15 %", "reason": "fidélité"})
    row = biz.book().find("caisse", r["caisse_id"])
    # 750 gross, 15 % = 112.5 → 113 (half up); lines 75 (500×15 %) and 38 (the rounding difference on the last)
    assert (row["amount"], row["discount"], row["discount_reason"]) == (Decimal(637), Decimal(113), "fidélité")
    data = render.content(biz.book(), "sale", r["caisse_id"], "R-1")
    assert [ln["total"] for ln in data["lines"]] == [Decimal(425), Decimal(212)]
    assert sum(ln["total"] for ln in data["lines"]) == data["total"] == Decimal(637)
    assert data["discount"] == Decimal(113) and data["discount_reason"] == "fidélité"
    journal = biz.book().all_rows("journal")[-1]
    assert "Remise : 113" in journal["changes"]


def test_discount_limits(shop):
    biz = shop["biz"]
    coca = shop["coca"]
    with pytest.raises(InvalidInputError, match="100 % au plus"):
        sale(shop, [(coca, 1)], discount={"value": "120 %", "reason": "x"})
    with pytest.raises(InvalidInputError, match="dépasse le montant"):
        sale(shop, [(coca, 1)], discount={"value": "600", "reason": "x"})
    with pytest.raises(InvalidInputError, match="motif") as err:
        sale(shop, [(coca, 1)], discount={"value": "50"})
    assert err.value.field == "discount_reason"
    with pytest.raises(InvalidInputError, match="un employé peut accorder 10 % au plus"):
        sale(shop, [(coca, 4)], discount={"value": "15 %", "reason": "ami", "employee": True})
    ok = sale(shop, [(coca, 4)], discount={"value": "10 %", "reason": "ami", "employee": True})
    assert Decimal(ok["total"]) == Decimal(1800)
    biz.set_setting("discount_max_employee", "50", "Awa")
    with pytest.raises(InvalidInputError, match="sous son prix d'achat"):  # 500 − 45 % = 275 < cost 300
        sale(shop, [(coca, 1)], discount={"value": "45 %", "reason": "ami", "employee": True})
    admin = sale(shop, [(coca, 1)], discount={"value": "45 %", "reason": "ami"})  # an admin is warned
    assert "vendu sous son prix d'achat (275" in admin["warning"]
    assert biz.book().all_rows("journal")[-1]["action"] == "avertissement"


def test_a_prestation_with_line_and_whole_discounts(shop):
    biz = shop["biz"]
    lines = ({"article": "Coupe", "quantity": 1, "unit_price": "3000", "discount": "10 %"},
             {"article": "Soin", "quantity": 3, "unit_price": "1001"})
    r = biz.submit(AddPrestation({"client": "Ama"}, lines, "1000", "Flooz", "PR-1",
                                 {"value": "1000", "reason": "ouverture"}), "Awa")
    book = biz.book()
    rows = [ln for ln in book.rows("lines") if ln["prestation_id"] == r["id"]]
    # Coupe 3000 − 300 = 2700; Soin 3003; 1000 spread: 2700/5703 → 473, the last takes 527
    assert [ln["discount"] for ln in rows] == [Decimal(773), Decimal(527)]
    assert [ln["total"] for ln in rows] == [Decimal(2227), Decimal(2476)]
    p = book.find("prestations", r["id"])
    assert p["total"] == sum(ln["total"] for ln in rows) == Decimal(4703)
    pay = next(x for x in book.all_rows("caisse") if x["prestation_id"] == r["id"])
    assert (pay["method"], pay["reference"], pay["check"]) == ("Flooz", "PR-1", "Déclaré")
    data = render.content(book, "prestation", r["id"], "P-1")
    assert data["discount"] == Decimal(1300) and data["total"] == Decimal(4703)
    assert any(j["action"] == "remise" for j in book.all_rows("journal"))


# -- 5. TVA ---------------------------------------------------------------------------------------------------
def test_tva_is_off_by_default(shop):
    biz = shop["biz"]
    r = sale(shop, [(shop["coca"], 1)])
    assert not tax.enabled(biz.book().settings)
    assert biz.book().find("caisse", r["caisse_id"])["tax"] is None
    assert "taxes" not in render.content(biz.book(), "sale", r["caisse_id"], "R-1")


def test_tva_per_rate_on_the_receipt_prices_ttc_and_ht(shop):
    biz = shop["biz"]
    biz.set_settings({"vat_enabled": "Oui", "vat_rate": "18"}, "Awa")
    biz.update("stock", shop["pain"], {"vat_rate": "0"}, "Awa")  # an exempt article
    r = sale(shop, [(shop["coca"], 2), (shop["pain"], 2)])
    row = biz.book().find("caisse", r["caisse_id"])
    assert row["amount"] == Decimal(1500)  # prices entered TTC: the client pays them
    data = render.content(biz.book(), "sale", r["caisse_id"], "R-1")
    assert [(t["rate"], t["ht"], t["tva"], t["ttc"]) for t in data["taxes"]] == \
        [(Decimal(18), Decimal(847), Decimal(153), Decimal(1000)), (Decimal(0), Decimal(500), Decimal(0), Decimal(500))]
    assert row["tax"] == Decimal(153)
    biz.set_setting("vat_prices", "HT", "Awa")  # prices entered HT: the tax is added, the ledger stores TTC
    r = sale(shop, [(shop["coca"], 1)])
    assert biz.book().find("caisse", r["caisse_id"])["amount"] == Decimal(590)
    data = render.content(biz.book(), "sale", r["caisse_id"], "R-2")
    assert data["lines"][0]["total"] == Decimal(590) and data["taxes"][0]["ht"] == Decimal(500)


# -- the workbook: ttr init adds the new columns; Moyen typed by hand ------------------------------------------
NEW_COLUMNS = {"Caisse": ["Référence", "Contrôle", "Remise", "Motif de remise", "TVA"],
               "Lignes": ["Remise", "Motif de remise", "TVA %"], "Stock": ["TVA %"], "Types": ["TVA %"]}


def test_ttr_init_adds_the_new_columns_to_an_older_xlsx_workbook(tmp_path, clock):
    from openpyxl import load_workbook

    from functions.store.xlsx import XlsxBackend

    path = tmp_path / "old.xlsx"
    biz = Business(Workbook(XlsxBackend(str(path))), MemoryStateStore(), clock=clock)
    biz.init({"business_name": "Boutique", "currency": "XOF"})
    wb = load_workbook(path)  # an older workbook: without the columns of issue 20
    for title, headers in NEW_COLUMNS.items():
        ws = wb[title]
        for cell in list(ws[1]):
            if cell.value in headers:
                ws.delete_cols(cell.column)
    wb.save(path)
    biz = Business(Workbook(XlsxBackend(str(path))), MemoryStateStore(), clock=clock)
    report = biz.init()
    assert sorted(report.added_columns) == sorted((t, h) for t, hs in NEW_COLUMNS.items() for h in hs)
    coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500", "vat_rate": "18"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", 5, "Awa")
    r = biz.submit(QuickSale(((coca, 1),), "Flooz", "", "X1"), "Awa")
    assert biz.book().find("caisse", r["caisse_id"])["reference"] == "X1"


def test_moyen_typed_by_hand_is_read_with_its_listed_spelling_or_kept(biz):
    g = biz.workbook.backend.grid("Caisse")
    header = g[0]
    for rid, typed in (("K1", "flooz"), ("K2", "Djamo")):
        row = [None] * len(header)
        row[header.index("ID")], row[header.index("Date")], row[header.index("Type")] = rid, "14/03/2026 10:00", "Revenu"
        row[header.index("Montant")], row[header.index("Moyen")] = 1000, typed
        g.append(row)
    rows = {r.id: r for r in biz.load().rows("caisse")}
    assert (rows["K1"]["method"], rows["K2"]["method"]) == ("Flooz", "Djamo")


def test_period_totals_of_discounts_and_tva_for_the_reports(shop):
    from functions.books import discounts

    biz = shop["biz"]
    biz.set_settings({"vat_enabled": "Oui", "vat_rate": "18"}, "Awa")
    sale(shop, [(shop["coca"], 2)], discount={"value": "100", "reason": "ami"})
    biz.submit(AddPrestation({"client": "Ama"}, ({"article": "Coupe", "quantity": 1, "unit_price": "5900",
                                                  "discount": "10 %"},), discount={"value": "", "reason": "fidèle"}),
               "Awa")
    book = biz.book()
    assert discounts.given(book.all_rows("caisse"), book.rows("lines")) == Decimal(100 + 590)
    rates = tax.collected([r for r in book.all_rows("caisse") if r["type"] == "Vente"], book.rows("lines"), "XOF")
    # the line: 5 310 TTC at 18 % → 4 500 HT + 810; the sale: 900 TTC → 763 HT + 137
    assert [(r.rate, r.ht, r.tva, r.ttc) for r in rates] == [(Decimal(18), Decimal(4500), Decimal(810), Decimal(5310)),
                                                              (None, Decimal(763), Decimal(137), Decimal(900))]


def test_the_pdf_receipt_shows_the_reference_the_discount_and_the_tva(shop):
    import io

    pypdf = pytest.importorskip("pypdf")
    from functions.receipts.pdf import render_pdf

    biz = shop["biz"]
    biz.set_settings({"vat_enabled": "Oui"}, "Awa")
    r = sale(shop, [(shop["coca"], 2)], method="Flooz", reference="PDF1", discount={"value": "10 %", "reason": "ami"})
    data = render.page(render.content(biz.book(), "sale", r["caisse_id"], "R-9"), "https://ttr.example/r/x")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(data, "80mm"))).pages)
    assert "PDF1" in text and "Remise (ami)" in text and "TVA 18 %" in text and "763" in text  # 900 TTC → 763 HT


def test_a_tva_rate_outside_0_to_100_is_refused_at_the_sale_with_what_to_fix(shop):
    biz = shop["biz"]
    biz.set_setting("vat_enabled", "Oui", "Awa")
    biz.update("stock", shop["coca"], {"vat_rate": "180"}, "Awa")
    with pytest.raises(InvalidInputError, match="« Coca » : TVA % de 180, un taux entre 0 et 100"):
        sale(shop, [(shop["coca"], 1)])
