"""A stale save merged three ways (pure): a person saved an old copy of the file over the app's writes.

The copy came from the version of the workbook whose Journal had as many rows as the copy's Journal has
(each action appends its Journal rows and records what it wrote, with the old values, in the snapshot
history). For every field the app changed since that version: the copy still shows the value of that
version (base) → the app's value is put back; the copy shows another value and the app's value differs
too → changed by both: the app's value is kept and the field is listed; the copy shows the app's value
→ nothing to do. Fields the app did not touch are the person's edits, journaled as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from functions.audit.snapshot import TabSnapshot, canon
from functions.store.backend import AppendRows, Op, UpdateRow
from functions.store.workbook import Book, JournalEntry, Record


@dataclass
class Merge:
    """What a stale-save merge put back: row updates (tab key, record, values), Paramètres ops, Journal."""

    updates: list[tuple[Record, dict[str, Any]]] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)
    restored: int = 0  # fields put back
    conflicts: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (tab, row, header, sheet, app)


def _system(action: str, tab: str, row: str, changes: str) -> JournalEntry:
    return JournalEntry(action, tab, row, changes, actor="système", source="système")


def since(history: Sequence[Mapping[str, Any]], journal_rows: int) -> list[Mapping[str, Any]]:
    """The actions the copy lacks: those that ended after its Journal's last row."""
    return [d for d in history if d.get("journal") is not None and int(d["journal"]) > journal_rows]


def bases(patches: Sequence[Mapping[str, Any]]) -> tuple[dict[tuple[str, str], dict[str, str]], set[tuple[str, str]],
                                                            dict[tuple[str, str], dict[str, str]]]:
    """Per row: the value of each field the app changed as it was at the copy's version; rows the app
    added since; the app's last value of each field."""
    base: dict[tuple[str, str], dict[str, str]] = {}
    added: set[tuple[str, str]] = set()
    last: dict[tuple[str, str], dict[str, str]] = {}
    for doc in patches:
        for row in doc.get("rows", []):
            key, rid, new = row[0], row[1], row[2]
            old = row[3] if len(row) > 3 else None
            k = (key, rid)
            if old is None and k not in base:
                added.add(k)
            if k not in added:
                b = base.setdefault(k, {})
                for f in new:
                    b.setdefault(f, str((old or {}).get(f, "")))
            last.setdefault(k, {}).update(new)
    return base, added, last


def reclaim(book: Book, snapshots: Mapping[str, TabSnapshot | None], patches: Sequence[Mapping[str, Any]]
            ) -> list[tuple[Record, str, dict[str, Any]]]:
    """Rows without an ID in the copy that the app had already named since (the person kept the file open
    while a sync gave their typed row an ID, then saved again): (row, its ID, the values the app had added,
    such as N° or Client ID). Matched by content: at least two of the values the row shows equal the app's
    and at most two differ (edits typed since, journaled as the person's), and no other row matches as well."""
    _, added, _ = bases(patches)
    out: list[tuple[Record, str, dict[str, Any]]] = []
    for key in {k for k, _ in added}:
        snap = snapshots.get(key)
        if snap is None or key not in book.tabs:
            continue
        tab = book.schema.tab(key)
        cols = [c for c in tab.columns if not c.computed and c.key != "id"]
        present = {r.id for r in book.all_rows(key) if r.id}
        wanted = {rid: snap[rid] for k, rid in added if k == key and rid in snap and rid not in present}
        for r in book.all_rows(key):
            if r.id or not wanted:
                continue
            shown = {c.key: canon(r[c.key]) for c in cols if canon(r[c.key]) != ""}
            scores = sorted(((sum(old.get(k, "") == v for k, v in shown.items()), rid) for rid, old in wanted.items()),
                            reverse=True)
            if not scores or scores[0][0] < max(2, len(shown) - 2) or (len(scores) > 1 and scores[1][0] == scores[0][0]):
                continue
            rid = scores[0][1]
            old = wanted.pop(rid)
            extra = {c.key: book.codec.to_value(c.type, old[c.key]) for c in cols
                     if c.key not in shown and old.get(c.key, "") != ""}
            out.append((r, rid, extra))
    return out


def merge_rows(book: Book, snapshots: Mapping[str, TabSnapshot | None], patches: Sequence[Mapping[str, Any]]) -> Merge:
    out = Merge()
    base, added, _ = bases(patches)
    by_id = {key: {r.id: r for r in book.all_rows(key) if r.id} for key in {k for k, _ in base} if key in book.tabs}
    for (key, rid), fields in base.items():
        rec = by_id.get(key, {}).get(rid)
        snap = snapshots.get(key)
        if rec is None or snap is None or rid not in snap:
            continue
        tab = book.schema.tab(key)
        values: dict[str, Any] = {}
        texts = []
        for f, b in fields.items():
            col = next((c for c in tab.columns if c.key == f), None)
            if col is None or col.computed or f == "id":
                continue
            o, t = snap[rid].get(f, ""), canon(rec[f])
            if t == o:
                continue
            values[f] = book.codec.to_value(col.type, o) if o != "" else None
            if t == b:
                out.restored += 1
                texts.append(f"{col.header} : {t or '∅'} (copie ancienne) → {o or '∅'}")
            else:
                out.conflicts.append((book.title(key), rid, col.header, t, o))
                texts.append(f"{col.header} : {t or '∅'} (feuille) → {o or '∅'} (modifié des deux côtés : "
                             "valeur de l'application gardée)")
        if values:
            out.updates.append((rec, values))
            out.journal.append(_system("rétablissement", key, rid, " ; ".join(texts)))
    return out


def merge_settings(book: Book, patches: Sequence[Mapping[str, Any]], out: Merge) -> None:
    """Paramètres in the merge: a row per setting, named by its Clé."""
    base, _, last = bases([{"rows": [r for r in d.get("rows", []) if r[0] == "settings"]} for d in patches])
    if not last or "settings" not in book.tabs:
        return
    title = book.title("settings")
    rows: dict[str, tuple[int, Any]] = {}
    for n, row in enumerate(book.grids.get(title, [])[1:], start=2):
        if row and row[0] not in (None, "") and str(row[0]).strip() not in rows:
            rows[str(row[0]).strip()] = (n, row[1] if len(row) > 1 else None)
    for (_, label), new in last.items():
        o = new.get("value", "")
        n, raw = rows.get(label, (0, None))
        t = str(book.codec.to_value("text", raw)).strip() if raw not in (None, "") else ""
        if t == o:
            continue
        b = base.get(("settings", label), {}).get("value", "")
        if n:
            out.ops.append(UpdateRow(title, label, {"Valeur": o or None}, {"Valeur": raw}, "Clé", n))
        else:
            out.ops.append(AppendRows(title, ({"Clé": label, "Valeur": o or None},)))
        if t == b or not n:
            out.restored += 1
            out.journal.append(_system("rétablissement", "settings", label,
                                       f"{label} : {t or '∅'} (copie ancienne) → {o or '∅'}"))
        else:
            out.conflicts.append((title, label, "Valeur", t, o))
            out.journal.append(_system("rétablissement", "settings", label, f"{label} : {t or '∅'} (feuille) → "
                                       f"{o or '∅'} (modifié des deux côtés : valeur de l'application gardée)"))


def summary(restored: int, conflicts: Sequence[tuple[str, str, str, str, str]]) -> JournalEntry:
    text = f"copie ancienne enregistrée par-dessus : {restored} changements de l'application rétablis"
    if conflicts:
        text += " ; modifié(s) des deux côtés, valeur de l'application gardée : " + ", ".join(
            f"{tab} {row} « {header} »" for tab, row, header, _, _ in conflicts)
    return _system("fusion", "journal", "", text)
