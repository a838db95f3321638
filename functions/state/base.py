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
  every process and instance. The lease lasts ``ttl_seconds`` (a few seconds) and a background thread
  renews it every third of that while the holder works, so a holder that died loses it within
  ``ttl_seconds`` — on SQLite at once, when the holder's process (pid and start time, on this machine) is
  gone. A lease that expired unrenewed is never renewed again. Waiting longer than ``timeout_seconds``
  raises ``StateError``.
* ``put_blob``/``get_blob`` keep large opaque bytes (sync snapshots, compressed), any size.

A ``ttl_seconds`` on ``put``/``create`` makes the document invisible to ``get``/``list`` (and free for
``create``) once expired.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from functions.errors import InvalidInputError

Doc = dict[str, Any]

log = logging.getLogger("ttr.state")
MAX_HOLD_SECONDS = 15 * 60  # a holder stuck longer than this stops renewing: its lease then expires

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


class LeaseKeeper:
    """Renews a held lock from a daemon thread every ``every`` seconds until ``stop``.

    ``renew()`` returns False when the lease is no longer ours (expired unrenewed, or taken): renewing
    stops and ``lost`` is set. A renewal that raises (a busy store) is tried again at the next beat.
    """

    def __init__(self, name: str, renew: Callable[[], bool], every: float,
                 max_hold: float = MAX_HOLD_SECONDS) -> None:
        self.name = name
        self.lost = False
        self._renew = renew
        self._every = every
        self._max_hold = max_hold
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ttr-lease-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + self._max_hold
        while not self._stop.wait(self._every):
            if time.monotonic() > deadline:
                log.error("Verrou « %s » tenu depuis plus de %d s : il n'est plus renouvelé.", self.name,
                          self._max_hold)
                return
            try:
                ok = self._renew()
            except Exception:  # noqa: BLE001 - a transient store error: the next beat tries again
                log.warning("Renouvellement du verrou « %s » impossible pour l'instant.", self.name, exc_info=True)
                continue
            if not ok:
                self.lost = True
                if not self._stop.is_set():
                    log.warning("Verrou « %s » perdu pendant l'opération (bail expiré sans renouvellement).",
                                self.name)
                return

    def stop(self) -> None:
        self._stop.set()
