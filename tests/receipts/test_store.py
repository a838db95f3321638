"""Receipt ids, numbers and revocation in the state store."""

from __future__ import annotations

from datetime import datetime

import pytest

from functions.errors import InvalidInputError, NotFoundError
from functions.receipts import store
from functions.state.memory import MemoryStateStore

NOW = datetime(2026, 3, 14, 9, 30)


def test_100_000_ids_without_collision_and_at_least_128_bits():
    ids = {store.new_id() for _ in range(100_000)}
    assert len(ids) == 100_000
    assert all(store.valid_id(i) and len(i) == 24 for i in ids)
    assert store.ID_BYTES * 8 >= 128


def test_numbers_are_unique_increasing_and_never_reused():
    state = MemoryStateStore()
    a = store.allocate(state, "payment", "caisse", "KAAAAAAA", NOW)
    b = store.allocate(state, "sale", "caisse", "KBBBBBBB", NOW)
    assert (a.number, b.number) == ("R-2026-00001", "R-2026-00002")
    assert store.allocate(state, "payment", "caisse", "KAAAAAAA", NOW) == a  # one live receipt per row
    store.revoke(state, a.id)
    c = store.allocate(state, "payment", "caisse", "KAAAAAAA", datetime(2027, 1, 2))
    assert c.id != a.id and c.number == "R-2027-00003"
    assert store.for_row(state, "caisse", "KAAAAAAA") == c


def test_revoking_one_receipt_leaves_the_others():
    state = MemoryStateStore()
    a = store.allocate(state, "payment", "caisse", "KAAAAAAA", NOW)
    b = store.allocate(state, "payment", "caisse", "KBBBBBBB", NOW)
    store.revoke(state, a.id)
    assert store.find(state, a.id) is None and store.find(state, b.id) == b
    with pytest.raises(NotFoundError):
        store.revoke(state, a.id)


@pytest.mark.parametrize("bad", ["", "abc", "../../etc", "A" * 65, "é" * 24, "x y" * 10, "A" * 23 + "/"])
def test_malformed_ids_are_simply_unknown(bad):
    assert store.find(MemoryStateStore(), bad) is None


def test_allocation_checks_its_input():
    state = MemoryStateStore()
    with pytest.raises(InvalidInputError):
        store.allocate(state, "gift", "caisse", "KAAAAAAA", NOW)
    with pytest.raises(InvalidInputError, match="ttr sync"):
        store.allocate(state, "payment", "caisse", "", NOW)
    assert state.list(store.RECEIPTS) == [] and state.get("counters", "receipt") is None


def test_a_lost_race_hands_back_the_winners_receipt():
    state = MemoryStateStore()
    winner = store.Receipt(store.new_id(), "payment", "caisse", "KAAAAAAA", "R-2026-00009")
    real_create = state.create

    def create(collection, key, value, ttl_seconds=None):
        if collection == store.ROWS and state.get(store.RECEIPTS, winner.id) is None:
            real_create(store.RECEIPTS, winner.id, winner.doc())  # another instance got there first
            real_create(store.ROWS, key, {"id": winner.id})
        return real_create(collection, key, value, ttl_seconds)

    state.create = create
    got = store.allocate(state, "payment", "caisse", "KAAAAAAA", NOW)
    assert got.id == winner.id
    assert [k for k, _ in state.list(store.RECEIPTS)] == [winner.id]  # the loser's record is gone


def test_public_url_comes_from_the_environment(monkeypatch):
    assert store.public_url({}) == "http://127.0.0.1:8080"
    assert store.public_url({"TTR_PUBLIC_URL": "https://x.example/"}) == "https://x.example"
    monkeypatch.setenv("TTR_PUBLIC_URL", "https://y.example")
    assert store.public_url() == "https://y.example"


@pytest.mark.parametrize("count", [3, 25])  # one get per row, or one list of the index
def test_receipts_of_many_rows(count):
    state = MemoryStateStore()
    rows = [f"K{n:07d}" for n in range(count)]
    made = {r: store.allocate(state, "payment", "caisse", r, NOW) for r in rows}
    store.allocate(state, "prestation", "prestations", rows[0], NOW)  # same id, another tab
    store.revoke(state, made[rows[1]].id)
    found = store.for_rows(state, "caisse", rows + ["KUNKNOWN"])
    assert found == {r: made[r] for r in rows if r != rows[1]}
