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
    return biz.submit(MirrorUser(*_mirror_values(user)), actor)


def mirror_members(biz: Business, workspace: str, actor: str = "système") -> int:
    """Every account with a role in ``workspace`` listed in ``Équipe`` (one write for all those missing or out
    of date; none when it is complete): an account whose mirroring failed, or made before it, is listed too, so
    Équipe lists every user who acted. Returns how many rows were added or brought up to date."""
    from functions.accounts import users

    rows = tuple(_mirror_values(users.public(u, workspace)) for u in users.members(biz.state, workspace))
    return int(biz.submit(MirrorTeam(rows), actor).get("count", 0)) if rows else 0


def _mirror_values(user: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    values = {"name": user["name"], "role": ROLE_LABELS.get(user["role"], "Employé"),
              "email": user.get("email") or None, "phone": user.get("phone") or None,
              "active": "Oui" if user.get("active") else "Non"}
    return str(user["id"]), values, str(user.get("created_at") or "")


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
class MirrorTeam(Command):
    """The ``Équipe`` rows of several accounts ((id, values, created at) each), in one change."""

    members: tuple[tuple[str, Mapping[str, Any], str], ...] = ()
    tabs: ClassVar[tuple[str, ...]] = ("settings", "team")

    def apply(self, book: Book, ctx: Ctx) -> Change:
        change = Change()
        for uid, values, created in self.members:
            one = MirrorUser(uid, values, created).apply(book, ctx)
            change.appends += one.appends
            change.updates += one.updates
            change.journal += one.journal
        change.result = {"count": len({j.row for j in change.journal})}
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
