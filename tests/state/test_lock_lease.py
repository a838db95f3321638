"""Issue 13, item 2: a lock is a short lease renewed while its holder works; a dead holder loses it within
seconds (on SQLite at once, by its pid and start time), and a live holder working longer keeps it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from functions.errors import StateError
from functions.state import holder
from tests.state.conftest import StoreFactory


def test_a_holder_working_longer_than_its_lease_keeps_the_lock(make_store: StoreFactory) -> None:
    first, second = make_store(), make_store()
    entered = threading.Event()
    released = threading.Event()

    def work() -> None:
        with first.lock("workbook", ttl_seconds=0.9, timeout_seconds=5):
            entered.set()
            time.sleep(3.0)  # more than three leases: only the renewals keep it
        released.set()

    t = threading.Thread(target=work)
    t.start()
    assert entered.wait(10)
    with pytest.raises(StateError, match="verrou « workbook »"):
        with second.lock("workbook", ttl_seconds=0.9, timeout_seconds=2.0):
            pass
    assert not released.is_set()
    t.join(10)
    started = time.monotonic()
    with second.lock("workbook", ttl_seconds=0.9, timeout_seconds=5):
        assert time.monotonic() - started < 1.0


HOLD = textwrap.dedent("""
    import sys, time
    from functions.state.sqlite import SQLiteStateStore
    store = SQLiteStateStore(sys.argv[1])
    with store.lock("workbook", ttl_seconds=float(sys.argv[2]), timeout_seconds=10):
        print("held", flush=True)
        time.sleep(120)
""")


def hold_in_a_process(path: Path, ttl: float) -> subprocess.Popen[str]:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(ttl)], stdout=subprocess.PIPE, text=True,
                            cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_sigkilled_holder_frees_the_lock_at_once_on_sqlite(tmp_path: Path) -> None:
    from functions.state.sqlite import SQLiteStateStore

    path = tmp_path / "state.sqlite"
    store = SQLiteStateStore(path)
    proc = hold_in_a_process(path, ttl=120)  # even a long lease: the holder's death is seen
    try:
        with pytest.raises(StateError):
            with store.lock("workbook", ttl_seconds=5, timeout_seconds=0.5):
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        started = time.monotonic()
        with store.lock("workbook", ttl_seconds=5, timeout_seconds=10):
            waited = time.monotonic() - started
        assert waited < 1.0, waited
    finally:
        proc.kill()
        proc.wait(10)
        store.close()


def test_a_zombie_holder_counts_as_dead(tmp_path: Path) -> None:
    from functions.state.sqlite import SQLiteStateStore

    path = tmp_path / "state.sqlite"
    store = SQLiteStateStore(path)
    proc = hold_in_a_process(path, ttl=120)
    try:
        os.kill(proc.pid, signal.SIGKILL)
        time.sleep(0.3)  # killed, not yet reaped: a zombie still has its /proc entry
        with store.lock("workbook", ttl_seconds=5, timeout_seconds=5):
            pass
    finally:
        proc.wait(10)
        store.close()


def test_holder_liveness_names_pid_and_start_time() -> None:
    if not holder.machine():
        pytest.skip("/proc is not available: liveness is not judged here (the lease alone frees a lock)")
    me = holder.me()
    machine, pid, start = me.split(" ")
    assert int(pid) == os.getpid() and start.isdigit()
    assert not holder.is_dead(me)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.1)
        with open(f"/proc/{child.pid}/stat") as f:
            child_start = f.read().rsplit(")", 1)[1].split()[19]
        assert not holder.is_dead(f"{machine} {child.pid} {child_start}")
        assert holder.is_dead(f"{machine} {child.pid} {int(child_start) + 1}")  # same pid, another process
        assert not holder.is_dead(f"autre-machine {child.pid} {int(child_start) + 1}")  # not ours to judge
    finally:
        child.kill()
        child.wait(10)
    assert holder.is_dead(f"{machine} {child.pid} {child_start}")


HOLD_FIRESTORE = textwrap.dedent("""
    import sys, time
    from functions.state.firestore import FirestoreStateStore
    store = FirestoreStateStore(project=sys.argv[1], prefix=sys.argv[2])
    with store.lock("workbook", ttl_seconds=float(sys.argv[3]), timeout_seconds=10):
        print("held", flush=True)
        time.sleep(120)
""")


@pytest.mark.emulator
def test_sigkilled_holder_loses_its_firestore_lease_within_the_lease(firestore_client) -> None:
    """No liveness check across instances: the lease (renewed while alive, here 3 s) frees the lock."""
    import uuid

    from functions.state.firestore import FirestoreStateStore
    from tests.state.conftest import EMULATOR_PROJECT

    prefix = "t" + uuid.uuid4().hex[:16]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", HOLD_FIRESTORE, EMULATOR_PROJECT, prefix, "3"],
                            stdout=subprocess.PIPE, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    store = FirestoreStateStore(client=firestore_client, prefix=prefix)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        time.sleep(4)  # longer than the lease: only its renewals keep it
        with pytest.raises(StateError):
            with store.lock("workbook", ttl_seconds=3, timeout_seconds=0.5):
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        started = time.monotonic()
        with store.lock("workbook", ttl_seconds=3, timeout_seconds=15):
            waited = time.monotonic() - started
        assert waited < 5.0, waited
    finally:
        proc.kill()
        proc.wait(10)


def test_a_late_renewal_keeps_a_lease_nobody_took(make_store: StoreFactory) -> None:
    """A renewal that comes after the lease's end (a machine under load) still extends it while it names its
    holder: nobody took it meanwhile. The holder keeps the lock and the others still wait."""
    from tests.state.conftest import FakeClock

    clock = FakeClock()
    store, other = make_store(clock=clock), make_store(clock=clock)
    with store.lock("w", ttl_seconds=0.6, timeout_seconds=5):  # renewed every 0.2 s (real time)
        clock.advance(30)  # the lease has ended by the store's clock: no renewal came in time
        time.sleep(0.7)  # the next renewals come late, and extend it
        with pytest.raises(StateError, match="verrou « w »"):
            with other.lock("w", ttl_seconds=0.6, timeout_seconds=0.3):
                pass
    with other.lock("w", ttl_seconds=0.6, timeout_seconds=1):  # given back at the end of the block
        pass


def test_a_late_renewal_of_a_lease_taken_over_fails(make_store: StoreFactory, caplog) -> None:
    """Once another caller took the expired lease, the late holder's next renewal fails (it learns it lost
    the lock) and the new holder keeps it."""
    import logging

    from tests.state.conftest import FakeClock

    clock = FakeClock()
    store, other, third = make_store(clock=clock), make_store(clock=clock), make_store(clock=clock)
    with caplog.at_level(logging.WARNING, logger="ttr.state"), store.lock("w", ttl_seconds=3, timeout_seconds=5):
        clock.advance(30)  # ended by the store's clock, before the first renewal (1 s, real time)
        with other.lock("w", ttl_seconds=600, timeout_seconds=1):  # taken over
            time.sleep(1.5)  # the late holder's renewal comes, and fails
            with pytest.raises(StateError):
                with third.lock("w", ttl_seconds=600, timeout_seconds=0.3):
                    pass
    messages = [r.getMessage() for r in caplog.records]
    assert any("perdu" in m for m in messages) and not any("renouvelé" in m for m in messages), messages
