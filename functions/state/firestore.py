"""Firestore state store: the cloud backend, shared by every function instance.

Layout (``P`` is the prefix, ``ttr`` by default; every document id starts with ``=`` so that keys such as
``.``, ``..`` or ``__x__``, valid for the interface, are valid Firestore ids)::

    P_<collection>/=<key>         {"v": JSON text of the document, "exp": timestamp or null}
    P-counters/=<counter>         {"n": last number handed out}
    P-hits/=<key>@<window>        {"n": count, "exp": end of the window}
    P-locks/=<name>               {"owner": random token, "exp": end of the lease (renewed while held)}
    P-blobs/=<key>                {"gen": generation, "n": chunk count, "size", "sha256"}   (manifest)
    P-chunks/=<key>@<gen>@<i>     {"d": up to 900 KiB of bytes}

``exp`` fields are timestamps so that a Firestore TTL policy can sweep expired documents.

Concurrency without read-write transactions. Firestore's server SDK transactions lock what they read;
under contention on one document the emulator deadlocks until its lock timeout (~30 s, see
firebase/firebase-tools#6758, #2452). So every read-modify-write here is an optimistic compare-and-set:
read the document, then write it with a precondition (``exists=False`` to create, ``last_update_time``
to replace or delete), and start again on a conflict. That is exactly-once and linearizable on the
emulator and on Firestore alike. Counters and rate limits are one atomic ``Increment`` write whose
transform result is the new value: no read, no retry loop, no contention. A blob's chunks are written
under a fresh generation before its manifest (compare-and-set), so a reader never sees a half-written
blob; the replaced generation is deleted afterwards.

``google.cloud.firestore`` is imported on first use only (it is heavy; principle 10).
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import math
import random
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from functions.errors import InvalidInputError, StateError
from functions.state import base
from functions.state.base import Doc, Held, LeaseKeeper, StateStore, check_name, iter_chunks
from functions.state.sqlite import check_positive, check_ttl, decode, encode, lock_timeout_error

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentReference, DocumentSnapshot

CHUNK_BYTES = 900 * 1024  # Firestore's document limit is 1 MiB
DEFAULT_TIMEOUT = 10.0  # seconds, every call
CONTENTION_SECONDS = 30.0  # give up a compare-and-set loop after this long
BATCH_WRITES = 450  # writes per commit (Firestore's limit is 500)
_PREFIX = re.compile(r"^[A-Za-z0-9]{1,40}$")


class _Conflict(Exception):
    """Someone else wrote the document between our read and our write."""


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.2, 0.004 * 2**attempt)))


class FirestoreStateStore(StateStore):
    def __init__(
        self,
        client: Client | None = None,
        project: str | None = None,
        prefix: str = "ttr",
        clock: Callable[[], float] = time.time,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not _PREFIX.match(prefix):
            raise InvalidInputError(f"Préfixe Firestore invalide : {prefix!r} (lettres et chiffres).")
        self._client = client
        self._owns_client = client is None
        self._project = project
        self.prefix = prefix
        self._clock = clock
        self.timeout = timeout
        self._client_lock = threading.Lock()
        self._call_options: dict[str, Any] | None = None

    # -- plumbing ---------------------------------------------------------------------------------------

    @property
    def client(self) -> Client:
        with self._client_lock:
            if self._client is None:
                from google.cloud import firestore

                try:
                    self._client = firestore.Client(project=self._project)
                except Exception as exc:  # noqa: BLE001 - credentials, project, environment: all one story
                    raise StateError(
                        f"Impossible de se connecter à Firestore ({exc}). Vérifiez GOOGLE_CLOUD_PROJECT "
                        "et les identifiants (GOOGLE_APPLICATION_CREDENTIALS)."
                    ) from exc
            return self._client

    @property
    def _kw(self) -> dict[str, Any]:
        """``retry`` and ``timeout`` of every call: transient failures are retried, but each call gives up
        after ``timeout`` seconds in all (the library's default retry deadline is minutes)."""
        if self._call_options is None:
            from google.api_core import retry as gretry

            policy = gretry.Retry(
                predicate=gretry.if_transient_error,
                initial=0.05,
                maximum=1.0,
                multiplier=2.0,
                timeout=self.timeout,
            )
            self._call_options = {"retry": policy, "timeout": self.timeout}
        return self._call_options

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate Google API failures into StateError, once, at the boundary."""
        from google.api_core import exceptions as gexc
        from google.auth import exceptions as auth_exc

        try:
            yield
        except (gexc.DeadlineExceeded, gexc.RetryError) as exc:
            raise StateError(
                "Firestore n'a pas répondu à temps. Vérifiez la connexion puis réessayez."
            ) from exc
        except (gexc.PermissionDenied, gexc.Unauthenticated, auth_exc.DefaultCredentialsError) as exc:
            raise StateError(
                "Accès refusé à Firestore. Vérifiez le projet (GOOGLE_CLOUD_PROJECT) et les droits du "
                "compte de service (rôle « Utilisateur Cloud Datastore »)."
            ) from exc
        except gexc.GoogleAPIError as exc:
            raise StateError(f"Firestore a refusé l'opération ({exc}). Réessayez dans un instant.") from exc

    def _ref(self, collection: str, key: str) -> DocumentReference:
        return self.client.collection(f"{self.prefix}_{collection}").document("=" + key)

    def _sys(self, kind: str, doc_id: str) -> DocumentReference:
        return self.client.collection(f"{self.prefix}-{kind}").document("=" + doc_id)

    def _live(self, snap: DocumentSnapshot) -> bool:
        if not snap.exists:
            return False
        exp = snap.get("exp")
        return exp is None or exp.timestamp() > self._clock()

    def _exp(self, ttl_seconds: float | None) -> datetime | None:
        check_ttl(ttl_seconds)
        return None if ttl_seconds is None else _dt(self._clock() + ttl_seconds)

    def _cas_write(self, ref: DocumentReference, snap: DocumentSnapshot, data: dict[str, Any] | None) -> Any:
        """Write ``data`` (None deletes) only if the document is still as ``snap`` saw it; returns the
        write's update time (None for a delete)."""
        from google.api_core import exceptions as gexc

        try:
            if snap.exists:
                option = self.client.write_option(last_update_time=snap.update_time)
                if data is None:
                    ref.delete(option=option, **self._kw)
                    return None
                return ref.update(data, option=option, **self._kw).update_time
            if data is not None:
                return ref.create(data, **self._kw).update_time
            return None
        except (gexc.FailedPrecondition, gexc.AlreadyExists, gexc.NotFound, gexc.Aborted) as exc:
            raise _Conflict from exc

    def _retry(self, attempt_fn: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + CONTENTION_SECONDS
        attempt = 0
        while True:
            try:
                return attempt_fn()
            except _Conflict:
                if time.monotonic() > deadline:
                    raise StateError(
                        "Trop d'accès simultanés au stockage interne. Réessayez dans un instant."
                    ) from None
                _backoff(attempt)
                attempt += 1

    # -- documents --------------------------------------------------------------------------------------

    def get(self, collection: str, key: str) -> Doc | None:
        check_name("collection", collection)
        check_name("clé", key)
        with self._errors():
            snap = self._ref(collection, key).get(**self._kw)
            return decode(snap.get("v")) if self._live(snap) else None

    def put(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> None:
        check_name("collection", collection)
        check_name("clé", key)
        data = {"v": encode(value), "exp": self._exp(ttl_seconds)}
        with self._errors():
            self._ref(collection, key).set(data, **self._kw)

    def create(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> bool:
        check_name("collection", collection)
        check_name("clé", key)
        data = {"v": encode(value), "exp": self._exp(ttl_seconds)}
        ref = self._ref(collection, key)

        def attempt() -> bool:
            snap = ref.get(**self._kw)
            if self._live(snap):
                return False
            self._cas_write(ref, snap, data)  # absent: create(); expired: replace it if unchanged
            return True

        from google.api_core import exceptions as gexc

        with self._errors():
            try:
                ref.create(data, **self._kw)  # the common case: a new key, one call
                return True
            except gexc.AlreadyExists:
                return bool(self._retry(attempt))

    def delete(self, collection: str, key: str) -> None:
        check_name("collection", collection)
        check_name("clé", key)
        with self._errors():
            self._ref(collection, key).delete(**self._kw)

    def update(self, collection: str, key: str, fn: Callable[[Doc | None], Doc | None]) -> Doc | None:
        check_name("collection", collection)
        check_name("clé", key)
        ref = self._ref(collection, key)

        def attempt() -> Doc | None:
            snap = ref.get(**self._kw)
            live = self._live(snap)
            result = fn(decode(snap.get("v")) if live else None)
            if result is None:
                if snap.exists:
                    self._cas_write(ref, snap, None)
                return None
            text = encode(result)
            self._cas_write(ref, snap, {"v": text, "exp": snap.get("exp") if live else None})
            return decode(text)

        with self._errors():
            result: Doc | None = self._retry(attempt)
            return result

    def list(self, collection: str, prefix: str = "") -> list[tuple[str, Doc]]:
        from google.cloud.firestore_v1.base_query import FieldFilter
        from google.cloud.firestore_v1.field_path import FieldPath

        check_name("collection", collection)
        if prefix:
            check_name("préfixe", prefix)
        col = self.client.collection(f"{self.prefix}_{collection}")
        doc_id = FieldPath.document_id()
        low, high = col.document("=" + prefix), col.document("=" + prefix + "~")  # "~" sorts after key chars
        query = col.where(filter=FieldFilter(doc_id, ">=", low)).where(filter=FieldFilter(doc_id, "<", high))
        with self._errors():
            found = [
                (snap.id[1:], decode(snap.get("v"))) for snap in query.stream(**self._kw) if self._live(snap)
            ]
        return sorted(found, key=lambda pair: pair[0])

    # -- counters, rate limits, locks -------------------------------------------------------------------

    def _increment(self, ref: DocumentReference, by: int, extra: dict[str, Any]) -> int:
        from google.cloud import firestore

        with self._errors():
            result = ref.set({"n": firestore.Increment(by), **extra}, merge=True, **self._kw)
        value: int = result.transform_results[0].integer_value
        return value

    def next_number(self, counter: str, count: int = 1) -> int:
        check_name("compteur", counter)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInputError(f"Nombre de numéros à réserver invalide : {count!r}.")
        return self._increment(self._sys("counters", counter), count, {}) - count + 1

    def hit(self, key: str, window_seconds: float) -> int:
        check_name("clé", key)
        check_positive("Fenêtre de comptage", window_seconds)
        window = math.floor(self._clock() / window_seconds)
        ref = self._sys("hits", f"{key}@{window}")
        return self._increment(ref, 1, {"exp": _dt((window + 1) * window_seconds)})

    @contextlib.contextmanager
    def lock(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30) -> Iterator[None]:
        with self.locked(name, ttl_seconds, timeout_seconds):
            yield

    @contextlib.contextmanager
    def locked(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30,
               docs: Sequence[tuple[str, str]] = (), counters: Sequence[str] = ()) -> Iterator[Held]:
        """The lock. Free (no lock document: a release deletes it), it is one write (``create``) and ``docs``
        and ``counters`` are read with the next read (``read_held``). Held or expired, they are read in the
        ``get_all`` that reads the lock document, which is then taken only if unchanged (compare-and-set)."""
        check_name("verrou", name)
        check_positive("Durée du verrou", ttl_seconds)
        pairs = [(check_name("collection", c), check_name("clé", k)) for c, k in docs]
        names = [check_name("compteur", c) for c in counters]
        ref = self._sys("locks", name)
        lease = {"owner": secrets.token_hex(16), "time": None}
        deadline = time.monotonic() + timeout_seconds
        delay = 0.01
        held = self._try_create(ref, name, lease, ttl_seconds, pairs, names)
        while held is None and (held := self._try_acquire(ref, name, lease, ttl_seconds, pairs, names)) is None:
            if time.monotonic() >= deadline:
                raise lock_timeout_error(name, timeout_seconds)
            time.sleep(min(delay * random.uniform(0.5, 1.5), max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.2)
        keeper = LeaseKeeper(name, lambda: self._renew(ref, lease, ttl_seconds), ttl_seconds / 3)
        held.stop = keeper.stop_and_wait
        try:
            yield held
        finally:
            keeper.stop_and_wait()
            # A failed release must not turn a finished critical section into an error: the lease
            # expires after ttl anyway.
            if not held.released:
                with contextlib.suppress(StateError, base.BatchConflict):
                    self._apply([base.Release(held)])  # one delete, if the lease is as we last wrote it
            if not held.released:  # it is not: renewed meanwhile, or taken over after it expired
                with contextlib.suppress(StateError, _Conflict), self._errors():
                    snap = ref.get(**self._kw)
                    if snap.exists and snap.get("owner") == lease["owner"]:  # never release a lease stolen after ttl
                        self._cas_write(ref, snap, None)

    def _try_create(self, ref: DocumentReference, name: str, lease: dict[str, Any], ttl_seconds: float,
                    pairs: Sequence[tuple[str, str]], counters: Sequence[str]) -> Held | None:
        """The lock when no document names it (one write); None when one does (held, or expired)."""
        from google.api_core import exceptions as gexc

        with self._errors():
            try:
                result = ref.create({"owner": lease["owner"], "exp": _dt(self._clock() + ttl_seconds)}, **self._kw)
            except gexc.AlreadyExists:
                return None
        lease["time"] = result.update_time
        return Held(name, token={"ref": ref, "lease": lease}, unread=list(pairs), unread_counters=list(counters))

    def read_held(self, held: Held, extra: Sequence[tuple[str, str]] = ()) -> builtins.list[Doc | None]:
        """What ``locked`` left unread (documents, counters with their version) and ``extra``, one ``get_all``."""
        unread = len(held.unread)
        with self._errors():
            refs = [self._ref(check_name("collection", c), check_name("clé", k)) for c, k in [*held.unread, *extra]]
            counter_refs = [self._sys("counters", c) for c in held.unread_counters]
            snaps = self._get_all([*refs, *counter_refs])
        self._fill_held(held, snaps, held.unread, refs[:unread], held.unread_counters, counter_refs)
        held.unread, held.unread_counters = [], []
        return [decode(snaps[r.path].get("v")) if self._live(snaps[r.path]) else None for r in refs[unread:]]

    def _fill_held(self, held: Held, snaps: dict[str, DocumentSnapshot], pairs: Sequence[tuple[str, str]],
                   refs: Sequence[DocumentReference], counters: Sequence[str],
                   counter_refs: Sequence[DocumentReference]) -> None:
        for pair, doc_ref in zip(pairs, refs, strict=True):
            found = snaps[doc_ref.path]
            held.docs[pair] = decode(found.get("v")) if self._live(found) else None
        for counter, counter_ref in zip(counters, counter_refs, strict=True):
            found = snaps[counter_ref.path]
            held.counters[counter] = (int(found.get("n")), found.update_time) if found.exists else (0, None)

    def _try_acquire(self, ref: DocumentReference, name: str, lease: dict[str, Any], ttl_seconds: float,
                     pairs: Sequence[tuple[str, str]] = (), counters: Sequence[str] = ()) -> Held | None:
        with self._errors():
            refs = [self._ref(c, k) for c, k in pairs] + [self._sys("counters", c) for c in counters]
            snaps = self._get_all([ref, *refs])
            snap = snaps[ref.path]
            if snap.exists and snap.get("exp").timestamp() > self._clock() and snap.get("owner") != lease["owner"]:
                return None  # held by another (ours: a create whose answer was lost, and retried)
            try:
                lease["time"] = self._cas_write(ref, snap, {"owner": lease["owner"],
                                                            "exp": _dt(self._clock() + ttl_seconds)})
            except _Conflict:
                return None
            held = Held(name, token={"ref": ref, "lease": lease})
            self._fill_held(held, snaps, pairs, refs[: len(pairs)], counters, refs[len(pairs):])
            return held

    def _get_all(self, refs: Sequence[DocumentReference]) -> dict[str, DocumentSnapshot]:
        """One ``BatchGetDocuments``: every document by path (absent ones too)."""
        unique = list({r.path: r for r in refs}.values())
        return {snap.reference.path: snap for snap in self.client.get_all(unique, **self._kw)}

    def get_many(self, pairs: Sequence[tuple[str, str]]) -> builtins.list[Doc | None]:
        refs = [self._ref(check_name("collection", c), check_name("clé", k)) for c, k in pairs]
        if not refs:
            return []
        with self._errors():
            snaps = self._get_all(refs)
        return [decode(snaps[r.path].get("v")) if self._live(snaps[r.path]) else None for r in refs]

    def _renew(self, ref: DocumentReference, lease: dict[str, Any], ttl_seconds: float) -> bool:
        """Extend our lease while it still names us, even past its end (a renewal late under load: nobody took
        it over, so nobody else entered); False once another holder took it (its owner is theirs)."""
        token = lease["owner"]
        with self._errors():
            for _ in range(3):
                snap = ref.get(**self._kw)
                if not snap.exists or snap.get("owner") != token:
                    return False
                if (late := self._clock() - snap.get("exp").timestamp()) >= 0:
                    base.log_late(ref.id, late)
                try:
                    lease["time"] = self._cas_write(ref, snap, {"owner": token,
                                                                "exp": _dt(self._clock() + ttl_seconds)})
                except _Conflict:
                    continue
                return True
        return False

    def apply_batch(self, ops: Sequence[base.Op]) -> dict[str, tuple[int, Any]]:
        """Every op in one atomic commit (a batched write, with preconditions): all of them or none. A lock
        given back with them whose lease changed meanwhile (taken over after expiry) is left out and the
        rest committed: its holder keeps it. Past ``BATCH_WRITES`` writes (Firestore takes 500 at most) the
        ops go in several commits, the numbers' reservations in the first (a conflict there writes nothing)."""
        for op in ops:
            if isinstance(op, base.Release) and op.held.stop is not None:
                op.held.stop()  # no renewal after the batch: the lease's last write is known
        if len(ops) <= BATCH_WRITES:
            return self._apply(ops)
        first: builtins.list[base.Op] = [op for op in ops if isinstance(op, base.Reserve)]
        rest: builtins.list[base.Op] = [op for op in ops if not isinstance(op, base.Reserve)]
        cut = max(0, BATCH_WRITES - len(first))
        moved = self._apply(first + rest[:cut])
        for start in range(cut, len(rest), BATCH_WRITES):
            moved.update(self._apply(rest[start : start + BATCH_WRITES]))
        return moved

    def _apply(self, ops: Sequence[base.Op]) -> dict[str, tuple[int, Any]]:
        from google.api_core import exceptions as gexc

        with self._errors():
            try:
                return self._commit(ops)
            except (gexc.FailedPrecondition, gexc.AlreadyExists, gexc.NotFound, gexc.Aborted) as exc:
                if not any(isinstance(op, base.Release) for op in ops):
                    raise base.BatchConflict() from exc
            try:  # the lease was renewed or taken over since: the writes go without it
                return self._commit([op for op in ops if not isinstance(op, base.Release)])
            except (gexc.FailedPrecondition, gexc.AlreadyExists, gexc.NotFound, gexc.Aborted) as exc:
                raise base.BatchConflict() from exc

    def _commit(self, ops: Sequence[base.Op]) -> dict[str, tuple[int, Any]]:
        batch = self.client.batch()
        reserved: builtins.list[tuple[int, str, int]] = []  # index of the write, counter, new value
        released: builtins.list[Held] = []
        writes = 0
        for op in ops:
            writes += not (isinstance(op, base.Release) and op.held.token["lease"]["time"] is None)
            if isinstance(op, base.Put):
                check_name("collection", op.collection)
                check_name("clé", op.key)
                data = {"v": encode(op.value), "exp": self._exp(op.ttl_seconds)}
                ref = self._ref(op.collection, op.key)
                if isinstance(op, base.Create):
                    batch.create(ref, data)
                else:
                    batch.set(ref, data)
            elif isinstance(op, base.Delete):
                batch.delete(self._ref(check_name("collection", op.collection), check_name("clé", op.key)))
            elif isinstance(op, base.Reserve):
                ref, new = self._sys("counters", op.counter), op.seen + op.count
                reserved.append((writes - 1, op.counter, new))
                if op.version is None:
                    batch.create(ref, {"n": new})
                else:
                    batch.update(ref, {"n": new}, option=self.client.write_option(last_update_time=op.version))
            elif isinstance(op, base.Release):
                lease = op.held.token["lease"]
                if lease["time"] is not None:
                    option = self.client.write_option(last_update_time=lease["time"])
                    batch.delete(op.held.token["ref"], option=option)
                    released.append(op.held)
        if not writes:
            return {}
        results = batch.commit(**self._kw)
        for held in released:
            held.released = True
        return {counter: (new, results[i].update_time) for i, counter, new in reserved}

    # -- blobs ------------------------------------------------------------------------------------------

    def _chunk(self, key: str, gen: str, index: int) -> DocumentReference:
        return self._sys("chunks", f"{key}@{gen}@{index:05d}")

    def _delete_generation(self, key: str, gen: str, count: int) -> None:
        for start in range(0, count, 400):
            batch = self.client.batch()
            for index in range(start, min(count, start + 400)):
                batch.delete(self._chunk(key, gen, index))
            batch.commit(**self._kw)

    def put_blob(self, key: str, data: bytes) -> None:
        check_name("clé", key)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidInputError("Un contenu binaire (bytes) est attendu.")
        data = bytes(data)
        gen = secrets.token_hex(8)
        chunks = list(iter_chunks(data, CHUNK_BYTES))
        manifest = {
            "gen": gen,
            "n": len(chunks),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        ref = self._sys("blobs", key)

        def swap() -> DocumentSnapshot:
            snap = ref.get(**self._kw)
            self._cas_write(ref, snap, manifest)
            return snap

        with self._errors():
            try:
                for index, chunk in enumerate(chunks):
                    self._chunk(key, gen, index).set({"d": chunk}, **self._kw)
                old: DocumentSnapshot = self._retry(swap)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._delete_generation(key, gen, len(chunks))
                raise
            if old.exists:
                with contextlib.suppress(Exception):  # an orphan chunk is harmless; a failed write is not
                    self._delete_generation(key, old.get("gen"), old.get("n"))

    def get_blob(self, key: str) -> bytes | None:
        check_name("clé", key)
        ref = self._sys("blobs", key)
        with self._errors():
            for attempt in range(10):
                snap = ref.get(**self._kw)
                if not snap.exists:
                    return None
                gen, count = snap.get("gen"), snap.get("n")
                refs = [self._chunk(key, gen, index) for index in range(count)]
                found = {doc.id: doc for doc in self.client.get_all(refs, **self._kw) if doc.exists}
                if len(found) == count:
                    data = b"".join(found[r.id].get("d") for r in refs)
                    if len(data) == snap.get("size") and hashlib.sha256(data).hexdigest() == snap.get(
                        "sha256"
                    ):
                        return data
                _backoff(attempt)  # replaced while we read it: read the new generation
        raise StateError(
            f"Le contenu « {key} » du stockage interne est illisible. Réessayez dans un instant."
        )

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
