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
  gone. A renewal that comes late (a machine under load) still extends a lease that names its holder:
  nobody took it meanwhile, so nobody else entered; once another caller took an expired lease over, the
  late holder's renewals fail and it knows it lost the lock. Waiting longer than ``timeout_seconds``
  raises ``StateError``.
* ``put_blob``/``get_blob`` keep large opaque bytes (sync snapshots, compressed), any size.

Batching (one round trip where the backend allows it; see ``functions.state.session``, which uses them):

* ``get_many(pairs)`` reads several documents at once (Firestore ``get_all``, one SQLite query).
* ``locked(name, ttl, timeout, docs, counters)`` takes the lock and, in the same step, reads ``docs`` and
  the current value of ``counters`` (with an opaque version): a ``Held``.
* ``apply_batch(ops)`` applies ``Put``/``Create``/``Delete``/``Reserve``/``Release`` all-or-nothing (one
  SQLite transaction, one Firestore commit). A ``Create`` of a live key or a ``Reserve`` of a counter that
  moved since it was read fails the whole batch with ``BatchConflict`` (nothing applied).

The defaults below run these on the one-call methods (correct, not batched): a wrapper store that does not
forward them (a namespace, a test double) keeps working.

A ``ttl_seconds`` on ``put``/``create`` makes the document invisible to ``get``/``list`` (and free for
``create``) once expired.
"""

from __future__ import annotations

import builtins
import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from functions.errors import ConflictError, InvalidInputError

Doc = dict[str, Any]

log = logging.getLogger("ttr.state")
MAX_HOLD_SECONDS = 15 * 60  # a holder stuck longer than this stops renewing: its lease then expires

_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")


def check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInputError(f"Nom de {kind} invalide pour le stockage interne : {name!r}.")
    return name


class BatchConflict(ConflictError):
    """Une autre opération a modifié le stockage interne au même moment : rien n'a été enregistré. Réessayez."""


@dataclass(frozen=True)
class Put:
    collection: str
    key: str
    value: Doc
    ttl_seconds: float | None = None


@dataclass(frozen=True)
class Create(Put):
    """Store only if no live document has this key (else the batch fails)."""


@dataclass(frozen=True)
class Delete:
    collection: str
    key: str


@dataclass(frozen=True)
class Reserve:
    """Move ``counter`` from ``seen`` (read with ``version``) to ``seen + count`` (else the batch fails): the
    numbers ``seen + 1`` … ``seen + count`` are the batch's."""

    counter: str
    seen: int
    count: int
    version: Any = None


@dataclass(frozen=True)
class Release:
    """Give back the lock ``held`` (only if it is still ours; a lease taken over after expiry is left)."""

    held: Held


Op = Put | Delete | Reserve | Release  # a Create is a Put


@dataclass(eq=False)
class Held:
    """A lock taken by ``locked``, with what was read while taking it (or is still to read: ``unread`` and
    ``unread_counters``, which ``read_held`` reads with whatever is asked next, in the same call)."""

    name: str
    docs: dict[tuple[str, str], Doc | None] = field(default_factory=dict)
    counters: dict[str, tuple[int, Any]] = field(default_factory=dict)  # value now, opaque version
    unread: list[tuple[str, str]] = field(default_factory=list)
    unread_counters: list[str] = field(default_factory=list)
    token: Any = None  # the backend's lease (owner, last write)
    stop: Callable[[], None] | None = None  # stops the lease's renewals (before a batch gives it back)
    released: bool = False


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

    # -- batching (defaults: one call each; backends override with one round trip) ---------------------

    def get_many(self, pairs: Sequence[tuple[str, str]]) -> builtins.list[Doc | None]:
        """The documents of ``(collection, key)`` pairs, in order (None for an absent one)."""
        return [self.get(c, k) for c, k in pairs]

    @contextmanager
    def locked(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30,
               docs: Sequence[tuple[str, str]] = (), counters: Sequence[str] = ()) -> Iterator[Held]:
        """``lock`` that also reads ``docs`` (and, where the backend can, ``counters``) once it is held: in the
        same round trip, or with the next read (``read_held``). A ``Release`` of the yielded ``Held`` in
        ``apply_batch`` gives the lock back with the batch."""
        with self.lock(name, ttl_seconds, timeout_seconds):
            yield Held(name, unread=list(docs))

    def read_held(self, held: Held, extra: Sequence[tuple[str, str]] = ()) -> builtins.list[Doc | None]:
        """Read what ``locked`` left unread, with the documents ``extra``, in one call; returns the ``extra``
        documents. (This default reads no counter: a number is then one call of ``next_number``.)"""
        pairs = list(held.unread)
        found = self.get_many(pairs + list(extra))
        held.docs.update(zip(pairs, found[: len(pairs)], strict=True))
        held.unread, held.unread_counters = [], []
        return found[len(pairs):]

    def apply_batch(self, ops: Sequence[Op]) -> dict[str, tuple[int, Any]]:
        """Apply ``ops`` in order; returns each reserved counter's new (value, version). This default: one
        call each, not atomic, and no ``Reserve`` (``locked`` reads no counter here, so none is asked)."""
        for op in ops:
            if isinstance(op, Create):  # before Put: a Create is a Put with a condition
                if not self.create(op.collection, op.key, op.value, op.ttl_seconds):
                    raise BatchConflict()
            elif isinstance(op, Put):
                self.put(op.collection, op.key, op.value, op.ttl_seconds)
            elif isinstance(op, Delete):
                self.delete(op.collection, op.key)
            elif isinstance(op, Reserve):
                raise InvalidInputError("Ce stockage ne réserve pas de numéros dans un lot.")
            # Release: the lock given by ``locked`` above is given back when its block ends
        return {}

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


class RenamedBatches:
    """Mixin (before ``StateStore``) for a store whose names are another's renamed, e.g. a workspace's prefix:
    it sets ``inner`` and defines ``_n(name)``. ``get_many``, ``locked``, ``read_held`` and ``apply_batch`` then
    go to ``inner`` with every collection, counter and lock name renamed (batched as ``inner`` batches), and
    their answers come back under the names asked."""

    inner: StateStore

    def _n(self, name: str) -> str:
        raise NotImplementedError

    def rename(self, name: str) -> str:
        return self._n(name)

    def _pairs(self, pairs: Sequence[tuple[str, str]]) -> builtins.list[tuple[str, str]]:
        return [(self.rename(c), k) for c, k in pairs]

    def get_many(self, pairs: Sequence[tuple[str, str]]) -> builtins.list[Doc | None]:
        return self.inner.get_many(self._pairs(pairs))

    @contextmanager
    def locked(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30,
               docs: Sequence[tuple[str, str]] = (), counters: Sequence[str] = ()) -> Iterator[Held]:
        pairs, names = list(docs), list(counters)
        with self.inner.locked(self.rename(name), ttl_seconds, timeout_seconds, self._pairs(pairs),
                               [self.rename(c) for c in names]) as inner:
            held = Held(name, token=inner, stop=inner.stop, unread=pairs, unread_counters=names)
            self._copy(held, pairs, names)
            try:
                yield held
            finally:
                held.released = inner.released

    def _copy(self, held: Held, pairs: builtins.list[tuple[str, str]], names: builtins.list[str]) -> None:
        """What the inner lock holds (read, or still to read) under the names asked."""
        inner: Held = held.token
        for pair, renamed in zip(pairs, self._pairs(pairs), strict=True):
            if renamed in inner.docs:
                held.docs[pair] = inner.docs[renamed]
        held.counters.update({c: inner.counters[self.rename(c)] for c in names if self.rename(c) in inner.counters})
        held.unread = [p for p, r in zip(pairs, self._pairs(pairs), strict=True) if r in inner.unread]
        held.unread_counters = [c for c in names if self.rename(c) in inner.unread_counters]

    def read_held(self, held: Held, extra: Sequence[tuple[str, str]] = ()) -> builtins.list[Doc | None]:
        pairs, names = list(held.unread), list(held.unread_counters)
        found = self.inner.read_held(held.token, self._pairs(extra))
        self._copy(held, pairs, names)
        return found

    def apply_batch(self, ops: Sequence[Op]) -> dict[str, tuple[int, Any]]:
        renamed: builtins.list[Op] = []
        for op in ops:
            if isinstance(op, Put | Delete):
                renamed.append(replace(op, collection=self.rename(op.collection)))
            elif isinstance(op, Reserve):
                renamed.append(replace(op, counter=self.rename(op.counter)))
            else:
                renamed.append(Release(op.held.token))
        moved = self.inner.apply_batch(renamed)
        for op in ops:
            if isinstance(op, Release):
                op.held.released = op.held.token.released
        back = {self.rename(c): c for op in ops if isinstance(op, Reserve) for c in [op.counter]}
        return {back[c]: v for c, v in moved.items() if c in back}


def log_late(name: str, seconds: float) -> None:
    """A lease renewed after its end, still ours (``LeaseKeeper``): worth knowing, not an error."""
    log.warning("Verrou « %s » renouvelé %.1f s après la fin de son bail (personne ne l'avait repris).", name,
                seconds)


class LeaseKeeper:
    """Renews a held lock from a daemon thread every ``every`` seconds until ``stop``.

    ``renew()`` returns False when the lease is no longer ours (taken over by another caller after it
    expired): renewing stops and ``lost`` is set. A late renewal of a lease still ours succeeds. A renewal
    that raises (a busy store) is tried again at the next beat.
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
                    log.warning("Verrou « %s » perdu pendant l'opération (bail expiré et repris par une autre "
                                "opération).", self.name)
                return

    def stop(self) -> None:
        self._stop.set()

    def stop_and_wait(self, timeout: float = 15.0) -> None:
        """Stop, and wait for a renewal under way (a batch then knows the lease's last write)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
