"""What the toolkit last knew of each tab (per row id, every column as canonical text), in the state store.

The sync compares the sheet with it to find rows a person added, changed or deleted; every action
patches it so the toolkit's own writes are never taken for a person's. The Journal rows the toolkit wrote
are kept too (``journal_log``), so rows lost to a stale save of the file can be put back.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import orjson

from functions.state.base import StateStore
from functions.store.schema import Tab

TabSnapshot = dict[str, dict[str, str]]  # row id -> column key -> canonical text
SEGMENT = 200  # Journal rows per state document


def canon(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        d = value.normalize()
        return format(d, "f")
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def row_canon(tab: Tab, values: dict[str, Any]) -> dict[str, str]:
    return {c.key: canon(values.get(c.key)) for c in tab.columns if c.key != "id"}


def record_canon(tab: Tab, record: Any) -> dict[str, str]:
    """``row_canon`` of a record, kept on it: a record never changes (a changed row is a new record) and the
    rows nobody touched are the same records from one read to the next, so a sync compares, not converts,
    them. The dict is shared: read it, never change it."""
    cached: tuple[Tab, dict[str, str]] | None = record.__dict__.get("_canon")
    if cached is None or cached[0] is not tab:
        cached = record.__dict__["_canon"] = (tab, row_canon(tab, record.values))
    return cached[1]


#: The last snapshot of each tab loaded or saved in this process, with its blob: the same bytes are the same
#: snapshot, so a sync does not decode 100 000 rows of JSON again. ``load`` hands out a new dict whose rows are
#: shared: read them, replace them, never change them (as ``record_canon``'s).
_PARSED: dict[str, tuple[bytes, TabSnapshot]] = {}


def load(state: StateStore, tab_key: str) -> TabSnapshot | None:
    blob = state.get_blob(f"snapshot.{tab_key}")
    if not blob:
        return None
    kept = _PARSED.get(tab_key)
    if kept is None or kept[0] != blob:
        kept = _PARSED[tab_key] = (blob, orjson.loads(zlib.decompress(blob)))
    return dict(kept[1])


def drop(state: StateStore, tab_key: str) -> None:
    """Forget a tab's snapshot: the next sync takes a new baseline instead of journaling every row (so it
    cannot be a sync with nothing new: its mark goes too)."""
    state.put_blob(f"snapshot.{tab_key}", b"")
    state.delete("sync", "mark")


def save(state: StateStore, tab_key: str, snap: TabSnapshot) -> None:
    blob = zlib.compress(orjson.dumps(snap), 1)  # UTF-8 JSON, as json.dumps(ensure_ascii=False), 5× faster
    state.put_blob(f"snapshot.{tab_key}", blob)
    _PARSED[tab_key] = (blob, dict(snap))  # its rows shared, as ``load``'s: nobody changes a row, rows are replaced


def record_patch(state: StateStore, patch_rows: list[list[Any]], journal_end: int | None = None,
                 number: int | None = None) -> None:
    """Note what an action wrote (``patch_values``: tab key, row id, values, and the values it replaced or
    None for a new row) without rewriting the snapshots: a small document per action, merged by the next
    sync (``load_all``) and kept in the history with the Journal length after the action (a stale save's
    merge finds there what the app changed since the copy was taken). ``number`` is the patch's, already
    taken from the ``snapshot_patch`` counter (else one is taken here)."""
    if patch_rows:
        n = state.next_number("snapshot_patch") if number is None else number
        state.put("snapshot_patch", f"{n:012d}", {"rows": patch_rows, "journal": journal_end})


def patch_values(schema_tabs: dict[str, Tab], rows: Iterable[tuple[Any, ...]]) -> list[list[Any]]:
    """The rows of a patch as stored (canonical text), quarantined rows left out. Paramètres rows are keyed
    by their Clé, with the one field ``value``."""
    from functions.books.quarantine import is_mark

    patch_rows: list[list[Any]] = []
    for row in rows:
        key, rid, values = row[0], row[1], row[2]
        old = row[3] if len(row) > 3 else None
        if is_mark(rid):
            continue  # a row typed by hand and quarantined is nothing the app recorded
        if key == "settings":
            patch_rows.append([key, rid, {"value": canon(values.get("value"))},
                               None if old is None else {"value": canon(old.get("value"))}])
            continue
        cols = {c.key for c in schema_tabs[key].columns}
        new = {k: canon(v) for k, v in values.items() if k != "id" and k in cols}
        patch_rows.append([key, rid, new, None if old is None else {k: canon(old.get(k)) for k in new}])
    return patch_rows


HISTORY = 2000  # actions kept for a stale save's merge (a copy older than that merges what remains)


def history(state: StateStore) -> list[dict[str, Any]]:
    """The actions' patches, oldest first (merged ones and those still waiting for a sync)."""
    blob = state.get_blob("snapshot.history")
    kept: list[dict[str, Any]] = json.loads(zlib.decompress(blob)) if blob else []
    return kept + [doc for _, doc in state.list("snapshot_patch")]


HISTORY_ROWS = 50_000  # and at most this many rows in all


def _keep(state: StateStore, docs: list[dict[str, Any]], tabs: dict[str, Tab]) -> None:
    """Add merged patches to the history, without computed columns (the merge never puts those back:
    the sync recomputes them), so a sync that rewrote many balances does not crowd out the actions."""
    computed = {k: {c.key for c in t.columns if c.computed} for k, t in tabs.items()}
    slim = []
    for doc in docs:
        rows = []
        for key, rid, new, *old in doc.get("rows", []):
            drop = computed.get(key, set())
            kept_new = {f: v for f, v in new.items() if f not in drop}
            if kept_new or (old and old[0] is None):
                rows.append([key, rid, kept_new, *old])
        if rows:
            slim.append({"rows": rows, "journal": doc.get("journal")})
    if not slim:
        return
    blob = state.get_blob("snapshot.history")
    kept: list[dict[str, Any]] = (json.loads(zlib.decompress(blob)) if blob else []) + slim
    kept = kept[-HISTORY:]
    total = sum(len(d["rows"]) for d in kept)
    while len(kept) > 1 and total > HISTORY_ROWS:
        total -= len(kept.pop(0)["rows"])
    state.put_blob("snapshot.history", zlib.compress(json.dumps(kept, ensure_ascii=False).encode(), 1))


def load_all(state: StateStore, tabs: dict[str, Tab]) -> dict[str, TabSnapshot | None]:
    """Every tab's snapshot with the actions' patches merged in (and saved, so they are merged once)."""
    snaps = {k: load(state, k) for k in tabs}
    patches = state.list("snapshot_patch")
    if not patches:
        return snaps
    touched = set()
    for _, doc in patches:
        for key, rid, values, *_ in doc["rows"]:
            snap = snaps.get(key)
            if snap is None:
                continue  # no baseline yet: the next sync takes one
            snap[rid] = {**snap.get(rid, {}), **values}  # replaced, not changed: the rows are shared (``load``)
            touched.add(key)
    for key in touched:
        save(state, key, snaps[key])  # type: ignore[arg-type]
    _keep(state, [doc for _, doc in patches], tabs)
    for name, _ in patches:
        state.delete("snapshot_patch", name)
    return snaps


def log_journal(state: StateStore, start: int, rows: list[list[Any]]) -> None:
    """Keep the Journal rows written from position ``start`` (0-based) as canonical text: one document per
    action and segment (``<segment>.<offset>``), written blind (no read), so an action logs its rows in the
    batch that ends it. A log started again from a lower position (the year's close) is cleared first."""
    i = 0
    while i < len(rows):
        seg, offset = divmod(start + i, SEGMENT)
        take = [canon_list(r) for r in rows[i : i + SEGMENT - offset]]
        state.put("journal_log", f"{seg:08d}.{offset:03d}", {"rows": take})
        i += len(take)


def _segment_rows(docs: list[tuple[str, dict[str, Any]]]) -> list[list[str]]:
    """A segment's rows from its documents in key order: a whole segment (the former layout, key
    ``<segment>``) and the actions' pieces, each from its offset on (what follows it is dropped, as the
    former read-modify-write did)."""
    rows: list[list[str]] = []
    for key, doc in docs:
        offset = int(key.partition(".")[2] or 0)
        rows = rows[:offset] + [[]] * (offset - len(rows)) + list(doc.get("rows", []))
    return rows


def canon_list(row: list[Any]) -> list[str]:
    return [canon(v) for v in row]


def journal_rows(state: StateStore, start: int, end: int) -> list[list[str]]:
    """Logged Journal rows ``start``..``end``-1 (0-based), as canonical text."""
    out: list[list[str]] = []
    for seg in range(start // SEGMENT, (end - 1) // SEGMENT + 1 if end > start else 0):
        rows = _segment_rows(state.list("journal_log", f"{seg:08d}"))
        for j, r in enumerate(rows):
            seq = seg * SEGMENT + j
            if start <= seq < end:
                out.append(r)
    return out
