"""Checkpoints of the Journal chain, written into the workbook itself and sealed outside the state store.

The Journal's key and head live in the state store, so whoever can write that store (a SQLite file, a
Firestore database) can recompute the whole chain after rewriting rows, or make the sync "restore" rows it
invents. A checkpoint keeps the head also where that person cannot write it alone:

* every ``EVERY``-th Journal row (0-based positions ``EVERY - 1``, ``2 * EVERY - 1``…) is a checkpoint row,
  source « système », action « point de contrôle », naming the number of rows before it, the chain head
  (Empreinte) at that point and a **sceau**: an HMAC of both under a key derived from ``TTR_SECRET_KEY``
  (in the cloud a Secret Manager secret, not in Firestore; without it, from the Journal key);
* the Journal tab is protected in the sheet; a checkpoint row is chained like any row;
* the latest sceau goes to the owner in the morning summary (email or WhatsApp link), out of band.

``ttr audit verify`` then refuses a Journal where, from the first checkpoint on, a checkpoint is missing,
moved, or does not match the chain it seals. A rewrite of the state's head and rows (with the Journal key)
changes the chain, and the old sceaux no longer match; new ones cannot be made without ``TTR_SECRET_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EVERY = 200
ACTION = "point de contrôle"
_TEXT = re.compile(r"^Point de contrôle : (\d+) ligne\(s\) avant celle-ci, tête ([0-9a-f]{20}), sceau ([0-9a-f]{16})$")


def seal_key(journal_key: bytes, env: Mapping[str, str] | None = None) -> bytes:
    """The sealing key: from ``TTR_SECRET_KEY`` when it is set (32 characters or more), else the Journal key."""
    secret = (os.environ if env is None else env).get("TTR_SECRET_KEY") or ""
    base = secret.encode() if len(secret) >= 32 else journal_key
    return hmac.new(base, b"ttr-journal-checkpoint", hashlib.sha256).digest()


def seal(key: bytes, count: int, head: str) -> str:
    return hmac.new(key, f"{count}\x1f{head}".encode(), hashlib.sha256).hexdigest()[:16]


def due(position: int) -> bool:
    """Is the row at this 0-based Journal position a checkpoint?"""
    return position % EVERY == EVERY - 1


@dataclass(frozen=True)
class Checkpoint:
    count: int  # Journal rows before the checkpoint row
    head: str  # their chain head (the Empreinte of the last of them)
    seal: str

    def text(self) -> str:
        return f"Point de contrôle : {self.count} ligne(s) avant celle-ci, tête {self.head}, sceau {self.seal}"

    def short(self) -> str:
        """What the owner receives: enough to check the Journal later (``count`` and ``seal``)."""
        return f"{self.count} lignes, sceau {self.seal}"


def make(key: bytes, count: int, head: str) -> Checkpoint:
    return Checkpoint(count, head, seal(key, count, head))


def parse(changes: Any) -> Checkpoint | None:
    m = _TEXT.match(str(changes or ""))
    return Checkpoint(int(m.group(1)), m.group(2), m.group(3)) if m else None


def row_values(checkpoint: Checkpoint, when: Any, journal_title: str) -> dict[str, Any]:
    return {"time": when, "actor": "système", "source": "système", "action": ACTION, "tab": journal_title,
            "row": "", "changes": checkpoint.text()}


def check(key: bytes, position: int, previous: str, values: Mapping[str, Any], started: bool) -> str | None:
    """Why the row at ``position`` breaks the checkpoints (None when it does not). ``previous`` is the chain
    head before the row, ``started`` whether a checkpoint was seen before it."""
    is_checkpoint = values.get("action") == ACTION and values.get("source") == "système"
    if not is_checkpoint:
        return "point de contrôle manquant" if started and due(position) else None
    found = parse(values.get("changes"))
    if found is None or not due(position) or found.count != position:
        return "point de contrôle déplacé ou illisible"
    if found.head != previous or not hmac.compare_digest(found.seal, seal(key, found.count, found.head)):
        return "point de contrôle qui ne correspond plus aux lignes d'avant (sceau invalide)"
    return None


def latest(rows: list[Mapping[str, Any]]) -> Checkpoint | None:
    """The last checkpoint of typed Journal rows (for the owner's summary)."""
    for values in reversed(rows):
        if values.get("action") == ACTION:
            found = parse(values.get("changes"))
            if found is not None:
                return found
    return None
