"""An in-process state store for tests of the modules above it (thread-safe, not shared across processes)."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from functions.errors import StateError
from functions.state.base import Doc, StateStore, check_name


class MemoryStateStore(StateStore):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._docs: dict[tuple[str, str], tuple[Doc, float | None]] = {}
        self._blobs: dict[str, bytes] = {}
        self._mutex = threading.RLock()
        self._locks: dict[str, threading.Lock] = {}
        self.clock = clock

    def _live(self, collection: str, key: str) -> Doc | None:
        entry = self._docs.get((check_name("collection", collection), check_name("clé", key)))
        if entry is None or (entry[1] is not None and entry[1] <= self.clock()):
            return None
        return entry[0]

    def get(self, collection: str, key: str) -> Doc | None:
        with self._mutex:
            doc = self._live(collection, key)
            return copy.deepcopy(doc) if doc is not None else None

    def put(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> None:
        with self._mutex:
            check_name("collection", collection), check_name("clé", key)
            expiry = self.clock() + ttl_seconds if ttl_seconds else None
            self._docs[(collection, key)] = (copy.deepcopy(value), expiry)

    def create(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> bool:
        with self._mutex:
            if self._live(collection, key) is not None:
                return False
            self.put(collection, key, value, ttl_seconds)
            return True

    def delete(self, collection: str, key: str) -> None:
        with self._mutex:
            self._docs.pop((collection, key), None)

    def update(self, collection: str, key: str, fn: Callable[[Doc | None], Doc | None]) -> Doc | None:
        with self._mutex:
            new = fn(self.get(collection, key))
            if new is None:
                self.delete(collection, key)
            else:
                self.put(collection, key, new)
            return copy.deepcopy(new)

    def list(self, collection: str, prefix: str = "") -> list[tuple[str, Doc]]:
        with self._mutex:
            keys = sorted(k for c, k in self._docs if c == collection and k.startswith(prefix))
            return [(k, d) for k in keys if (d := self.get(collection, k)) is not None]

    def next_number(self, counter: str, count: int = 1) -> int:
        with self._mutex:
            doc = self.get("counters", counter) or {"n": 0}
            first = int(doc["n"]) + 1
            self.put("counters", counter, {"n": first + count - 1})
            return first

    def hit(self, key: str, window_seconds: float) -> int:
        with self._mutex:
            window = int(self.clock() // window_seconds)
            name = f"{key}:{window}"
            doc = self.get("hits", name) or {"n": 0}
            self.put("hits", name, {"n": doc["n"] + 1}, ttl_seconds=window_seconds * 2)
            return int(doc["n"]) + 1

    @contextmanager
    def lock(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30) -> Iterator[None]:
        with self._mutex:
            lock = self._locks.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=timeout_seconds):
            raise StateError(f"Opération en cours ailleurs (verrou « {name} »). Réessayez dans un instant.")
        try:
            yield
        finally:
            lock.release()

    def put_blob(self, key: str, data: bytes) -> None:
        with self._mutex:
            self._blobs[check_name("clé", key)] = bytes(data)

    def get_blob(self, key: str) -> bytes | None:
        with self._mutex:
            return self._blobs.get(check_name("clé", key))
