"""The batching half of the state store contract (``get_many``, ``locked``, ``apply_batch``), on SQLite and on
the Firestore emulator: several documents in one call, all-or-nothing batches, numbers by compare-and-set, the
lock given back with a batch."""

from __future__ import annotations

from typing import Any

import pytest

from functions.errors import ConflictError, InvalidInputError, StateError
from functions.state.base import BatchConflict, Create, Delete, Put, Release, Reserve, StateStore
from functions.state.memory import MemoryStateStore
from functions.state.session import Session, action, current
from tests.state.conftest import FakeClock, StoreFactory


def test_get_many_answers_in_order_with_none_for_absent_and_expired(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock=clock)
    store.put("c", "a", {"n": 1})
    store.put("c", "b", {"n": 2}, ttl_seconds=5)
    store.put("d", "a", {"n": 3})
    assert store.get_many([("d", "a"), ("c", "x"), ("c", "a"), ("c", "b"), ("c", "a")]) == [
        {"n": 3}, None, {"n": 1}, {"n": 2}, {"n": 1}]
    clock.advance(6)
    assert store.get_many([("c", "b"), ("c", "a")]) == [None, {"n": 1}]
    assert store.get_many([]) == []
    with pytest.raises(InvalidInputError):
        store.get_many([("c", "bad key")])


def test_a_batch_applies_all_its_ops_or_none(state_store: StateStore) -> None:
    state_store.put("c", "kept", {"v": 1})
    state_store.put("c", "taken", {"v": 0})
    state_store.apply_batch([Put("c", "new", {"v": 2}), Delete("c", "kept"), Create("c", "fresh", {"v": 3})])
    assert state_store.get_many([("c", "new"), ("c", "kept"), ("c", "fresh")]) == [{"v": 2}, None, {"v": 3}]
    with pytest.raises(BatchConflict):  # the Create of a live key fails the batch: the Put before it is undone
        state_store.apply_batch([Put("c", "other", {"v": 4}), Create("c", "taken", {"v": 5})])
    assert state_store.get("c", "other") is None and state_store.get("c", "taken") == {"v": 0}
    assert isinstance(BatchConflict(), ConflictError)


def test_numbers_read_with_the_lock_are_reserved_only_if_nobody_took_one_meanwhile(make_store: StoreFactory) -> None:
    store, other = make_store(), make_store()
    assert store.next_number("receipt", 3) == 1
    with store.locked("w", 5, 5, docs=[("c", "a")], counters=["receipt", "fresh"]) as held:
        store.put("c", "b", {"v": 0})
        assert store.read_held(held, [("c", "b")]) == [{"v": 0}]  # what the lock left unread, with more
        assert held.docs == {("c", "a"): None} and not held.unread and not held.unread_counters
        seen, version = held.counters["receipt"]
        assert seen == 3 and held.counters["fresh"][0] == 0
        moved = store.apply_batch([Reserve("receipt", seen, 2, version), Reserve("fresh", 0, 1, None)])
        assert moved["receipt"][0] == 5 and moved["fresh"][0] == 1
        assert other.next_number("receipt") == 6  # after the reserved ones, never one of them
        with pytest.raises(BatchConflict):  # the counter moved since it was read: nothing is written
            store.apply_batch([Put("c", "a", {"v": 1}), Reserve("receipt", *moved["receipt"][:1], 1,
                                                                moved["receipt"][1])])
        assert store.get("c", "a") is None
    assert other.next_number("receipt") == 7 and other.next_number("fresh") == 2


def test_a_batch_gives_the_lock_back_once(make_store: StoreFactory) -> None:
    store, other = make_store(), make_store()
    with store.locked("w", 5, 5) as held:
        with pytest.raises(StateError):
            with other.lock("w", 5, 0.2):
                pass
        store.apply_batch([Put("c", "a", {"v": 1}), Release(held)])
        assert held.released
        with other.lock("w", 5, 1):  # free at once: the batch gave it back
            pass
    assert store.get("c", "a") == {"v": 1}
    with other.lock("w", 5, 1):  # and leaving the block did not take it from anyone
        pass


def test_a_lease_taken_over_after_it_expired_is_left_to_its_new_holder(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store, other = make_store(clock=clock), make_store(clock=clock)
    with store.locked("w", 5, 5) as held:
        assert held.stop is not None
        held.stop()  # this holder stalls: no renewal
        clock.advance(10)
        with other.locked("w", 5, 1):  # the lease expired: another takes it
            store.apply_batch([Put("c", "late", {"v": 1}), Release(held)])  # the writes land, the lock stays
            assert store.get("c", "late") == {"v": 1} and not held.released
            with pytest.raises(StateError):
                with make_store(clock=clock).lock("w", 5, 0.2):
                    pass


def test_a_session_reads_once_writes_at_flush_and_sees_its_own_writes(make_store: StoreFactory) -> None:
    store = make_store()
    store.put("c", "a", {"v": 1})
    with action(store, "w", 5, 5, docs=[("c", "a")], counters=["n"]) as session:
        assert current(store) is session and isinstance(session, Session)
        assert session.get("c", "a") == {"v": 1}
        session.put("c", "b", {"v": 2})
        assert session.update("c", "a", lambda d: {"v": (d or {})["v"] + 10}) == {"v": 11}
        assert session.create("c", "a", {"v": 0}) is False  # known to exist
        assert [session.next_number("n"), session.next_number("n", 2)] == [1, 2]
        assert [k for k, _ in session.list("c")] == ["a", "b"]
        assert store.get("c", "b") is None and store.get("c", "a") == {"v": 1}  # staged, not written
        session.flush()
        assert store.get_many([("c", "a"), ("c", "b")]) == [{"v": 11}, {"v": 2}]
        assert session.next_number("n") == 4  # after a flush, from the reserved ones on
    assert current(store) is store
    assert store.next_number("n") == 5
    with store.lock("w", 5, 1):  # given back with the last batch
        pass


def test_a_session_that_fails_before_any_flush_writes_nothing(make_store: StoreFactory) -> None:
    store = make_store()
    with pytest.raises(RuntimeError), action(store, "w", 5, 5, counters=["n"]) as session:
        session.put("c", "a", {"v": 1})
        session.next_number("n")
        raise RuntimeError("refused")
    assert store.get("c", "a") is None and store.next_number("n") == 1
    with store.lock("w", 5, 1):
        pass


class _OneCallEach(StateStore):
    """A wrapper that forwards only the one-call methods (a test double, a store written before batching)."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner

    def get(self, c: str, k: str) -> Any:
        return self.inner.get(c, k)

    def put(self, c: str, k: str, v: Any, ttl_seconds: float | None = None) -> None:
        self.inner.put(c, k, v, ttl_seconds)

    def create(self, c: str, k: str, v: Any, ttl_seconds: float | None = None) -> bool:
        return self.inner.create(c, k, v, ttl_seconds)

    def delete(self, c: str, k: str) -> None:
        self.inner.delete(c, k)

    def update(self, c: str, k: str, fn: Any) -> Any:
        return self.inner.update(c, k, fn)

    def list(self, c: str, prefix: str = "") -> Any:
        return self.inner.list(c, prefix)

    def next_number(self, counter: str, count: int = 1) -> int:
        return self.inner.next_number(counter, count)

    def hit(self, key: str, window_seconds: float) -> int:
        return self.inner.hit(key, window_seconds)

    def lock(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30) -> Any:
        return self.inner.lock(name, ttl_seconds, timeout_seconds)

    def put_blob(self, key: str, data: bytes) -> None:
        self.inner.put_blob(key, data)

    def get_blob(self, key: str) -> bytes | None:
        return self.inner.get_blob(key)


def test_the_defaults_keep_a_store_that_does_not_batch_working() -> None:
    store = _OneCallEach(MemoryStateStore())
    with action(store, "w", 5, 5, docs=[("c", "a")], counters=["n"]) as session:
        session.put("c", "a", {"v": 1})
        assert session.next_number("n") == 1  # no counter read with the lock here: a number each
        assert session.get("c", "a") == {"v": 1}
    assert store.get("c", "a") == {"v": 1}
    with pytest.raises(BatchConflict):
        store.apply_batch([Create("c", "a", {"v": 2})])
    with store.lock("w", 5, 1):
        pass


def test_a_workspace_namespace_batches_as_its_store_does(make_store: StoreFactory) -> None:
    from bench.measure import CountingState
    from functions.accounts.workspaces import PrefixedStateStore

    inner = CountingState(make_store())
    store, other = PrefixedStateStore(inner, "w1:"), PrefixedStateStore(inner, "w2:")
    other.put("c", "a", {"v": "other"})
    store.put("c", "a", {"v": 0})
    before = inner.calls
    with action(store, "w", 5, 5, docs=[("c", "a")], counters=["n"]) as session:
        assert session.get("c", "a") == {"v": 0}
        session.put("c", "a", {"v": 1})
        assert [session.next_number("n"), session.next_number("n")] == [1, 2]
        session.flush()
        session.put("c", "b", {"v": 2})
    assert inner.calls - before <= 4  # the lock (with its reads, at once or with the first), two batches
    assert store.get_many([("c", "a"), ("c", "b")]) == [{"v": 1}, {"v": 2}]
    assert other.get("c", "a") == {"v": "other"} and other.next_number("n") == 1  # nothing leaks across
    assert store.next_number("n") == 3 and inner.inner.get("w1:c", "b") == {"v": 2}
    with store.lock("w", 5, 1), other.lock("w", 5, 1):  # given back, and the namespaces' locks are apart
        pass


def test_a_batch_larger_than_one_firestore_commit_still_lands_whole(make_store: StoreFactory) -> None:
    store = make_store()
    with store.locked("w", 5, 5, counters=["n"]) as held:
        store.read_held(held)
        seen, version = held.counters["n"]
        ops = [Put("big", f"k{i:04d}", {"i": i}) for i in range(1000)] + [Reserve("n", seen, 1000, version)]
        store.apply_batch([*ops, Release(held)])
    assert len(store.list("big")) == 1000 and store.get("big", "k0999") == {"i": 999}
    assert store.next_number("n") == 1001
    with store.lock("w", 5, 1):
        pass
