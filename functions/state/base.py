"""The state store: private state that must not live in the shared sheet.

Password and PIN hashes, invitations, sessions, rate-limit counters, idempotency keys, receipt and
prestation counters, sync snapshots and the Journal chain head. Two backends share this interface and one
contract suite (``tests/state/test_state_contract.py``): SQLite (embedded default) and Firestore (cloud).

Documents are JSON-compatible dicts (str, int, float, bool, None, lists and dicts of them) stored under
``(collection, key)``. Collections and keys are short ASCII strings (``[A-Za-z0-9_.:-]``, at most 200
characters); anything else is refused with ``InvalidInputError``.

Every method is safe under concurrent callers in other threads, processes or instances:

* ``create`` inserts only if absent (idempotency keys, invitations): exactly one concurrent caller wins.
* ``update(collection, key, fn)`` runs ``fn(current_or_None)`` in a transaction and stores its result
  (``None`` deletes); ``fn`` may be called more than once on contention, so it must be pure.
* ``next_number(counter, count)`` reserves ``count`` consecutive numbers and returns the first: numbers
  are unique and increasing across every caller, never reused (receipt and prestation numbers).
* ``hit(key, window_seconds)`` counts an event in a fixed time window and returns the count so far
  (rate limits, shared by every instance).
* ``lock(name, ttl_seconds, timeout_seconds)`` is a mutual-exclusion lease: one holder at a time across
  every process and instance; a holder that died loses it after ``ttl_seconds``; waiting longer than
  ``timeout_seconds`` raises ``StateError``.
* ``put_blob``/``get_blob`` keep large opaque bytes (sync snapshots, compressed), any size.

A ``ttl_seconds`` on ``put``/``create`` makes the document invisible to ``get``/``list`` (and free for
``create``) once expired.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from functions.errors import InvalidInputError

Doc = dict[str, Any]

_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")


def check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInputError(f"Nom de {kind} invalide pour le stockage interne : {name!r}.")
    return name


class StateStore(ABC):
    @abstractmethod
    def get(self, collection: str, key: str) -> Doc | None: ...

    @abstractmethod
    def put(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> None: ...

    @abstractmethod
    def create(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> bool:
        """Store ``value`` only if no live document has this key; True when this call stored it."""

    @abstractmethod
    def delete(self, collection: str, key: str) -> None: ...

    @abstractmethod
    def update(self, collection: str, key: str, fn: Callable[[Doc | None], Doc | None]) -> Doc | None: ...

    @abstractmethod
    def list(self, collection: str, prefix: str = "") -> list[tuple[str, Doc]]:
        """Live documents of a collection whose key starts with ``prefix``, sorted by key."""

    @abstractmethod
    def next_number(self, counter: str, count: int = 1) -> int: ...

    @abstractmethod
    def hit(self, key: str, window_seconds: float) -> int: ...

    @abstractmethod
    def lock(
        self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30
    ) -> AbstractContextManager[None]: ...

    @abstractmethod
    def put_blob(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def get_blob(self, key: str) -> bytes | None: ...

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections."""

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def shared_token(state: StateStore, name: str, configured: str | None = None) -> str:
    """A shared secret: the configured value when given, else one generated once into the state store
    (``secrets/<name>``), the same for every instance."""
    if configured and configured.strip():  # a blank setting is no setting (never an empty secret)
        return configured.strip()
    import secrets

    state.create("secrets", name, {"token": secrets.token_urlsafe(32)})
    doc = state.get("secrets", name)
    assert doc is not None
    return str(doc["token"])


def iter_chunks(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]
