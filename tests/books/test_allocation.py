"""Payments on account: a payment from the client's profile reaches its prestations; the rest is credit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.books import allocation, ledger
from functions.errors import InvalidInputError

D = Decimal


def rows(biz, key):
    return {r.id: r for r in biz.load().all_rows(key)}


@pytest.fixture
def kofi(biz):
    return biz.add("clients", {"name": "Kofi Mensah", "phone": "+22890112233"}, "Awa")["id"]


def test_a_payment_from_the_profile_reaches_the_reservation_list_and_statement(biz, kofi):
    """The quoted case: the client showed 15 000 due while the reservation still showed 25 000."""
    p = biz.add_prestation({"client_id": kofi, "total": "25000"}, "Awa")
    cash_before = ledger.cash_balance(biz.load().all_rows("caisse"))
    biz.record_payment("10000", "Awa", client_id=kofi)
    pres, client = rows(biz, "prestations")[p["id"]], rows(biz, "clients")[kofi]
    assert (pres["paid"], pres["balance"]) == (D(10000), D(15000))
    assert client["balance"] == D(15000)
    allocated = [r for r in rows(biz, "caisse").values() if r["type"] == "Affectation"]
    assert [(r["prestation_id"], r["amount"], r["client_id"]) for r in allocated] == [(p["id"], D(10000), kofi)]
    # an allocation moves nothing in the drawer: the cash grew by the payment only
    assert ledger.cash_balance(biz.load().all_rows("caisse")) == cash_before + D(10000)
    assert allocation.invariant_gaps(biz.load()) == []


def test_oldest_first_then_the_rest_is_credit_used_by_the_next_prestation(biz, kofi, clock):
    from datetime import timedelta

    first = biz.add_prestation({"client_id": kofi, "total": "20000"}, "Awa")
    clock.when += timedelta(hours=1)
    second = biz.add_prestation({"client_id": kofi, "total": "15000"}, "Awa")
    biz.record_payment("30000", "Awa", client_id=kofi)
    ps = rows(biz, "prestations")
    assert (ps[first["id"]]["balance"], ps[second["id"]]["balance"]) == (D(0), D(5000))
    biz.record_payment("8000", "Awa", client_id=kofi)
    ps, client = rows(biz, "prestations"), rows(biz, "clients")[kofi]
    assert ps[second["id"]]["balance"] == D(0) and client["balance"] == D(-3000)
    assert allocation.credit_of(biz.load(), kofi) == D(3000)
    third = biz.add_prestation({"client_id": kofi, "total": "5000"}, "Awa")  # the credit pays it first
    assert rows(biz, "prestations")[third["id"]]["balance"] == D(2000)
    assert allocation.credit_of(biz.load(), kofi) == D(0)
    assert allocation.invariant_gaps(biz.load()) == []


def test_a_picked_prestation_takes_the_payment_whole(biz, kofi, clock):
    from datetime import timedelta

    old = biz.add_prestation({"client_id": kofi, "total": "20000"}, "Awa")
    clock.when += timedelta(hours=1)
    new = biz.add_prestation({"client_id": kofi, "total": "15000"}, "Awa")
    biz.record_payment("15000", "Awa", prestation_id=new["id"])
    ps = rows(biz, "prestations")
    assert (ps[old["id"]]["balance"], ps[new["id"]]["balance"]) == (D(20000), D(0))


def test_cancelling_moves_what_was_paid_to_the_credit_and_it_is_refundable(biz, kofi):
    p = biz.add_prestation({"client_id": kofi, "total": "20000"}, "Awa")
    biz.record_payment("12000", "Awa", client_id=kofi)
    biz.set_status(p["id"], "Annulée", "Awa")
    assert rows(biz, "prestations")[p["id"]]["paid"] == D(0)
    assert allocation.credit_of(biz.load(), kofi) == D(12000)
    assert rows(biz, "clients")[kofi]["balance"] == D(-12000)
    with pytest.raises(InvalidInputError, match="dépasse ce qui a été payé"):
        biz.refund("12001", "Awa", client_id=kofi, reason="Annulation")
    biz.refund("12000", "Awa", client_id=kofi, reason="Annulation")
    assert rows(biz, "clients")[kofi]["balance"] == D(0)
    assert allocation.credit_of(biz.load(), kofi) == D(0)
    assert allocation.invariant_gaps(biz.load()) == []


def test_a_total_lowered_below_what_was_paid_warns_and_leaves_no_negative_balance(biz, kofi):
    """Issue 13: editing a total below what was paid gave a negative balance without a warning."""
    p = biz.add_prestation({"client_id": kofi, "total": "30000"}, "Awa", paid_now="25000")
    result = biz.update("prestations", p["id"], {"total": "20000"}, "Awa")
    assert "inférieur à ce qui a déjà été payé" in result["warning"] and "5000" in result["warning"]
    pres = rows(biz, "prestations")[p["id"]]
    assert (pres["paid"], pres["balance"]) == (D(20000), D(0))
    assert allocation.credit_of(biz.load(), kofi) == D(5000)
    assert rows(biz, "clients")[kofi]["balance"] == D(-5000)
    assert allocation.invariant_gaps(biz.load()) == []


def test_a_payment_on_account_typed_in_the_sheet_is_allocated_at_the_sync(biz, kofi):
    p = biz.add_prestation({"client_id": kofi, "total": "25000"}, "Awa")
    biz.sync()
    person = biz.workbook.backend
    from tests.store.person import MemoryPerson

    MemoryPerson(person).append_row("Caisse", {"Date": "14/03/2026 10:00", "Type": "Encaissement",
                                               "Montant": "10000", "Client ID": kofi, "Moyen": "Espèces"})
    biz.sync()
    assert rows(biz, "prestations")[p["id"]]["balance"] == D(15000)
    assert rows(biz, "clients")[kofi]["balance"] == D(15000)
    writes = biz.workbook.backend.requests["write"]
    biz.sync()  # settled: the next sync has nothing to allocate
    assert biz.workbook.backend.requests["write"] == writes
    assert allocation.invariant_gaps(biz.load()) == []


def test_a_deleted_prestation_gives_its_payments_back_to_the_credit_and_a_restored_one_takes_them(biz, kofi):
    p = biz.add_prestation({"client_id": kofi, "total": "20000"}, "Awa", paid_now="8000")
    biz.delete("prestations", p["id"], "Awa")
    assert allocation.credit_of(biz.load(), kofi) == D(8000)
    assert rows(biz, "clients")[kofi]["balance"] == D(-8000)
    assert allocation.invariant_gaps(biz.load()) == []
    biz.restore("prestations", p["id"], "Awa")
    assert rows(biz, "prestations")[p["id"]]["balance"] == D(12000)
    assert allocation.credit_of(biz.load(), kofi) == D(0)
    assert allocation.invariant_gaps(biz.load()) == []


def test_a_client_refund_beyond_the_credit_is_taken_back_from_the_newest_prestation(biz, kofi, clock):
    from datetime import timedelta

    old = biz.add_prestation({"client_id": kofi, "total": "10000"}, "Awa", paid_now="10000")
    clock.when += timedelta(hours=1)
    new = biz.add_prestation({"client_id": kofi, "total": "10000"}, "Awa", paid_now="10000")
    biz.refund("4000", "Awa", client_id=kofi, reason="Geste")
    ps = rows(biz, "prestations")
    assert (ps[old["id"]]["balance"], ps[new["id"]]["balance"]) == (D(0), D(4000))
    assert allocation.credit_of(biz.load(), kofi) == D(0)
    assert allocation.invariant_gaps(biz.load()) == []


def test_settling_the_clients_a_sync_reaches_allocates_as_settling_every_client(biz, kofi):
    """``settle(also=...)`` (an incremental sync) reads the credit from the clients' own rows: the same rows as
    ``every=True`` for them, while another client's credit and prestations stay out of it."""
    from functions.store.workbook import Change
    from tests.store.person import MemoryPerson

    ama = biz.add("clients", {"name": "Ama"}, "Awa")["id"]
    biz.record_payment("7000", "Awa", client_id=ama)  # Ama's credit: none of it may reach Kofi
    biz.record_payment("10000", "Awa", client_id=kofi)
    mine = biz.add_prestation({"client_id": kofi, "total": "4000"}, "Awa")  # takes 4 000 of Kofi's credit
    biz.sync()
    person = MemoryPerson(biz.workbook.backend)  # typed by hand: nothing allocated to them yet
    book0 = biz.load()
    person.append_row(book0.title("prestations"), {"ID": "PHAND1", "Client ID": kofi, "Montant total": "9000"})
    person.append_row(book0.title("prestations"), {"ID": "PHAND2", "Client ID": ama, "Montant total": "3000"})
    book = biz.load()

    def allocated(change: Change) -> list[tuple[object, ...]]:
        return sorted((v["type"], v["prestation_id"], v["client_id"], v["amount"]) for k, v in change.appends
                      if k == "caisse" and v["client_id"] == kofi)

    reached = allocation.settle(book, Change(), biz.ctx("système"), also={kofi}, system=True)
    every = allocation.settle(book, Change(), biz.ctx("système"), every=True, system=True)
    assert allocated(reached) == allocated(every) == [("Affectation", "PHAND1", kofi, D(6000))]
    assert mine["id"] not in {v["prestation_id"] for _, v in reached.appends}
    assert {v["client_id"] for _, v in reached.appends} == {kofi}
