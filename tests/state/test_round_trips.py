"""An action costs at most four state store round trips (issue 15, item 2), with the same results as before.

Counted at the store's interface (``bench.measure.CountingState``, each call a round trip on Firestore): the
lock taken with what the action reads, the receipts' index, one batch before the workbook write (pending
marks, receipts, numbers) and one after it (head, Journal log, patch, idempotency result, the lock's release).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from bench.measure import CountingState
from functions.audit import snapshot
from functions.business import Business
from functions.errors import ConflictError
from functions.receipts import store as receipts
from functions.receipts.hooks import receipt_hook
from functions.state.base import StateStore
from functions.state.firestore import FirestoreStateStore
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook

BASE = "http://test.invalid"
MOST = 4


def _business(inner: StateStore) -> tuple[Business, CountingState]:
    state = CountingState(inner)
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    biz = Business(Workbook(MemoryBackend()), state, clock=lambda: when, editor=lambda: "Awa")
    biz.change_hooks.append(receipt_hook(BASE))
    biz.init({"business_name": "Chez Awa", "currency": "XOF"})
    biz.sync()
    return biz, state


def _calls(state: CountingState, fn: Any) -> tuple[int, Any]:
    before, state.by_name = state.calls, {}
    result = fn()
    return state.calls - before, result


def _day(inner: StateStore) -> None:
    biz, state = _business(inner)
    kofi = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")
    coca = biz.load(["stock"]).all_rows("stock")[0].id
    biz.stock_adjust(coca, "Entrée", "50", "Awa")
    first = biz.add_prestation({"client_id": kofi, "total": "20000"}, "Awa", paid_now="5000")
    second = biz.add_prestation({"client_id": kofi, "total": "3000"}, "Awa")
    assert receipts.for_row(inner, "prestations", first["id"]) is not None  # it has a receipt to replace

    measured = {
        "add_client": lambda: biz.add("clients", {"name": "Ama"}, "Awa"),
        "payment": lambda: biz.record_payment("5000", "Awa", prestation_id=first["id"]),
        "payment_first": lambda: biz.record_payment("1000", "Awa", prestation_id=second["id"]),
        "quick_sale": lambda: biz.quick_sale([(coca, 2)], "Awa"),
        "status_change": lambda: biz.set_status(first["id"], "Effectuée", "Awa"),
        "expense": lambda: biz.expense("1500", "Transport", "Awa"),
        "payment_with_key": lambda: biz.record_payment("500", "Awa", prestation_id=first["id"],
                                                       idempotency_key="tap-0001-abcd"),
    }
    counts = {}
    for name, fn in measured.items():
        counts[name], _ = _calls(state, fn)
    keyed = counts.pop("payment_with_key")
    assert all(n <= MOST for n in counts.values()), counts
    # With an idempotency key too: Firestore reads it with the action's first read (a free lock is one write
    # there), the receipts' index; SQLite with the lock.
    on_firestore = isinstance(getattr(inner, "inner", inner), FirestoreStateStore)  # a workspace's namespace too
    assert keyed <= MOST, keyed
    replayed, again = _calls(state, lambda: biz.record_payment("500", "Awa", prestation_id=first["id"],
                                                               idempotency_key="tap-0001-abcd"))
    # the lock with the key's document (on Firestore: the lock, then the document), then its release
    assert again["replayed"] and replayed <= 2 + on_firestore
    with pytest.raises(ConflictError):
        biz.record_payment("700", "Awa", prestation_id=first["id"], idempotency_key="tap-0001-abcd")

    # The same results as one call each: balances, the chain, receipts that replace and are replaced.
    book = biz.load()
    assert book.find("prestations", first["id"])["paid"] == Decimal(10500)
    assert book.find("prestations", second["id"])["paid"] == Decimal(1000)
    assert biz.verify_journal().ok
    live = receipts.for_row(inner, "prestations", first["id"])
    assert live is not None and book.find("prestations", first["id"])["receipt"].endswith(live.id)
    numbers = sorted(int(d["number"].rsplit("-", 1)[1]) for _, d in inner.list(receipts.RECEIPTS))
    assert numbers == list(range(1, len(numbers) + 1))  # unique, in order, none skipped
    found = [receipts.find(inner, rid) for rid, _ in inner.list(receipts.RECEIPTS)]
    replaced = [r for r in found if r is not None and r.replaced_by]
    assert replaced and all(receipts.find(inner, r.replaced_by) is not None for r in replaced)  # the old page says
    assert live.id not in {r.replaced_by for r in found if r is not None and r.id == live.id}
    assert [n for n, _ in inner.list("snapshot_patch")] == sorted(n for n, _ in inner.list("snapshot_patch"))
    head = biz.load(["journal"]).all_rows("journal")
    logged = snapshot.journal_rows(inner, 0, len(head))
    assert [r[7] for r in logged] == [r["hash"] for r in head]  # the Journal log has every row, in order
    report = biz.sync()  # the patches said what the actions wrote: nothing is taken for a person's edit
    assert report.journal_rows == 0 and not report.errors, report.lines()


def test_each_action_costs_at_most_four_round_trips_on_sqlite_and_firestore(make_store):
    _day(make_store())


def test_each_action_costs_at_most_four_round_trips_on_the_memory_store():
    _day(MemoryStateStore())


class _DiesAfterTheWrite(CountingState):
    """A store whose process dies once the workbook write is done: the batch after it never lands."""

    def __init__(self, inner: StateStore) -> None:
        super().__init__(inner)
        self.armed = False
        self.batches = 0

    def apply_batch(self, ops: Any) -> dict[str, tuple[int, Any]]:
        self.batches += 1
        if self.armed and self.batches > 1:
            raise KeyboardInterrupt("killed")
        return super().apply_batch(ops)


def test_a_process_killed_between_the_two_batches_is_detected_and_the_chain_goes_on(make_store):
    inner = make_store()
    state = _DiesAfterTheWrite(inner)
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    biz = Business(Workbook(MemoryBackend()), state, clock=lambda: when, editor=lambda: "Awa")
    biz.init({"business_name": "Chez Awa"})
    biz.sync()
    biz.expense("1000", "Transport", "Awa")
    state.armed, state.batches = True, 0
    with pytest.raises(KeyboardInterrupt):
        biz.expense("2000", "Transport", "Awa", idempotency_key="tap-0002-abcd")
    state.armed = False
    assert inner.get("journal", "pending") is not None  # written before the workbook write
    assert inner.get("idempotency", next(k for k, _ in inner.list("idempotency")))["pending"]
    with pytest.raises(ConflictError):  # the retry is refused, not doubled
        biz.expense("2000", "Transport", "Awa", idempotency_key="tap-0002-abcd")
    biz.expense("3000", "Transport", "Awa")  # the next commit learns the write landed
    assert inner.get("journal", "pending") is None
    rows = biz.load(["caisse"]).all_rows("caisse")
    assert sorted(r["amount"] for r in rows) == [Decimal(1000), Decimal(2000), Decimal(3000)]
    assert biz.verify_journal().ok


def test_nothing_is_written_when_an_action_fails_before_its_write(make_store):
    inner = make_store()
    biz, state = _business(inner)
    before = {c: inner.list(c) for c in ("receipts", "receipt_rows", "snapshot_patch", "idempotency")}
    with pytest.raises(Exception):  # noqa: B017 - any refusal: an unknown prestation
        biz.record_payment("1000", "Awa", prestation_id="P-unknown", idempotency_key="tap-0003-abcd")
    assert {c: inner.list(c) for c in before} == before
    assert biz.add("clients", {"name": "Ama"}, "Awa")["id"]  # and the lock was given back


@pytest.mark.emulator
def test_on_firestore_each_action_is_at_most_four_requests(firestore_client, monkeypatch):
    """The requests themselves, counted at the Firestore client's API (reads and commits), not the calls."""
    import uuid

    api = firestore_client._firestore_api
    sent: list[str] = []
    def counting(name: str) -> Any:
        call = getattr(api, name)

        def counted(*a: Any, **kw: Any) -> Any:
            sent.append(name)
            return call(*a, **kw)

        return counted

    for name in ("batch_get_documents", "commit", "run_query", "begin_transaction", "list_documents"):
        monkeypatch.setattr(api, name, counting(name))
    store = FirestoreStateStore(client=firestore_client, prefix="t" + uuid.uuid4().hex[:16])
    biz, _ = _business(store)
    kofi = biz.add("clients", {"name": "Kofi"}, "Awa")["id"]
    biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")
    coca = biz.load(["stock"]).all_rows("stock")[0].id
    biz.stock_adjust(coca, "Entrée", "50", "Awa")
    first = biz.add_prestation({"client_id": kofi, "total": "20000"}, "Awa", paid_now="5000")["id"]
    counts = {}
    for name, fn in {
        "add_client": lambda: biz.add("clients", {"name": "Ama"}, "Awa"),
        "payment": lambda: biz.record_payment("5000", "Awa", prestation_id=first),
        "quick_sale": lambda: biz.quick_sale([(coca, 2)], "Awa"),
        "status_change": lambda: biz.set_status(first, "Effectuée", "Awa"),
        "expense": lambda: biz.expense("1500", "Transport", "Awa", idempotency_key="tap-0004-abcd"),
        "payment_from_the_web": lambda: biz.record_payment("1000", "Awa", prestation_id=first,
                                                           idempotency_key="tap-0005-abcd"),
    }.items():
        sent.clear()
        fn()
        counts[name] = len(sent)
    assert all(n <= MOST for n in counts.values()), counts
    assert biz.verify_journal().ok


def test_each_action_costs_at_most_four_round_trips_in_a_workspace_namespace(make_store):
    from functions.accounts.workspaces import PrefixedStateStore

    _day(PrefixedStateStore(make_store(), "W0000001:"))


def test_a_key_done_before_answers_its_first_result_even_when_the_action_could_not_be_done_now(make_store):
    """A phone that resends its last sale after it sold the last bottle gets that sale back, not « stock
    insuffisant » (the key is read after the change is computed on Firestore, with the lock on SQLite)."""
    biz, _ = _business(make_store())
    coca = biz.add("stock", {"article": "Coca", "for_sale": "Oui", "sale_price": "500"}, "Awa")["id"]
    biz.stock_adjust(coca, "Entrée", "2", "Awa")
    first = biz.quick_sale([(coca, 2)], "Awa", idempotency_key="vente-0001-abcd")
    again = biz.quick_sale([(coca, 2)], "Awa", idempotency_key="vente-0001-abcd")
    assert again["replayed"] and again["caisse_id"] == first["caisse_id"]
    assert len(biz.load(["caisse"]).rows("caisse")) == 1
    with pytest.raises(ConflictError):
        biz.quick_sale([(coca, 1)], "Awa", idempotency_key="vente-0001-abcd")
