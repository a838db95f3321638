"""Counters for the bench: state store calls, HTTP traffic at the fake Sheets API's side, peak memory.

``CountingState`` wraps any ``StateStore`` and counts the calls that reach it (each one is a round trip on
Firestore: a ``lock`` is two, taking it and giving it back, unless a batch gives it back; a ``get_many`` or a
batch is one; renewals from the lease thread are not counted).
``CountingWsgi`` sits in front of the fake Sheets API's WSGI app and counts requests and bytes as they are sent
on the wire, both ways, so whatever the Google client does, the figures are the fake's view of it.
"""

from __future__ import annotations

import builtins
import contextlib
import resource
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])

from functions.state.base import Doc, Held, Op, StateStore  # noqa: E402


def median_ms(fn: Callable[[], object], runs: int = 5) -> float:
    """The median wall time of ``runs`` calls of ``fn``, in milliseconds (the one timer of every bench)."""
    import statistics
    import time

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class CountingState(StateStore):
    """Every call of the ``StateStore`` interface counted, then passed to ``inner``."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.calls = 0
        self.by_name: dict[str, int] = {}
        self._guard = threading.Lock()

    def _count(self, name: str) -> None:
        with self._guard:
            self.calls += 1
            self.by_name[name] = self.by_name.get(name, 0) + 1

    def __getattr__(self, name: str) -> Any:  # extensions of a backend (e.g. a batch), counted once per call
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*a: Any, **kw: Any) -> Any:
            self._count(name)
            return attr(*a, **kw)

        return call

    def get(self, collection: str, key: str) -> Doc | None:
        self._count(f"get {collection}")
        return self.inner.get(collection, key)

    def put(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> None:
        self._count(f"put {collection}")
        self.inner.put(collection, key, value, ttl_seconds)

    def create(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> bool:
        self._count(f"create {collection}")
        return self.inner.create(collection, key, value, ttl_seconds)

    def delete(self, collection: str, key: str) -> None:
        self._count(f"delete {collection}")
        self.inner.delete(collection, key)

    def update(self, collection: str, key: str, fn: Callable[[Doc | None], Doc | None]) -> Doc | None:
        self._count(f"update {collection}")
        return self.inner.update(collection, key, fn)

    def list(self, collection: str, prefix: str = "") -> list[tuple[str, Doc]]:
        self._count(f"list {collection}")
        return self.inner.list(collection, prefix)

    def next_number(self, counter: str, count: int = 1) -> int:
        self._count(f"next_number {counter}")
        return self.inner.next_number(counter, count)

    def hit(self, key: str, window_seconds: float) -> int:
        self._count("hit")
        return self.inner.hit(key, window_seconds)

    @contextlib.contextmanager
    def lock(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30) -> Iterator[None]:
        self._count(f"lock {name}")
        with self.inner.lock(name, ttl_seconds, timeout_seconds):
            try:
                yield
            finally:
                self._count(f"unlock {name}")

    def get_many(self, pairs: Any) -> builtins.list[Doc | None]:
        self._count("get_many")
        return self.inner.get_many(pairs)

    @contextlib.contextmanager
    def locked(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30, docs: Any = (),
               counters: Any = ()) -> Iterator[Held]:
        """Taking the lock with its reads is one call; giving it back is one more, unless a batch did."""
        self._count(f"lock {name}")
        with self.inner.locked(name, ttl_seconds, timeout_seconds, docs, counters) as held:
            try:
                yield held
            finally:
                if not held.released:
                    self._count(f"unlock {name}")

    def read_held(self, held: Held, extra: Any = ()) -> builtins.list[Doc | None]:
        self._count("get_many")
        return self.inner.read_held(held, extra)

    def apply_batch(self, ops: Any) -> dict[str, tuple[int, Any]]:
        self._count("batch")
        batch: builtins.list[Op] = builtins.list(ops)
        return self.inner.apply_batch(batch)

    def put_blob(self, key: str, data: bytes) -> None:
        self._count(f"put_blob {key}")
        self.inner.put_blob(key, data)

    def get_blob(self, key: str) -> bytes | None:
        self._count(f"get_blob {key}")
        return self.inner.get_blob(key)

    def close(self) -> None:
        self.inner.close()


class CountingWsgi:
    """Requests, reads (GET), writes (anything else) and bytes of bodies as sent, both ways."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.requests = self.reads = self.writes = self.down = self.up = 0
        self._guard = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        with self._guard:
            self.requests += 1
            if environ.get("REQUEST_METHOD") == "GET":
                self.reads += 1
            else:
                self.writes += 1
            self.up += size
        for chunk in self.app(environ, start_response):
            with self._guard:
                self.down += len(chunk)
            yield chunk

    def totals(self) -> tuple[int, int, int, int, int]:
        return self.requests, self.reads, self.writes, self.down, self.up


def peak_mb() -> int:
    """This process's peak resident memory so far, in MB: Linux's VmHWM (reset by exec, unlike ru_maxrss,
    which a child started by a big parent inherits), else ru_maxrss (kB)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
