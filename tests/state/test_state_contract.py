"""The state store contract (functions/state/base.py), run unchanged on SQLite and on the Firestore emulator."""

from __future__ import annotations

import multiprocessing
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.errors import InvalidInputError, StateError
from functions.state.base import StateStore
from functions.state.open import open_state
from functions.state.sqlite import SQLiteStateStore
from tests.state.conftest import FakeClock, StoreFactory


def run_threads(count: int, target: Callable[[int], Any]) -> list[Any]:
    """Start ``count`` threads together (a barrier) and return their results; re-raise their errors."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def body(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target(index)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results


# -- documents ---------------------------------------------------------------------------------------------


def test_get_put_delete(state_store: StateStore) -> None:
    assert state_store.get("users", "u1") is None
    state_store.put("users", "u1", {"name": "Awa", "pin": "hash"})
    assert state_store.get("users", "u1") == {"name": "Awa", "pin": "hash"}
    state_store.put("users", "u1", {"name": "Awa K."})
    assert state_store.get("users", "u1") == {"name": "Awa K."}
    assert state_store.get("sessions", "u1") is None  # collections are separate
    state_store.delete("users", "u1")
    state_store.delete("users", "u1")  # deleting what is absent is fine
    assert state_store.get("users", "u1") is None


def test_list_filters_by_prefix_and_sorts_keys(state_store: StateStore) -> None:
    for key in ["inv:b", "inv:a", "sess:z", "inv:c", "inv", "invite"]:
        state_store.put("k", key, {"key": key})
    state_store.put("other", "inv:x", {})
    assert [key for key, _ in state_store.list("k", "inv:")] == ["inv:a", "inv:b", "inv:c"]
    assert [key for key, _ in state_store.list("k")] == ["inv", "inv:a", "inv:b", "inv:c", "invite", "sess:z"]
    assert state_store.list("k", "inv:a") == [("inv:a", {"key": "inv:a"})]
    assert state_store.list("k", "nothing") == []
    assert state_store.list("empty") == []


def test_odd_but_valid_names(state_store: StateStore) -> None:
    for key in [".", "..", "__x__", "a" * 200, "-", "a.b:c_d-e"]:
        state_store.put("__c__", key, {"k": key})
        assert state_store.get("__c__", key) == {"k": key}
    assert len(state_store.list("__c__")) == 6


NESTED = {
    "nom": "Kofi Anan — café «crème» 日本 🇹🇬",
    "empty": {},
    "list": [1, [2, [3, []]], {"a": None}],
    "n": -(2**62),
    "big": 2**80,
    "f": 0.1,
    "one": 1.0,
    "t": True,
    "none": None,
    "keys": {"": 1, "a.b": 2, "__x__": 3, "/": 4},
}


def test_unicode_and_nested_values_round_trip(state_store: StateStore) -> None:
    state_store.put("c", "k", NESTED)
    got = state_store.get("c", "k")
    assert got == NESTED
    assert got is not None and isinstance(got["one"], float) and isinstance(got["n"], int)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_any_json_document_round_trips(state_store: StateStore, value: dict[str, Any]) -> None:
    state_store.put("prop", "k", value)
    assert state_store.get("prop", "k") == value


@pytest.mark.parametrize(
    "collection,key",
    [("a/b", "k"), ("c", ""), ("c", "x" * 201), ("c", "é"), ("c", "a b"), ("", "k"), ("c", None)],
)
def test_invalid_names_are_refused(state_store: StateStore, collection: Any, key: Any) -> None:
    calls: list[Callable[[], object]] = [
        lambda: state_store.get(collection, key),
        lambda: state_store.put(collection, key, {}),
        lambda: state_store.create(collection, key, {}),
        lambda: state_store.update(collection, key, lambda doc: doc),
        lambda: state_store.delete(collection, key),
    ]
    bad = key if collection == "c" else collection
    calls += [
        lambda: state_store.next_number(bad),
        lambda: state_store.hit(bad, 60),
        lambda: state_store.put_blob(bad, b""),
        lambda: state_store.get_blob(bad),
        lambda: state_store.lock(bad).__enter__(),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError):
            call()


@pytest.mark.parametrize(
    "value", [["not", "a", "dict"], {"x": float("nan")}, {"x": object()}, {"x": b"bytes"}]
)
def test_invalid_values_are_refused_and_nothing_is_written(state_store: StateStore, value: Any) -> None:
    with pytest.raises(InvalidInputError):
        state_store.put("c", "k", value)
    assert state_store.get("c", "k") is None


# -- create, ttl, update -----------------------------------------------------------------------------------


def test_create_is_exactly_once_under_a_race(state_store: StateStore) -> None:
    won = run_threads(8, lambda i: state_store.create("idem", "pay-42", {"by": i}))
    assert won.count(True) == 1
    assert state_store.get("idem", "pay-42") == {"by": won.index(True)}
    assert state_store.create("idem", "pay-42", {"by": 99}) is False


def test_ttl_hides_expired_documents_and_frees_create(make_store: StoreFactory, clock: FakeClock) -> None:
    store = make_store(clock=clock)
    store.put("sess", "s1", {"u": 1}, ttl_seconds=10)
    store.put("sess", "s2", {"u": 2})
    assert store.create("invites", "i1", {"n": 1}, ttl_seconds=10) is True
    assert store.create("invites", "i1", {"n": 2}, ttl_seconds=10) is False
    clock.advance(9.9)
    assert store.get("sess", "s1") == {"u": 1}
    clock.advance(0.2)
    assert store.get("sess", "s1") is None
    assert [key for key, _ in store.list("sess")] == ["s2"]
    assert store.get("invites", "i1") is None
    assert store.create("invites", "i1", {"n": 3}) is True  # an expired document counts as absent
    clock.advance(1000)
    assert store.get("invites", "i1") == {"n": 3}  # created without ttl: never expires


def test_ttl_with_the_real_clock(state_store: StateStore) -> None:
    state_store.put("sess", "s", {"u": 1}, ttl_seconds=0.3)
    assert state_store.get("sess", "s") == {"u": 1}
    time.sleep(0.45)
    assert state_store.get("sess", "s") is None


def test_invalid_ttl_is_refused(state_store: StateStore) -> None:
    for ttl in (0, -1, "10"):
        with pytest.raises(InvalidInputError):
            state_store.put("c", "k", {}, ttl_seconds=ttl)  # type: ignore[arg-type]


def test_update_creates_changes_and_deletes(make_store: StoreFactory, clock: FakeClock) -> None:
    store = make_store(clock=clock)
    assert store.update("c", "k", lambda doc: {"n": 1} if doc is None else None) == {"n": 1}
    assert store.update("c", "k", lambda doc: {"n": doc["n"] + 1} if doc else None) == {"n": 2}
    assert store.get("c", "k") == {"n": 2}
    assert store.update("c", "k", lambda doc: None) is None
    assert store.get("c", "k") is None
    assert store.update("c", "absent", lambda doc: None) is None

    store.put("c", "ttl", {"n": 1}, ttl_seconds=10)
    store.update("c", "ttl", lambda doc: {"n": 2})  # an update keeps the document's expiry
    clock.advance(11)
    assert store.get("c", "ttl") is None
    assert store.update("c", "ttl", lambda doc: {"seen": doc}) == {"seen": None}


def test_update_that_raises_writes_nothing(state_store: StateStore) -> None:
    state_store.put("c", "k", {"n": 1})

    def boom(doc: Any) -> Any:
        raise ValueError("no")

    with pytest.raises(ValueError):
        state_store.update("c", "k", boom)
    assert state_store.get("c", "k") == {"n": 1}


def test_update_is_transactional_under_concurrency(make_store: StoreFactory) -> None:
    stores = [make_store() for _ in range(2)]  # two handles, as two instances would have

    def work(index: int) -> None:
        for _ in range(20):
            stores[index % 2].update("c", "total", lambda doc: {"n": (doc or {"n": 0})["n"] + 1})

    run_threads(10, work)
    assert stores[0].get("c", "total") == {"n": 200}


# -- counters and rate limits ------------------------------------------------------------------------------


def test_next_number_reserves_blocks(state_store: StateStore) -> None:
    assert state_store.next_number("receipts") == 1
    assert state_store.next_number("receipts") == 2
    assert state_store.next_number("receipts", 5) == 3
    assert state_store.next_number("receipts") == 8
    assert state_store.next_number("prestations") == 1
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InvalidInputError):
            state_store.next_number("receipts", bad)  # type: ignore[arg-type]
    assert state_store.next_number("receipts") == 9


def test_next_number_is_unique_and_increasing_across_threads(make_store: StoreFactory) -> None:
    stores = [make_store() for _ in range(2)]
    taken = run_threads(8, lambda i: [stores[i % 2].next_number("receipts") for _ in range(25)])
    for own in taken:
        assert own == sorted(own) and len(set(own)) == len(own)
    union = sorted(n for own in taken for n in own)
    assert union == list(range(1, 201))


def reserve_numbers(path: str, count: int, barrier: Any, results: Any) -> None:
    """Child process body: open the file on its own, wait for the others, then take numbers one by one
    and a block of three."""
    store = SQLiteStateStore(path)
    try:
        barrier.wait(30)
        taken = []
        for _ in range(count):
            taken.append(store.next_number("receipts"))
            time.sleep(0.001)  # let the other processes in between: the sequences interleave
        first = store.next_number("receipts", 3)
        results.put(taken + [first, first + 1, first + 2])
    finally:
        store.close()


def test_sqlite_next_number_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite")
    SQLiteStateStore(path).close()
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that holds gRPC threads
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=reserve_numbers, args=(path, 100, barrier, results)) for _ in range(4)]
    for proc in procs:
        proc.start()
    taken = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(10)
        assert proc.exitcode == 0
    for own in taken:
        assert own == sorted(own) and len(set(own)) == len(own)
    union = sorted(n for own in taken for n in own)
    assert union == list(range(1, 4 * 103 + 1))  # no duplicates, no gaps
    assert any(b != a + 1 for own in taken for a, b in zip(own, own[1:], strict=False))  # they did interleave


def test_hit_counts_within_a_fixed_window(make_store: StoreFactory, clock: FakeClock) -> None:
    store = make_store(clock=clock)
    clock.now = 1_800_000_000.0  # a multiple of 60: the start of a window
    assert [store.hit("login:22890112233", 60) for _ in range(3)] == [1, 2, 3]
    assert store.hit("login:other", 60) == 1
    clock.advance(59.9)
    assert store.hit("login:22890112233", 60) == 4
    clock.advance(0.2)
    assert store.hit("login:22890112233", 60) == 1  # next window
    assert store.hit("login:22890112233", 3600) == 1  # another window size is another counter
    with pytest.raises(InvalidInputError):
        store.hit("k", 0)


def test_hit_is_exact_under_concurrency(make_store: StoreFactory, clock: FakeClock) -> None:
    store = make_store(clock=clock)
    counts = run_threads(5, lambda i: [store.hit("burst", 60) for _ in range(10)])
    assert sorted(n for own in counts for n in own) == list(range(1, 51))


# -- locks -------------------------------------------------------------------------------------------------


def test_lock_excludes_across_handles(make_store: StoreFactory) -> None:
    stores = [make_store() for _ in range(2)]
    inside = threading.Lock()
    overlaps: list[int] = []
    entries: list[int] = []

    def work(index: int) -> None:
        for _ in range(5):
            with stores[index % 2].lock("sync", ttl_seconds=30, timeout_seconds=20):
                if not inside.acquire(blocking=False):
                    overlaps.append(index)
                    continue
                entries.append(index)
                time.sleep(0.01)
                inside.release()

    run_threads(3, work)
    assert overlaps == []
    assert len(entries) == 15


def test_lock_timeout_raises_a_french_state_error(make_store: StoreFactory) -> None:
    first, second = make_store(), make_store()
    with first.lock("sync", ttl_seconds=30):
        started = time.monotonic()
        with pytest.raises(StateError, match="verrou « sync »"):
            with second.lock("sync", timeout_seconds=0.3):
                pass
        assert 0.25 < time.monotonic() - started < 5
    with second.lock("sync", timeout_seconds=1):  # released by its holder: free again
        pass


def test_lock_of_a_dead_holder_is_stolen_after_ttl(make_store: StoreFactory, clock: FakeClock) -> None:
    dead, thief, third = make_store(clock=clock), make_store(clock=clock), make_store(clock=clock)
    held = dead.lock("sync", ttl_seconds=5)
    held.__enter__()  # the holder "dies" without releasing
    with pytest.raises(StateError):
        with thief.lock("sync", ttl_seconds=5, timeout_seconds=0.1):
            pass
    clock.advance(5.1)
    with thief.lock("sync", ttl_seconds=5, timeout_seconds=2):
        held.__exit__(None, None, None)  # the old holder wakes up: it must not release the thief's lease
        with pytest.raises(StateError):
            with third.lock("sync", timeout_seconds=0.1):
                pass
    with third.lock("sync", timeout_seconds=2):
        pass


# -- blobs -------------------------------------------------------------------------------------------------


def test_blobs_round_trip_and_overwrite(state_store: StateStore) -> None:
    big = os.urandom(3 * 1024 * 1024 + 17)  # crosses Firestore's chunking
    assert state_store.get_blob("snap") is None
    state_store.put_blob("empty", b"")
    assert state_store.get_blob("empty") == b""
    state_store.put_blob("snap", b"small \x00\xff")
    assert state_store.get_blob("snap") == b"small \x00\xff"
    state_store.put_blob("snap", big)
    assert state_store.get_blob("snap") == big
    state_store.put_blob("snap", b"again")
    assert state_store.get_blob("snap") == b"again"
    state_store.put_blob("snap", big[::-1])
    assert state_store.get_blob("snap") == big[::-1]
    with pytest.raises(InvalidInputError):
        state_store.put_blob("snap", "text")  # type: ignore[arg-type]


@pytest.mark.emulator
def test_firestore_blob_overwrite_deletes_the_old_chunks(firestore_client: Any) -> None:
    from functions.state.firestore import FirestoreStateStore

    store = FirestoreStateStore(client=firestore_client, prefix="t" + os.urandom(8).hex())
    store.put_blob("snap", os.urandom(2 * 1024 * 1024))
    store.put_blob("snap", os.urandom(1024 * 1024))
    chunks = [doc.id for doc in store.client.collection(f"{store.prefix}-chunks").stream()]
    assert len(chunks) == 2 and len({chunk.split("@")[1] for chunk in chunks}) == 1


# -- SQLite file and open_state ----------------------------------------------------------------------------


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with SQLiteStateStore(path) as store:
        store.put("users", "u1", {"hash": "x"})
        for file in [path, Path(f"{path}-wal")]:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_sqlite_missing_directory_is_a_french_state_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="dossier .* n'existe pas"):
        SQLiteStateStore(tmp_path / "missing" / "state.sqlite")


def test_sqlite_file_that_is_not_a_database_is_a_french_state_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"ceci n'est pas une base de donnees " * 100)
    with pytest.raises(StateError, match="n'est pas une base"):
        SQLiteStateStore(path)


def test_open_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.state.firestore import FirestoreStateStore

    monkeypatch.chdir(tmp_path)
    with open_state(None) as store:
        assert isinstance(store, SQLiteStateStore)
    assert (tmp_path / "ttr.state.sqlite").exists()
    with open_state(str(tmp_path / "other.sqlite")) as store:
        assert isinstance(store, SQLiteStateStore) and store.path.endswith("other.sqlite")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    with open_state("firestore") as fs:
        assert isinstance(fs, FirestoreStateStore) and fs._project == "env-project"
    with open_state("firestore:my-project") as fs:
        assert isinstance(fs, FirestoreStateStore) and fs._project == "my-project"


def test_importing_the_state_store_does_not_import_firestore() -> None:
    code = (
        "import sys, functions.state.open, functions.state.firestore; "
        "from functions.state.open import open_state; "
        "print('google.cloud.firestore' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"


def test_firestore_calls_give_up_after_their_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.state.firestore import FirestoreStateStore

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{sock.getsockname()[1]}")
        store = FirestoreStateStore(project="demo-unreachable", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(StateError, match="pas répondu à temps"):
            store.get("c", "k")
        assert time.monotonic() - started < 5
        store.close()
