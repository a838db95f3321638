"""The Journal: append-only rows chained by a keyed hash, so that any edit is evident.

Each row's ``Empreinte`` is ``HMAC-SHA256(key, previous Empreinte ␟ canonical row)``, cut to 20 hex
characters (80 bits). The key lives in the state store, not in the sheet, so a person who can edit the
sheet cannot recompute a valid chain; the chain head (row count and last Empreinte) also lives there, so
rows cut from the end are noticed too. ``verify`` names the first row that breaks the chain: edited,
deleted, inserted or moved rows all break it at (or right after) the place they touch. Because key and head
share the state store, every ``checkpoint.EVERY``-th row is a sealed checkpoint of the head (see
``checkpoint``): a rewrite by someone who can write the state store is caught there.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from functions.audit import checkpoint
from functions.state.base import StateStore

GENESIS = "0" * 20
FIELDS = ("time", "actor", "source", "action", "tab", "row", "changes")


_KEYS: weakref.WeakKeyDictionary[StateStore, bytes] = weakref.WeakKeyDictionary()  # a key never changes once made


def journal_key(state: StateStore) -> bytes:
    known = _KEYS.get(state)
    if known is not None:  # one state store round trip less per action
        return known
    _KEYS[state] = key = _read_key(state)
    return key


def _read_key(state: StateStore) -> bytes:
    doc = state.get("secrets", "journal_key")
    if doc is None:
        state.create("secrets", "journal_key", {"hex": secrets.token_hex(32)})
        doc = state.get("secrets", "journal_key")
    assert doc is not None
    return bytes.fromhex(doc["hex"])


def canonical(values: dict[str, Any]) -> str:
    t = values.get("time")
    if isinstance(t, datetime):
        t = (t.replace(microsecond=0) if t.microsecond else t).isoformat(" ")
    g = values.get
    text = "\x1f".join("" if v is None else v if v.__class__ is str else str(v)
                        for v in (t, g("actor"), g("source"), g("action"), g("tab"), g("row"), g("changes")))
    uid = g("user_id")  # chained when set: rows written before the column existed hash as they did
    return f"{text}\x1f{uid}" if uid else text


def link(key: bytes | Any, previous: str, values: dict[str, Any]) -> str:
    """The Empreinte of a row after ``previous``; ``key`` may be a prepared ``hmac`` object (faster)."""
    msg = (previous + "\x1e" + canonical(values)).encode("utf-8")
    mac = key.copy() if hasattr(key, "copy") else hmac.new(key, digestmod=hashlib.sha256)
    mac.update(msg)
    return mac.hexdigest()[:20]


def prepared(key: bytes) -> Any:
    return hmac.new(key, digestmod=hashlib.sha256)


def chain(key: bytes, previous: str, rows: Iterable[dict[str, Any]]) -> list[str]:
    key = prepared(key)
    out = []
    for values in rows:
        previous = link(key, previous, values)
        out.append(previous)
    return out


@dataclass(frozen=True)
class Head:
    count: int
    hash: str
    offset: int = 0  # Journal rows of closed years before this Journal's second row (see ``year_end_cut``)

    @classmethod
    def load(cls, state: StateStore) -> Head:
        doc = state.get("journal", "head")
        return cls(int(doc["count"]), str(doc["hash"]), int(doc.get("offset", 0))) if doc else cls(0, GENESIS)

    def position(self, n: int) -> int:
        """The position in the whole chain (archives included) of this Journal's ``n``-th row (0-based)."""
        return n + self.offset

    def save(self, state: StateStore) -> None:
        state.put("journal", "head", {"count": self.count, "hash": self.hash, "offset": self.offset})


YEAR_END = "clôture d'exercice"  # the action of the row a year's close leaves at the head of the Journal
_YEAR_END = re.compile(r"archivé dans « .* » : (\d+) ligne\(s\) du Journal.* ; dernière empreinte ([0-9a-f]{20})$")


def year_end_cut(values: dict[str, Any]) -> tuple[str, int] | None:
    """(the archive's last Empreinte, how many Journal rows it holds) named by a year-end checkpoint row
    (``functions.archive``), else None."""
    if values.get("action") != YEAR_END or values.get("source") != "système":
        return None
    match = _YEAR_END.search(str(values.get("changes") or ""))
    return (match.group(2), int(match.group(1))) if match else None


def year_end_digest(values: dict[str, Any]) -> str | None:
    cut = year_end_cut(values)
    return cut[0] if cut else None


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rows: int
    message: str
    first_bad_row: int | None = None  # 1-based sheet row


def verify(key: bytes, rows: Sequence[dict[str, Any]], head: Head, first_row: int = 2,
           seal_key: bytes | None = None) -> Verdict:
    """Check the chain of ``rows`` (typed Journal rows, sheet order) against the recorded head, and the
    checkpoints written into the Journal (``checkpoint``) against the chain they seal."""
    sealing = checkpoint.seal_key(key) if seal_key is None else seal_key
    key = prepared(key)
    previous = GENESIS
    started = False
    offset = 0  # rows of closed years, archived before this Journal's first row
    for i, values in enumerate(rows):
        if i == 0 and (cut := year_end_cut(values)) is not None:  # a closed year's rows are archived
            named, archived = cut
            if not hmac.compare_digest(link(key, named, values), str(values.get("hash") or "")):
                return Verdict(False, len(rows), f"Journal, ligne {first_row} : point de clôture d'exercice "
                               "invalide — il a été modifié.", first_row)
            previous, offset = named, archived - 1  # the next rows chain from the archive's last row
            continue
        expected = link(key, previous, values)
        if not hmac.compare_digest(expected, str(values.get("hash") or "")):
            n = first_row + i
            return Verdict(False, len(rows),
                           f"Journal, ligne {n} : empreinte invalide — cette ligne (ou celle d'avant) a été "
                           "modifiée, insérée, supprimée ou déplacée.", n)
        problem = checkpoint.check(sealing, i + offset, previous, values, started)
        if problem is not None:
            n = first_row + i
            return Verdict(False, len(rows), f"Journal, ligne {n} : {problem} — l'historique a été réécrit "
                           "(lignes et état interne), ou cette ligne a été modifiée.", n)
        started = started or values.get("action") == checkpoint.ACTION
        previous = expected
    if len(rows) < head.count:
        n = first_row + len(rows)
        return Verdict(False, len(rows),
                       f"Journal, ligne {n} : {head.count - len(rows)} ligne(s) manquent à la fin du Journal "
                       f"({head.count} enregistrées, {len(rows)} présentes).", n)
    if len(rows) > head.count or (rows and previous != head.hash):
        n = first_row + head.count
        return Verdict(False, len(rows), f"Journal, ligne {n} : lignes ajoutées hors de l'application.", n)
    return Verdict(True, len(rows), f"Journal intact : {len(rows)} ligne(s) vérifiée(s).")
