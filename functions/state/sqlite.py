"""SQLite state store: the embedded default (one file next to the workbook).

One connection per thread, WAL journal, a busy timeout, and every read-modify-write inside
``BEGIN IMMEDIATE`` so that threads and separate processes sharing the file are serialised by SQLite's
own write lock. The file holds password hashes: it is created with mode 0600 (SQLite gives its ``-wal``
and ``-shm`` files the same mode). Stores opened on one file in one process share one set of connections
(a registry): nothing ever opens or closes the live file behind SQLite's back, which would drop the POSIX
locks it holds for another connection and corrupt the database when another process writes.

Values are stored as JSON text, exactly as the Firestore backend does, so both round-trip the same values.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import math
import os
import random
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from functions.errors import InvalidInputError, StateError
from functions.state import holder
from functions.state.base import (
    BatchConflict,
    Create,
    Delete,
    Doc,
    Held,
    LeaseKeeper,
    Op,
    Put,
    Release,
    Reserve,
    StateStore,
    check_name,
    log_late,
)

BUSY_TIMEOUT_MS = 15_000
_PURGE_EVERY = 200  # writes between two sweeps of expired rows

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, exp REAL,
    PRIMARY KEY (collection, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS docs_exp ON docs (exp) WHERE exp IS NOT NULL;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hits (
    key TEXT NOT NULL, window INTEGER NOT NULL, n INTEGER NOT NULL, exp REAL NOT NULL,
    PRIMARY KEY (key, window)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hits_exp ON hits (exp);
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, exp REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
"""


def encode(value: Doc) -> str:
    """JSON text of a document; anything that is not a JSON-compatible dict is refused."""
    if not isinstance(value, dict):
        raise InvalidInputError("Le stockage interne n'accepte que des dictionnaires (documents JSON).")
    try:
        return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Valeur non enregistrable dans le stockage interne : {exc}.") from exc


def decode(text: str) -> Doc:
    value: Doc = json.loads(text)
    return value


def check_ttl(ttl_seconds: float | None) -> None:
    if ttl_seconds is not None and not (isinstance(ttl_seconds, int | float) and ttl_seconds > 0):
        raise InvalidInputError(f"Durée de validité invalide : {ttl_seconds!r} (un nombre de secondes > 0).")


def check_positive(what: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or math.isinf(value):
        raise InvalidInputError(f"{what} invalide : {value!r} (un nombre > 0).")


def lock_timeout_error(name: str, timeout_seconds: float) -> StateError:
    return StateError(
        f"Le verrou « {name} » est tenu par une autre opération depuis plus de {timeout_seconds:g} s. "
        "Réessayez dans un instant."
    )


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced: a thread's connection closes when the thread ends."""


class _Database:
    """The connections of this process to one state file: one per thread, shared by every store opened on
    that file (see ``_acquire``), closed when the last of those stores closes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()
        self.conns: weakref.WeakSet[sqlite3.Connection] = weakref.WeakSet()
        self.lock = threading.Lock()
        self.refs = 0

    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=60, factory=_Connection
            )
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=NORMAL")
            self.local.conn = conn
            with self.lock:
                self.conns.add(conn)
        return conn

    def close(self) -> None:
        with self.lock:
            conns, self.conns = list(self.conns), weakref.WeakSet()
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self.local = threading.local()


#: One ``_Database`` per state file per process. Two stores on one file share its connections: nothing here
#: ever opens or closes the file itself, which would drop the POSIX locks SQLite holds on it for the other.
_REGISTRY: dict[str, _Database] = {}
_REGISTRY_LOCK = threading.Lock()


def _acquire(path: str) -> _Database:
    key = os.path.realpath(path)
    with _REGISTRY_LOCK:
        db = _REGISTRY.get(key)
        if db is None:
            db = _REGISTRY[key] = _Database(path)
        db.refs += 1
        return db


def _release(db: _Database) -> None:
    with _REGISTRY_LOCK:
        db.refs -= 1
        if db.refs > 0:
            return
        for key, known in list(_REGISTRY.items()):
            if known is db:
                del _REGISTRY[key]
    db.close()


class SQLiteStateStore(StateStore):
    """One connection per thread per file (a thread-per-request server does not leak them: they are only
    weakly tracked, for ``close``), each in autocommit mode with explicit ``BEGIN IMMEDIATE`` transactions.
    Stores opened on the same file in one process share those connections."""

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], float] = time.time) -> None:
        self.path = os.fspath(path)
        self._clock = clock
        self._db: _Database | None = None
        self._db_lock = threading.Lock()
        self._writes = 0
        created = self._check_folder()
        with self._errors():
            conn = self._conn()
            if created:  # before anything is written (the -wal and -shm files take the same mode)
                with contextlib.suppress(OSError):
                    os.chmod(self.path, 0o600)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    # -- plumbing ---------------------------------------------------------------------------------------

    def _check_folder(self) -> bool:
        """True when the file does not exist yet (SQLite creates it)."""
        directory = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(directory):
            raise StateError(
                f"Impossible d'ouvrir le stockage interne « {self.path} » : le dossier « {directory} » "
                "n'existe pas. Créez-le ou corrigez TTR_STATE."
            )
        return not os.path.exists(self.path)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "not a database" in text or "malformed" in text:
                message = (
                    f"Le fichier « {self.path} » n'est pas une base de stockage interne SQLite valide. "
                    "Restaurez une sauvegarde ou indiquez un autre fichier dans TTR_STATE."
                )
            elif "locked" in text or "busy" in text:
                message = "Le stockage interne est occupé par un autre programme. Réessayez dans un instant."
            elif "unable to open" in text or "readonly" in text:
                message = (
                    f"Impossible d'ouvrir le stockage interne « {self.path} » ({text}). "
                    "Vérifiez le chemin et les droits, ou corrigez TTR_STATE."
                )
            else:
                message = (
                    f"Le stockage interne « {self.path} » est inutilisable ({text}). Vérifiez le fichier."
                )
            raise StateError(message) from exc

    def _conn(self) -> sqlite3.Connection:
        db = self._db
        if db is None:
            with self._db_lock:
                if self._db is None:
                    self._db = _acquire(self.path)
                db = self._db
        return db.conn()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE takes the write lock up front (no upgrade deadlocks)."""
        with self._errors():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._errors():
            return self._conn().execute(sql, args).fetchall()

    def _maybe_purge(self, conn: sqlite3.Connection, now: float) -> None:
        self._writes += 1
        if self._writes % _PURGE_EVERY == 0:
            conn.execute("DELETE FROM docs WHERE exp IS NOT NULL AND exp <= ?", (now,))
            conn.execute("DELETE FROM hits WHERE exp <= ?", (now,))
            conn.execute("DELETE FROM locks WHERE exp <= ?", (now,))

    def _exp(self, ttl_seconds: float | None) -> float | None:
        check_ttl(ttl_seconds)
        return None if ttl_seconds is None else self._clock() + ttl_seconds

    # -- documents --------------------------------------------------------------------------------------

    def get(self, collection: str, key: str) -> Doc | None:
        check_name("collection", collection)
        check_name("clé", key)
        rows = self._query(
            "SELECT value FROM docs WHERE collection = ? AND key = ? AND (exp IS NULL OR exp > ?)",
            (collection, key, self._clock()),
        )
        return decode(rows[0][0]) if rows else None

    def put(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> None:
        check_name("collection", collection)
        check_name("clé", key)
        text, exp = encode(value), self._exp(ttl_seconds)
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO docs (collection, key, value, exp) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, exp = excluded.exp",
                (collection, key, text, exp),
            )
            self._maybe_purge(conn, self._clock())

    def create(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> bool:
        check_name("collection", collection)
        check_name("clé", key)
        text, exp = encode(value), self._exp(ttl_seconds)
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO docs (collection, key, value, exp) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, exp = excluded.exp "
                "WHERE docs.exp IS NOT NULL AND docs.exp <= ?",
                (collection, key, text, exp, self._clock()),
            )
            return cur.rowcount == 1

    def delete(self, collection: str, key: str) -> None:
        check_name("collection", collection)
        check_name("clé", key)
        with self._tx() as conn:
            conn.execute("DELETE FROM docs WHERE collection = ? AND key = ?", (collection, key))

    def update(self, collection: str, key: str, fn: Callable[[Doc | None], Doc | None]) -> Doc | None:
        check_name("collection", collection)
        check_name("clé", key)
        with self._tx() as conn:
            now = self._clock()
            rows = conn.execute(
                "SELECT value, exp FROM docs WHERE collection = ? AND key = ?", (collection, key)
            ).fetchall()
            live = bool(rows) and (rows[0][1] is None or rows[0][1] > now)
            result = fn(decode(rows[0][0]) if live else None)
            if result is None:
                conn.execute("DELETE FROM docs WHERE collection = ? AND key = ?", (collection, key))
                return None
            exp = rows[0][1] if live else None  # an update keeps the document's expiry
            conn.execute(
                "INSERT INTO docs (collection, key, value, exp) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, exp = excluded.exp",
                (collection, key, encode(result), exp),
            )
            return decode(encode(result))

    def list(self, collection: str, prefix: str = "") -> list[tuple[str, Doc]]:
        check_name("collection", collection)
        if prefix:
            check_name("préfixe", prefix)
        rows = self._query(
            "SELECT key, value FROM docs WHERE collection = ? AND substr(key, 1, ?) = ? "
            "AND (exp IS NULL OR exp > ?) ORDER BY key",
            (collection, len(prefix), prefix, self._clock()),
        )
        return [(key, decode(text)) for key, text in rows]

    # -- counters, rate limits, locks -------------------------------------------------------------------

    def next_number(self, counter: str, count: int = 1) -> int:
        check_name("compteur", counter)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInputError(f"Nombre de numéros à réserver invalide : {count!r}.")
        with self._tx() as conn:
            rows = conn.execute(
                "INSERT INTO counters (name, n) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET n = n + excluded.n RETURNING n",
                (counter, count),
            ).fetchall()
        last: int = rows[0][0]
        return last - count + 1

    def hit(self, key: str, window_seconds: float) -> int:
        check_name("clé", key)
        check_positive("Fenêtre de comptage", window_seconds)
        now = self._clock()
        window = math.floor(now / window_seconds)
        exp = (window + 1) * window_seconds
        with self._tx() as conn:
            rows = conn.execute(
                "INSERT INTO hits (key, window, n, exp) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (key, window) DO UPDATE SET n = n + 1 RETURNING n",
                (key, window, exp),
            ).fetchall()
            self._maybe_purge(conn, now)
        count: int = rows[0][0]
        return count

    @contextlib.contextmanager
    def lock(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30) -> Iterator[None]:
        with self.locked(name, ttl_seconds, timeout_seconds):
            yield

    @contextlib.contextmanager
    def locked(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30,
               docs: Sequence[tuple[str, str]] = (), counters: Sequence[str] = ()) -> Iterator[Held]:
        """The lock, and ``docs`` and ``counters`` read in the transaction that takes it."""
        check_name("verrou", name)
        check_positive("Durée du verrou", ttl_seconds)
        pairs = [(check_name("collection", c), check_name("clé", k)) for c, k in docs]
        names = [check_name("compteur", c) for c in counters]
        owner = f"{secrets.token_hex(16)} {holder.me()}"
        deadline = time.monotonic() + timeout_seconds
        delay = 0.005
        while (held := self._try_acquire(name, owner, ttl_seconds, pairs, names)) is None:
            if time.monotonic() >= deadline:
                raise lock_timeout_error(name, timeout_seconds)
            time.sleep(min(delay * random.uniform(0.5, 1.5), max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.1)
        keeper = LeaseKeeper(name, lambda: self._renew(name, owner, ttl_seconds), ttl_seconds / 3)
        held.stop = keeper.stop_and_wait
        try:
            yield held
        finally:
            keeper.stop()
            if not held.released:
                with self._tx() as conn:  # only the owner releases; a stolen lease is left to its new holder
                    conn.execute("DELETE FROM locks WHERE name = ? AND owner = ?", (name, owner))

    def _try_acquire(self, name: str, owner: str, ttl_seconds: float, pairs: Sequence[tuple[str, str]] = (),
                     counters: Sequence[str] = ()) -> Held | None:
        """Free, expired, or held by a process of this machine that has ended: it is ours."""
        with self._tx() as conn:
            now = self._clock()
            rows = conn.execute("SELECT owner, exp FROM locks WHERE name = ?", (name,)).fetchall()
            if rows and rows[0][1] > now and not holder.is_dead(rows[0][0].partition(" ")[2]):
                return None
            conn.execute(
                "INSERT INTO locks (name, owner, exp) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, exp = excluded.exp",
                (name, owner, now + ttl_seconds),
            )
            held = Held(name, dict(zip(pairs, self._select(conn, pairs, now), strict=True)), token=owner)
            for counter in counters:
                found = conn.execute("SELECT n FROM counters WHERE name = ?", (counter,)).fetchall()
                held.counters[counter] = (found[0][0], found[0][0]) if found else (0, None)
            return held

    def _select(self, conn: sqlite3.Connection, pairs: Sequence[tuple[str, str]], now: float) -> builtins.list[Doc | None]:
        found: dict[tuple[str, str], Doc] = {}
        unique = list(dict.fromkeys(pairs))
        for start in range(0, len(unique), 300):
            part = unique[start : start + 300]
            marks = ",".join("(?, ?)" for _ in part)
            args = [x for pair in part for x in pair]
            for c, k, text in conn.execute(
                f"SELECT collection, key, value FROM docs WHERE (collection, key) IN (VALUES {marks}) "  # noqa: S608
                "AND (exp IS NULL OR exp > ?)", (*args, now)):
                found[(c, k)] = decode(text)
        return [found.get(pair) for pair in pairs]

    def get_many(self, pairs: Sequence[tuple[str, str]]) -> builtins.list[Doc | None]:
        pairs = [(check_name("collection", c), check_name("clé", k)) for c, k in pairs]
        if not pairs:
            return []
        with self._errors():
            return self._select(self._conn(), pairs, self._clock())

    def apply_batch(self, ops: Sequence[Op]) -> dict[str, tuple[int, Any]]:
        """Every op in one ``BEGIN IMMEDIATE`` transaction: all of them or (on a conflict) none."""
        moved: dict[str, tuple[int, Any]] = {}
        released: list[Held] = []
        for op in ops:
            if isinstance(op, Release) and op.held.stop is not None:
                op.held.stop()  # no renewal after the batch gave the lease back
        with self._tx() as conn:
            now = self._clock()
            for op in ops:
                if isinstance(op, Put):
                    check_name("collection", op.collection)
                    check_name("clé", op.key)
                    text, exp = encode(op.value), self._exp(op.ttl_seconds)
                    sql = ("INSERT INTO docs (collection, key, value, exp) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, exp = excluded.exp")
                    if isinstance(op, Create):
                        sql += " WHERE docs.exp IS NOT NULL AND docs.exp <= ?"
                        if conn.execute(sql, (op.collection, op.key, text, exp, now)).rowcount != 1:
                            raise BatchConflict()
                    else:
                        conn.execute(sql, (op.collection, op.key, text, exp))
                elif isinstance(op, Delete):
                    conn.execute("DELETE FROM docs WHERE collection = ? AND key = ?",
                                 (check_name("collection", op.collection), check_name("clé", op.key)))
                elif isinstance(op, Reserve):
                    new = op.seen + op.count
                    if op.version is None:
                        cur = conn.execute("INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                                           (op.counter, new))
                    else:
                        cur = conn.execute("UPDATE counters SET n = ? WHERE name = ? AND n = ?",
                                           (new, op.counter, op.version))
                    if cur.rowcount != 1:
                        raise BatchConflict()
                    moved[op.counter] = (new, new)
                elif isinstance(op, Release):
                    if conn.execute("DELETE FROM locks WHERE name = ? AND owner = ?",
                                    (op.held.name, op.held.token)).rowcount:  # a lease taken over is left
                        released.append(op.held)
            self._maybe_purge(conn, now)
        for held in released:
            held.released = True
        return moved

    def _renew(self, name: str, owner: str, ttl_seconds: float) -> bool:
        """Extend our lease while it still names us, even past its end (a renewal late under load: nobody took
        it, so nobody else entered); False once another holder took it over."""
        with self._tx() as conn:
            now = self._clock()
            rows = conn.execute("SELECT exp FROM locks WHERE name = ? AND owner = ?", (name, owner)).fetchall()
            if not rows:
                return False
            if rows[0][0] <= now:
                log_late(name, now - rows[0][0])
            conn.execute("UPDATE locks SET exp = ? WHERE name = ? AND owner = ?", (now + ttl_seconds, name, owner))
            return True

    # -- blobs ------------------------------------------------------------------------------------------

    def put_blob(self, key: str, data: bytes) -> None:
        check_name("clé", key)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidInputError("Un contenu binaire (bytes) est attendu.")
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO blobs (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                (key, sqlite3.Binary(bytes(data))),
            )

    def get_blob(self, key: str) -> bytes | None:
        check_name("clé", key)
        rows = self._query("SELECT data FROM blobs WHERE key = ?", (key,))
        return bytes(rows[0][0]) if rows else None

    def close(self) -> None:
        with self._db_lock:
            db, self._db = self._db, None
        if db is not None:
            _release(db)
