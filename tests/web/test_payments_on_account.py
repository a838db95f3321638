"""The client profile: a payment on account reaches the prestations, a picked one takes it whole, the credit
(avoir) is shown and refundable, and the prestation page and the statement say the same."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape

from tests.web import test_sales as base
from tests.web.conftest import csrf_of
from tests.web.test_sales import idem_of, page

hotel = base.hotel  # the fixture
NB = "\u00a0"


def fcfa(n: str) -> str:
    return n.replace(" ", NB) + NB + "FCFA"


def reservation(hotel, total, start):
    return hotel.biz.add_prestation({"client_id": hotel.client_id, "start": start, "total": total, "type": "Suite"},
                                    "Awa")["id"]


def pay(client, hotel, **fields):
    html = page(client, f"/clients/{hotel.client_id}")
    form = {"csrf": csrf_of(html), "idem": idem_of(html), "method": "Espèces", **fields}
    r = client.post(f"/clients/{hotel.client_id}/paiement", data=form)
    assert r.status_code == 303, unescape(r.get_data(as_text=True))[:400]


def test_a_payment_from_the_profile_shows_on_the_reservation_the_list_and_the_profile(hotel):
    pid = reservation(hotel, "25000", date(2026, 3, 10))
    client = hotel.login_admin()
    pay(client, hotel, amount="10000")
    detail = unescape(page(client, f"/prestations/{pid}"))
    assert fcfa("15 000") in detail and fcfa("25 000") in detail.split("Payé")[0] + detail
    listed = unescape(page(client, "/prestations"))
    row = listed[listed.index(f"/prestations/{pid}"):][:600]
    assert fcfa("15 000") in row
    profile = unescape(page(client, f"/clients/{hotel.client_id}"))
    assert f'id="solde-client">{fcfa("15 000")}' in profile


def test_a_picked_prestation_takes_the_payment_and_the_rest_is_credit_shown_and_refunded(hotel):
    old = reservation(hotel, "20000", date(2026, 3, 1))
    hotel.advance(hours=1)
    new = reservation(hotel, "15000", date(2026, 3, 5))
    client = hotel.login_admin()
    pay(client, hotel, amount="15000", prestation=new)
    ps = {p.id: p for p in hotel.rows("prestations")}
    assert (ps[old]["balance"], ps[new]["balance"]) == (Decimal(20000), Decimal(0))
    pay(client, hotel, amount="26000")  # automatic: the oldest unpaid first, the rest is credit
    ps = {p.id: p for p in hotel.rows("prestations")}
    assert ps[old]["balance"] == Decimal(0)
    profile = unescape(page(client, f"/clients/{hotel.client_id}"))
    assert f'id="avoir">{fcfa("6 000")}' in profile and "Rembourser l'avoir" in profile
    r = client.post(f"/clients/{hotel.client_id}/remboursement", data={
        "csrf": csrf_of(profile), "idem": profile.split('name="idem" value="')[2].split('"')[0], "amount": "6000",
        "method": "Espèces", "reason": "Remboursement de l'avoir"})
    assert r.status_code == 303
    assert 'id="avoir"' not in page(client, f"/clients/{hotel.client_id}")


def test_a_prestation_of_another_client_cannot_be_picked(hotel):
    other = hotel.biz.add("clients", {"name": "Ama"}, "Awa")["id"]
    theirs = hotel.biz.add_prestation({"client_id": other, "total": "5000"}, "Awa")["id"]
    client = hotel.login_admin()
    html = page(client, f"/clients/{hotel.client_id}")
    r = client.post(f"/clients/{hotel.client_id}/paiement", data={
        "csrf": csrf_of(html), "idem": idem_of(html), "amount": "5000", "method": "Espèces", "prestation": theirs})
    assert r.status_code == 404
    assert [p["balance"] for p in hotel.rows("prestations") if p.id == theirs] == [Decimal(5000)]


def test_the_statement_shows_the_same_allocation(hotel):
    pid = reservation(hotel, "25000", date(2026, 3, 10))
    client = hotel.login_admin()
    pay(client, hotel, amount="10000")
    from functions.receipts.render import content
    from functions.receipts.render import page as full
    from functions.receipts.web import render_page

    data = content(hotel.biz.load(), "statement", hotel.client_id, "R-2026-00099", hotel.biz.now())
    statement = unescape(render_page(full(data, "https://recus.example.test/r/" + "x" * 24)))
    number = next(p["number"] for p in hotel.rows("prestations") if p.id == pid)
    assert "Affectation" in statement and f"N° {number}" in statement
    assert fcfa("15 000") in statement.split(number, 1)[1][:400]


def test_a_total_lowered_below_what_was_paid_is_said_on_the_page(hotel):
    """Issue 13: it gave a negative balance without a word; now a warning, and the difference becomes credit."""
    pid = reservation(hotel, "30000", date(2026, 3, 14))
    hotel.biz.record_payment("25000", "Awa", prestation_id=pid)
    client = hotel.login_admin()
    html = page(client, f"/prestations/{pid}/modifier")
    form = {"csrf": csrf_of(html), "client_id": hotel.client_id, "client_name": "Kodjo Mensah", "type": "Suite",
            "start": "2026-03-14", "end": "2026-03-15", "status": "Confirmée", "total": "20000", "notes": ""}
    r = client.post(f"/prestations/{pid}/modifier", data=form)
    body = unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and 'class="notice"' in body and "inférieur à ce qui a déjà été payé" in body
    p = next(x for x in hotel.rows("prestations") if x.id == pid)
    assert (p["total"], p["balance"]) == (Decimal(20000), Decimal(0))
    profile = unescape(page(client, f"/clients/{hotel.client_id}"))
    assert f'id="avoir">{fcfa("5 000")}' in profile
