"""Business actions of the accounts: the ``Équipe`` mirror and the ``Paramètres`` values.

Both are written through ``Business.run`` so they land with their Journal rows under the workbook lock.
``Équipe`` is not one of the tabs an action reads, so the action reads it itself (under the same lock)
and adds it to the book. ``Paramètres`` rows have no ID: see ``update_settings``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.audit import snapshot
from functions.audit.journal import Head
from functions.books.records import Ctx, describe
from functions.business import Business
from functions.errors import InvalidInputError
from functions.store.backend import AppendRows, Cell, Op, UpdateRow
from functions.store.workbook import Book, Change, JournalEntry

ROLE_LABELS = {"admin": "Administrateur", "employee": "Employé"}


def mirror_user(biz: Business, user: dict[str, Any], actor: str) -> dict[str, Any]:
    """Add or update the ``Équipe`` row of one account (no secret: name, role, email, phone, active)."""
    values = {"name": user["name"], "role": ROLE_LABELS.get(user["role"], "Employé"),
              "email": user.get("email") or None, "phone": user.get("phone") or None,
              "active": "Oui" if user.get("active") else "Non"}

    def fn(book: Book, ctx: Ctx) -> Change:
        team = biz.workbook.load(["team"]).tabs["team"]
        book.tabs["team"] = team
        tab = book.schema.tab("team")
        existing = next((r for r in team.records if r.id == user["id"]), None)
        change = Change(result={"id": user["id"]})
        if existing is None:
            created = _parse(user.get("created_at")) or ctx.now
            row = {"id": user["id"], **values, "created_at": created}
            change.appends.append(("team", row))
            change.journal.append(JournalEntry("ajout", "team", user["id"], describe(tab, None, row)))
            return change
        diff = {k: v for k, v in values.items() if (existing[k] or None) != v}
        if diff:
            change.set(existing, diff)
            change.journal.append(JournalEntry("modification", "team", user["id"],
                                               describe(tab, existing.values, diff)))
        return change

    return biz.run(fn, actor)


def update_settings(biz: Business, values: dict[str, str], actor: str) -> dict[str, Any]:
    """Set ``Paramètres`` values by setting key (``business_name``, ``perm_caisse``…); unknown keys refused.

    ``Paramètres`` rows have no ID, and ``Workbook.ops`` names rows by ID: so this writes backend ops
    itself (``UpdateRow`` keyed on « Clé », checked against the value as read, or ``AppendRows``), with
    its Journal rows in the same write, under the workbook lock — the same steps as ``Recorder.commit``.
    """
    tab = biz.workbook.schema.tab("settings")
    labels = {s.key: s.label for s in tab.settings}
    unknown = [k for k in values if k not in labels]
    if unknown:
        raise InvalidInputError(f"Paramètre inconnu : {unknown[0]}.")
    with biz.state.lock("workbook", ttl_seconds=120, timeout_seconds=60):
        book = biz.load(["settings", "journal"])
        title = book.title("settings")
        rows: dict[str, tuple[int, Cell]] = {}
        for n, row in enumerate(book.grids.get(title, [])[1:], start=2):
            if row and row[0] not in (None, "") and str(row[0]).strip() not in rows:
                rows[str(row[0]).strip()] = (n, row[1] if len(row) > 1 else None)
        ops: list[Op] = []
        entries: list[JournalEntry] = []
        for key, raw in values.items():
            value = str(raw if raw is not None else "").strip()
            label = labels[key]
            if label not in rows:
                ops.append(AppendRows(title, ({"Clé": label, "Valeur": value},)))
                entries.append(JournalEntry("ajout", "settings", "", f"{label} : {value or '∅'}"))
                continue
            n, old = rows[label]
            before = book.codec._text(old).strip() if old is not None else ""
            if before != value:
                ops.append(UpdateRow(title, label, {"Valeur": value}, {"Valeur": old}, "Clé", n))
                entries.append(JournalEntry("modification", "settings", "", f"{label} : {before or '∅'} → {value or '∅'}"))
        if ops:
            _commit(biz, book, ops, entries, actor)
        return {"changed": len(entries)}


def _commit(biz: Business, book: Book, ops: list[Op], entries: list[JournalEntry], actor: str) -> None:
    recorder = biz.recorder
    head = recorder.head(book)
    journal = recorder.journal_values(book, Change(journal=entries), actor, "app", head)
    jtab = book.schema.tab("journal")
    cells = [biz.workbook.to_cells(jtab, v, book.codec) for v in journal]
    ops = ops + [AppendRows(book.title("journal"), tuple(cells), biz.workbook.formats(jtab, book.codec))]
    new_head = Head(head.count + len(journal), journal[-1]["hash"])
    biz.state.put("journal", "pending", {"count": new_head.count, "hash": new_head.hash})
    biz.workbook.backend.write(ops)
    new_head.save(biz.state)
    biz.state.delete("journal", "pending")
    snapshot.log_journal(biz.state, head.count, [[v[c.key] for c in jtab.columns] for v in journal])


def _parse(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
