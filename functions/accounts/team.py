"""Business actions of the accounts: the ``Équipe`` mirror and the ``Paramètres`` values.

Both are commands submitted to ``Business.submit``, so they land with their Journal rows under the workbook
lock. ``Paramètres`` rows have no ID: see ``update_settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from functions.books.commands import Command
from functions.books.records import Ctx, describe
from functions.business import Business
from functions.store.workbook import Book, Change, JournalEntry

ROLE_LABELS = {"admin": "Administrateur", "employee": "Employé"}


def mirror_user(biz: Business, user: dict[str, Any], actor: str) -> dict[str, Any]:
    """Add or update the ``Équipe`` row of one account (no secret: name, role, email, phone, active)."""
    values = {"name": user["name"], "role": ROLE_LABELS.get(user["role"], "Employé"),
              "email": user.get("email") or None, "phone": user.get("phone") or None,
              "active": "Oui" if user.get("active") else "Non"}
    return biz.submit(MirrorUser(str(user["id"]), values, str(user.get("created_at") or "")), actor)


def journal_account(biz: Business, user_id: str, action: str, text: str, actor: str) -> dict[str, Any]:
    """One Journal row about an account (a password reset…) that changes no cell of ``Équipe``; ``text``
    says what happened, never a secret."""
    return biz.submit(AccountNote(user_id, action, text), actor)


@dataclass(frozen=True)
class MirrorUser(Command):
    """The ``Équipe`` row of one account, added or brought up to date (with its Journal row)."""

    user_id: str
    values: Mapping[str, Any] = field(default_factory=dict)
    created_at: str = ""
    tabs: ClassVar[tuple[str, ...]] = ("settings", "team")

    def apply(self, book: Book, ctx: Ctx) -> Change:
        team = book.tabs["team"]
        tab = book.schema.tab("team")
        existing = next((r for r in team.records if r.id == self.user_id), None)
        change = Change(result={"id": self.user_id})
        if existing is None:
            created = _parse(self.created_at) or ctx.now
            row = {"id": self.user_id, **self.values, "created_at": created}
            change.appends.append(("team", row))
            change.journal.append(JournalEntry("ajout", "team", self.user_id, describe(tab, None, row)))
            return change
        diff = {k: v for k, v in self.values.items() if (existing[k] or None) != v}
        if diff:
            change.set(existing, diff)
            change.journal.append(JournalEntry("modification", "team", self.user_id,
                                               describe(tab, existing.values, diff)))
        return change


@dataclass(frozen=True)
class AccountNote(Command):
    """A Journal row about an account that changes no cell."""

    user_id: str
    action: str
    text: str
    tabs: ClassVar[tuple[str, ...]] = ("settings",)

    def apply(self, book: Book, ctx: Ctx) -> Change:
        return Change(journal=[JournalEntry(self.action, "team", self.user_id, self.text)], result={"id": self.user_id})


def update_settings(biz: Business, values: dict[str, str], actor: str) -> dict[str, Any]:
    """Set ``Paramètres`` values by setting key (``business_name``, ``perm_caisse``…); unknown keys refused.
    One write with its Journal rows (``Business.set_settings``)."""
    return {"changed": biz.set_settings(values, actor)}


def _parse(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
