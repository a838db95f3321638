"""Fixtures of the state store contract suite: one SQLite file per test, one Firestore emulator per session.

The emulator is the Java binary shipped with the Google Cloud SDK, started directly (not through
``gcloud``) in its own process group on a free port, so that killing the group at the end of the session
leaves no Java process behind. Each Firestore test gets a fresh collection prefix, so tests never see each
other's data. Without the SDK (or Java), the Firestore half of the suite is skipped with the reason.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.state.base import StateStore

EMULATOR_PROJECT = "demo-ttr"
EMULATOR_START_SECONDS = 60
READY_LINE = "Dev App Server is now running"
SDK_ROOTS = [
    Path("/usr/lib/google-cloud-sdk"),
    Path("/usr/share/google-cloud-sdk"),
    Path("/opt/google-cloud-sdk"),
]


def find_emulator() -> Path | None:
    """The ``cloud_firestore_emulator`` script of a Google Cloud SDK, if one is installed."""
    roots = list(SDK_ROOTS)
    gcloud = shutil.which("gcloud")
    if gcloud:
        roots.insert(0, Path(gcloud).resolve().parent.parent)
    for root in roots:
        candidate = root / "platform" / "cloud-firestore-emulator" / "cloud_firestore_emulator"
        if candidate.is_file():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Emulator:
    """A running emulator: its address, and the last lines it printed (for failure messages)."""

    def __init__(self, script: Path) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.output: collections.deque[str] = collections.deque(maxlen=50)
        self._ready = threading.Event()
        self.proc = subprocess.Popen(
            [str(script), "start", "--host=127.0.0.1", f"--port={self.port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # its own process group: the bash wrapper and Java die together
        )
        atexit.register(self.stop)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        # Keep reading for the whole session: a full pipe would block the emulator.
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())
            if READY_LINE in line:
                self._ready.set()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = "\n".join(self.output)
                raise RuntimeError(f"Firestore emulator did not start within {timeout:.0f} s:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None or self._group_alive():
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, sig)
                deadline = time.monotonic() + wait
                while self._group_alive() and time.monotonic() < deadline:
                    time.sleep(0.05)
                if not self._group_alive():
                    break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=1)

    def _group_alive(self) -> bool:
        self.proc.poll()  # reap the wrapper, or its zombie would keep the group "alive"
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[str]:
    """``host:port`` of a Firestore emulator started for this session (FIRESTORE_EMULATOR_HOST is set)."""
    script = find_emulator()
    if script is None:
        pytest.skip(
            "Firestore emulator not found at /usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/: "
            "install the Google Cloud SDK (component cloud-firestore-emulator)"
        )
    if shutil.which("java") is None:
        pytest.skip("Java not found: the Firestore emulator needs Java 11 or later")
    emulator = Emulator(script)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    try:
        emulator.wait_ready(EMULATOR_START_SECONDS)
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
        yield emulator.host
    finally:
        emulator.stop()
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous


@pytest.fixture(scope="session")
def firestore_client(firestore_emulator: str) -> Iterator[Any]:
    from google.cloud import firestore

    client = firestore.Client(project=EMULATOR_PROJECT)
    yield client
    client.close()


class FakeClock:
    """A clock the test moves by hand (ttl, windows, leases) instead of sleeping."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


StoreFactory = Callable[..., StateStore]


@pytest.fixture(params=["sqlite", pytest.param("firestore", marks=pytest.mark.emulator)])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """``make_store(clock=...)`` opens another handle on this test's state (same file, same prefix):
    what a second thread, process or function instance would open."""
    opened: list[StateStore] = []
    if request.param == "sqlite":
        from functions.state.sqlite import SQLiteStateStore

        path = tmp_path / "state.sqlite"

        def factory(**kwargs: Any) -> StateStore:
            opened.append(SQLiteStateStore(path, **kwargs))
            return opened[-1]
    else:
        from functions.state.firestore import FirestoreStateStore

        client = request.getfixturevalue("firestore_client")
        prefix = "t" + uuid.uuid4().hex[:16]

        def factory(**kwargs: Any) -> StateStore:
            opened.append(FirestoreStateStore(client=client, prefix=prefix, **kwargs))
            return opened[-1]

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def state_store(make_store: StoreFactory) -> StateStore:
    """A store on every backend (the contract suite runs unchanged on each)."""
    return make_store()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
