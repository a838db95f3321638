"""Business actions of the accounts: the ``Équipe`` mirror and the ``Paramètres`` values.

Both are written through ``Business.run`` so they land with their Journal rows under the workbook lock.
``Équipe`` is not one of the tabs an action reads, so the action reads it itself (under the same lock)
and adds it to the book. ``Paramètres`` rows have no ID: see ``update_settings``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.books.records import Ctx, describe
from functions.business import Business
from functions.store.workbook import Book, Change, JournalEntry

ROLE_LABELS = {"admin": "Administrateur", "employee": "Employé"}


def mirror_user(biz: Business, user: dict[str, Any], actor: str) -> dict[str, Any]:
    """Add or update the ``Équipe`` row of one account (no secret: name, role, email, phone, active)."""
    values = {"name": user["name"], "role": ROLE_LABELS.get(user["role"], "Employé"),
              "email": user.get("email") or None, "phone": user.get("phone") or None,
              "active": "Oui" if user.get("active") else "Non"}

    def fn(book: Book, ctx: Ctx) -> Change:
        team = book.tabs["team"] if "team" in book.tabs else biz.workbook.load(["team"]).tabs["team"]
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


def journal_account(biz: Business, user_id: str, action: str, text: str, actor: str) -> dict[str, Any]:
    """One Journal row about an account (a password reset…) that changes no cell of ``Équipe``; ``text``
    says what happened, never a secret."""
    def fn(book: Book, ctx: Ctx) -> Change:
        return Change(journal=[JournalEntry(action, "team", user_id, text)], result={"id": user_id})

    return biz.run(fn, actor)


def update_settings(biz: Business, values: dict[str, str], actor: str) -> dict[str, Any]:
    """Set ``Paramètres`` values by setting key (``business_name``, ``perm_caisse``…); unknown keys refused.
    One write with its Journal rows (``Business.set_settings``)."""
    return {"changed": biz.set_settings(values, actor)}


def _parse(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
