"""One action's private state, staged: read once when the lock is taken, written in two batches.

An action (``Business`` pipeline) touches a dozen state documents: the lock, its idempotency key, the
Journal head and pending mark, counters, receipts, the snapshot patch, the Journal log. One call each is a
dozen round trips on Firestore. A ``Session`` is a ``StateStore`` over the real one that

* takes the lock and reads what the action needs in the same step (``StateStore.locked``), or with the
  first thing the action reads (``read_held``: the lock alone is then one write, on Firestore);
* answers reads from what it knows (read before, or written by the action), and asks the store only for
  the rest (``get_many`` for several at once);
* hands out numbers of counters read with the lock from that value (``Reserve``: the batch that writes them
  fails if another caller took a number meanwhile, and then nothing is written);
* keeps every write until ``flush``: the recorder flushes once before the workbook write (pending marks,
  receipts, numbers) and the session once more when it ends, with the lock's release, in one batch.

Crash safety is the recorder's: what must exist before the workbook write is flushed before it. A session
that ends with an error after a flush still writes what was staged since (the follow-up of what landed);
one that ends before any flush writes nothing (the action left no trace, not even numbers).

Documents written in a session have no expiry unless ``put`` with one (``update`` keeps none): it is for
the action's own documents, which have none. ``list`` sees the session's writes.
"""

from __future__ import annotations

import builtins
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from functions.errors import InvalidInputError
from functions.state.base import Create, Delete, Doc, Held, Op, Put, Release, Reserve, StateStore, check_name

log = logging.getLogger("ttr.state")
_LOCAL = threading.local()


def _copy(value: Doc | None) -> Doc | None:
    """A private copy (and the check every backend makes: a JSON-compatible dict)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInputError("Le stockage interne n'accepte que des dictionnaires (documents JSON).")
    try:
        copied: Doc = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Valeur non enregistrable dans le stockage interne : {exc}.") from exc
    return copied


class Session(StateStore):
    def __init__(self, inner: StateStore, held: Held) -> None:
        self.inner = inner
        self.held = held
        self._known: dict[tuple[str, str], Doc | None] = dict(held.docs)
        self._written: set[tuple[str, str]] = set()
        self._ops: list[Op] = []
        self._taken: dict[str, int] = {}  # numbers handed out per counter since the last flush
        self.flushes = 0

    # -- reads ------------------------------------------------------------------------------------------
    def _fill(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Read the documents not known yet, with what the lock left unread, in one call (none if all known)."""
        missing = [p for p in dict.fromkeys(pairs) if p not in self._known]
        if self.held.unread or self.held.unread_counters:
            unread = list(self.held.unread)
            extra = [p for p in missing if p not in set(unread)]
            found = self.inner.read_held(self.held, extra)
            for pair in unread:
                self._known.setdefault(pair, self.held.docs.get(pair))  # a document written meanwhile stays so
            self._known.update(zip(extra, found, strict=True))
        elif missing:
            self._known.update(zip(missing, self.inner.get_many(missing), strict=True))

    def get(self, collection: str, key: str) -> Doc | None:
        pair = (check_name("collection", collection), check_name("clé", key))
        self._fill([pair])
        return _copy(self._known[pair])

    def knows(self, collection: str, key: str) -> bool:
        """Whether ``get`` would answer without asking the store (read with the lock, or written here)."""
        return (collection, key) in self._known

    def get_many(self, pairs: Sequence[tuple[str, str]]) -> builtins.list[Doc | None]:
        self._fill(pairs)
        return [_copy(self._known[p]) for p in pairs]

    def list(self, collection: str, prefix: str = "") -> list[tuple[str, Doc]]:
        found = dict(self.inner.list(collection, prefix))
        for c, k in self._written:
            if c == collection and k.startswith(prefix):
                value = self._known[(c, k)]
                if value is None:
                    found.pop(k, None)
                else:
                    found[k] = value
        return [(k, _copy(v) or {}) for k, v in sorted(found.items())]

    # -- writes (staged) --------------------------------------------------------------------------------
    def _stage(self, pair: tuple[str, str], value: Doc | None, op: Op) -> None:
        self._known[pair] = value
        self._written.add(pair)
        self._ops.append(op)

    def put(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> None:
        pair = (check_name("collection", collection), check_name("clé", key))
        copied = _copy(value)
        assert copied is not None
        self._stage(pair, copied, Put(collection, key, copied, ttl_seconds))

    def create(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> bool:
        """True unless the document is known to exist; the batch fails if it came to exist meanwhile."""
        pair = (check_name("collection", collection), check_name("clé", key))
        if self._known.get(pair) is not None:
            return False
        copied = _copy(value)
        assert copied is not None
        self._stage(pair, copied, Create(collection, key, copied, ttl_seconds))
        return True

    def delete(self, collection: str, key: str) -> None:
        pair = (check_name("collection", collection), check_name("clé", key))
        self._stage(pair, None, Delete(collection, key))

    def update(self, collection: str, key: str, fn: Callable[[Doc | None], Doc | None]) -> Doc | None:
        result = fn(self.get(collection, key))
        if result is None:
            if self._known.get((collection, key)) is not None:
                self.delete(collection, key)
            return None
        self.put(collection, key, result)
        return _copy(result)

    def next_number(self, counter: str, count: int = 1) -> int:
        if counter in self.held.unread_counters:
            self._fill([])
        if counter not in self.held.counters:
            return self.inner.next_number(counter, count)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInputError(f"Nombre de numéros à réserver invalide : {count!r}.")
        seen = self.held.counters[counter][0]
        first = seen + self._taken.get(counter, 0) + 1
        self._taken[counter] = self._taken.get(counter, 0) + count
        return first

    def savepoint(self) -> tuple[object, ...]:
        """What is staged now: ``rollback`` forgets what was staged after (an action started over)."""
        return (dict(self._known), set(self._written), list(self._ops), dict(self._taken), self.flushes)

    def rollback(self, point: tuple[object, ...]) -> None:
        known, written, ops, taken, flushes = point
        if flushes != self.flushes:
            raise RuntimeError("rollback past a flush")  # pragma: no cover - what was written stays written
        self._known = dict(known)  # type: ignore[call-overload]
        self._written, self._ops, self._taken = set(written), list(ops), dict(taken)  # type: ignore[call-overload]

    def flush(self, release: bool = False) -> None:
        """Write what is staged, with the numbers handed out, in one batch (and give the lock back)."""
        ops = list(self._ops)
        ops += [Reserve(c, self.held.counters[c][0], n, self.held.counters[c][1]) for c, n in self._taken.items()]
        if release:
            ops.append(Release(self.held))
        if not ops:
            return
        moved = self.inner.apply_batch(ops)
        self.held.counters.update(moved)
        self._ops, self._taken = [], {}
        self.flushes += 1

    # -- the rest goes to the store ----------------------------------------------------------------------
    def hit(self, key: str, window_seconds: float) -> int:
        return self.inner.hit(key, window_seconds)

    def lock(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30) -> AbstractContextManager[None]:
        return self.inner.lock(name, ttl_seconds, timeout_seconds)

    def put_blob(self, key: str, data: bytes) -> None:
        self.inner.put_blob(key, data)

    def get_blob(self, key: str) -> bytes | None:
        return self.inner.get_blob(key)


@contextmanager
def action(state: StateStore, lock: str, ttl_seconds: float, timeout_seconds: float,
           docs: Sequence[tuple[str, str]] = (), counters: Sequence[str] = ()) -> Iterator[Session]:
    """Hold ``lock`` with a ``Session`` over ``state`` (what ``current(state)`` returns in this thread)."""
    with state.locked(lock, ttl_seconds, timeout_seconds, docs, counters) as held:
        session = Session(state, held)
        stack: list[Session] = _LOCAL.__dict__.setdefault("stack", [])
        stack.append(session)
        try:
            yield session
        except BaseException:
            if session.flushes:  # something landed: what was staged since is its follow-up
                try:
                    session.flush()
                except Exception:  # noqa: BLE001 - the first error is the one to report
                    log.exception("État interne : la fin d'une opération interrompue n'a pas pu être enregistrée.")
            raise
        else:
            session.flush(release=True)
        finally:
            stack.remove(session)


def current(state: StateStore) -> StateStore:
    """The session this thread holds over ``state``, else ``state`` itself."""
    for session in reversed(_LOCAL.__dict__.get("stack", [])):
        if session.inner is state or session is state:
            return session
    return state


def active(state: StateStore) -> Session | None:
    found = current(state)
    return found if isinstance(found, Session) else None


__all__ = ["Session", "action", "active", "current"]
