"""Receipts are documents: frozen when issued, served without reading the workbook, replaced (never changed)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest

from functions.business import Business
from functions.receipts import store
from functions.receipts.entry import create_app
from functions.receipts.hooks import receipt_hook, statement_link
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Workbook
from tests.conftest import Clock
from tests.receipts.conftest import BASE, link_of, rid_of
from tests.receipts.test_pages import fcfa, text_of


@pytest.fixture
def client(rbiz):
    return create_app(lambda: rbiz, {"TTR_PUBLIC_URL": BASE}).test_client()


def page(client, link):
    r = client.get(urlparse(link).path)
    assert r.status_code == 200, r.status_code
    return text_of(r.data)


def person_sets(biz, title, row_id, header, value):
    g = biz.workbook.backend.grid(title)
    row = next(r for r in g[1:] if r and r[0] == row_id)
    row[g[0].index(header)] = value


@pytest.fixture
def reservation(rbiz):
    kofi = rbiz.add("clients", {"name": "Kofi", "phone": "+22890112233"}, "Awa")["id"]
    p = rbiz.add_prestation({"client_id": kofi, "total": "75000"}, "Awa", paid_now="75000")
    return {"kofi": kofi, "id": p["id"]}


def test_a_correction_in_the_sheet_issues_a_new_receipt_and_the_shared_one_keeps_what_was_given(
        rbiz, client, reservation):
    """The quoted case: after a correction, the shared « Copie authentique » showed 90 000 instead of 75 000."""
    shared = link_of(rbiz, "prestations", reservation["id"])
    number = store.find(rbiz.state, rid_of(shared)).number
    rbiz.sync()
    person_sets(rbiz, "Réservations", reservation["id"], "Montant total", 90000)  # the owner corrects the total
    rbiz.sync()
    new = link_of(rbiz, "prestations", reservation["id"])
    assert new != shared
    replacement = store.find(rbiz.state, rid_of(new))
    assert replacement.number != number and replacement.number > number
    old = page(client, shared)
    assert f"Total {fcfa('75 000')}" in old and fcfa("90 000") not in old and number in old
    assert f"Ce reçu a été remplacé par le reçu {replacement.number} du 14/03/2026" in old
    assert f'href="{new}"' in client.get(urlparse(shared).path).data.decode()
    now = page(client, new)
    assert f"Total {fcfa('90 000')}" in now and f"Reste à payer {fcfa('15 000')}" in now and "remplacé" not in now


def test_the_frozen_receipt_is_served_by_a_workbook_that_cannot_be_read(rbiz, client, reservation, monkeypatch):
    link = link_of(rbiz, "prestations", reservation["id"])
    receipt = store.find(rbiz.state, rid_of(link))
    assert receipt.content is not None and len(receipt.digest) == 64

    def no_reads(*args, **kwargs):
        raise AssertionError("a receipt page read the workbook")

    monkeypatch.setattr(rbiz.workbook.backend, "read", no_reads)
    monkeypatch.setattr(rbiz.workbook.backend, "read_tabs", no_reads, raising=False)
    monkeypatch.setattr(rbiz.workbook, "load", no_reads)
    t = page(client, link)
    assert f"Total {fcfa('75 000')}" in t and "Kofi" in t and receipt.number in t
    assert client.get(urlparse(link).path + ".pdf").status_code == 200


def test_a_refund_issues_a_new_prestation_receipt_and_the_payment_receipt_stays(rbiz, client, reservation):
    before = link_of(rbiz, "prestations", reservation["id"])
    payment = next(r for r in rbiz.load().all_rows("caisse") if r["type"] == "Encaissement")
    pay_link = payment["receipt"]
    rbiz.refund("5000", "Awa", prestation_id=reservation["id"], reason="Geste commercial")
    after = link_of(rbiz, "prestations", reservation["id"])
    assert after != before and "Ce reçu a été remplacé" in page(client, before)
    assert f"Payé {fcfa('70 000')}" in page(client, after)
    assert link_of(rbiz, "caisse", payment.id) == pay_link and "remplacé" not in page(client, pay_link)


def test_the_statement_is_the_live_view_and_says_so(rbiz, client, reservation):
    url = statement_link(rbiz, reservation["kofi"], BASE)
    assert "Relevé en direct" in page(client, url)
    rbiz.record_payment("10000", "Awa", client_id=reservation["kofi"])
    t = page(client, url)
    assert "Avoir du client" in t and fcfa("10 000") in t


def test_receipt_lines_round_half_up_like_the_ledger(rbiz, client):
    """0,5 × 25 FCFA showed 12 on the receipt (half-even) while the ledger said 13."""
    kofi = rbiz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    p = rbiz.add_prestation({"client_id": kofi}, "Awa", lines=[{"article": "Piment", "quantity": "0.5",
                                                                  "unit_price": "25"}])
    assert rbiz.load().find("prestations", p["id"])["total"] == 13
    t = page(client, link_of(rbiz, "prestations", p["id"]))
    assert f"Piment 0,5 {fcfa('25')} {fcfa('13')}" in t and f"Total {fcfa('13')}" in t


@pytest.mark.parametrize("kind", ["memory", "xlsx", "gsheets"])
def test_what_the_backend_reads_back_issues_no_new_receipt(kind, tmp_path, monkeypatch):
    """The frozen content is compared with what a later read says: a sync after the actions changes nothing."""
    monkeypatch.setenv("TTR_PUBLIC_URL", BASE)
    module = importlib.import_module(f"tests.store.factory_{kind}")
    with module.make(tmp_path) as (backend, _person):
        biz = Business(Workbook(backend), MemoryStateStore(), clock=Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC)))
        biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
        biz.change_hooks.append(receipt_hook(BASE))
        kofi = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
        p = biz.add_prestation({"client_id": kofi, "type": "Chambre", "start": "14/03/2026", "end": "15/03/2026"},
                               "Awa", lines=[{"article": "Nuit", "quantity": "1.5", "unit_price": "25001"}],
                               paid_now="10000")
        biz.record_payment("5000", "Awa", prestation_id=p["id"])
        biz.record_payment("7000", "Awa", client_id=kofi)
        receipts = len(biz.state.list(store.RECEIPTS))
        biz.sync()
        assert len(biz.state.list(store.RECEIPTS)) == receipts
        links = {r.id: r["receipt"] for r in biz.load().all_rows("caisse")}
        person_edit = biz.load().find("prestations", p["id"])
        biz.set_status(person_edit.id, "Confirmée", "Awa")  # a change: the prestation's receipt only
        biz.sync()
        assert len(biz.state.list(store.RECEIPTS)) == receipts + 1
        assert {r.id: r["receipt"] for r in biz.load().all_rows("caisse")} == links


def test_one_address_gets_a_bounded_number_of_pages_a_minute(rbiz, reservation):
    """Issue 13: a bot fetching shared links must not spend what sales need; other addresses go on."""
    app = create_app(lambda: rbiz, {"TTR_PUBLIC_URL": BASE, "TTR_TRUSTED_PROXIES": "1"})
    app.config["TTR_RECEIPT_RATE"] = (5, 60.0)
    client = app.test_client()
    path = urlparse(link_of(rbiz, "prestations", reservation["id"])).path
    bot = {"X-Forwarded-For": "198.51.100.7"}
    assert [client.get(path, headers=bot).status_code for _ in range(5)] == [200] * 5
    refused = client.get(path, headers=bot)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Trop de demandes" in refused.data.decode()
    assert client.get("/r/" + store.new_id(), headers=bot).status_code == 429  # unknown ids count too
    assert client.get(path, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200


def test_the_pdf_of_a_replaced_receipt_says_so(rbiz, client, reservation, monkeypatch):
    from functions.receipts import pdf

    said: list[str] = []
    para = pdf._Writer.para
    monkeypatch.setattr(pdf._Writer, "para", lambda self, value, *a, **k: (said.append(str(value)),
                                                                          para(self, value, *a, **k))[1])
    shared = link_of(rbiz, "prestations", reservation["id"])
    rbiz.refund("5000", "Awa", prestation_id=reservation["id"], reason="Geste")
    replacement = store.find(rbiz.state, rid_of(link_of(rbiz, "prestations", reservation["id"])))
    r = client.get(urlparse(shared).path + ".pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert any(f"remplacé par le reçu {replacement.number}" in line for line in said), said[:3]


def test_an_altered_frozen_receipt_is_not_shown_and_an_old_unfrozen_one_is_the_live_view(rbiz, client, reservation):
    link = link_of(rbiz, "prestations", reservation["id"])
    rid = rid_of(link)
    doc = rbiz.state.get(store.RECEIPTS, rid)
    doc["content"]["total"] = {"$d": "1"}  # someone edits the state store
    rbiz.state.put(store.RECEIPTS, rid, doc)
    assert client.get(urlparse(link).path).status_code == 404
    payment = next(r.id for r in rbiz.load().all_rows("caisse") if r["type"] == "Encaissement")
    legacy = store.Receipt(store.new_id(), "payment", "caisse", payment, "R-2025-00007", "2025-12-01T10:00:00")
    rbiz.state.put(store.RECEIPTS, legacy.id, legacy.doc())  # issued before receipts were frozen: no content
    assert "content" not in rbiz.state.get(store.RECEIPTS, legacy.id)
    t = page(client, store.link(BASE, legacy.id))
    assert f"Montant reçu {fcfa('75 000')}" in t and "R-2025-00007" in t


def test_a_payment_on_account_receipt_says_where_it_went_and_what_stays_as_credit(rbiz, client):
    kofi = rbiz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    p = rbiz.add_prestation({"client_id": kofi, "total": "25000"}, "Awa")
    number = rbiz.load().find("prestations", p["id"])["number"]
    rid = rbiz.record_payment("30000", "Awa", client_id=kofi)["caisse_id"]
    t = page(client, link_of(rbiz, "caisse", rid))
    assert "Paiement sur compte" in t and f"Montant reçu {fcfa('30 000')}" in t
    assert f"Réservation N° {number} {fcfa('25 000')}" in t and f"Reste en avoir du client {fcfa('5 000')}" in t
