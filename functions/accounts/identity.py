"""One identity per person in the Journal: the account's id kept with the name shown.

An ``Actor`` is the name the Journal shows (a ``str``, so every caller that passes an actor keeps working) that
also carries the account's id; the recorder writes that id in the Journal's hidden « ID utilisateur » column
(chained with the row). A sheet edit is journaled under the Équipe member whose email is the Google editor's
(``editor_actor``). ``entry_identity`` names the person behind any Journal row, older rows (a name only)
included, so that filtering the Journal by user finds every entry of that user.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from functions.store.schema import fold

SYSTEM = "système"


class Actor(str):
    """A display name that knows which account it is (``user_id``: None for the toolkit or an unknown person)."""

    user_id: str | None

    def __new__(cls, name: str, user_id: str | None = None) -> Actor:
        self = super().__new__(cls, name)
        self.user_id = str(user_id) if user_id else None
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # copied and pickled with its id
        return (Actor, (str(self), self.user_id))


def of_user(user: Mapping[str, Any] | None) -> Actor:
    """The actor of a logged-in account: its name (else email, phone) with its id."""
    user = user or {}
    name = str(user.get("name") or user.get("email") or user.get("phone") or "inconnu")
    return Actor(name, user.get("id"))


class Team:
    """The Équipe members, looked up by id, email and name (``rows``: mappings or records with those fields)."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.by_id: dict[str, str] = {}
        self.by_email: dict[str, str] = {}
        names: dict[str, list[str]] = {}
        for r in rows:
            uid = str(_get(r, "id") or "")
            if not uid:
                continue
            self.by_id[uid] = str(_get(r, "name") or uid)
            if email := str(_get(r, "email") or "").strip().casefold():
                self.by_email[email] = uid
            if name := fold(str(_get(r, "name") or "")):
                names.setdefault(name, []).append(uid)
        self.by_name = {n: ids[0] for n, ids in names.items() if len(ids) == 1}  # a name two members share: no one
        self._seen: dict[tuple[str, str], tuple[str, str]] = {}  # a Journal has many rows, few (id, actor) pairs

    def editor(self, editor: str) -> Actor:
        """The actor of a sheet edit: the member whose email is the Google editor's (the editor Drive names, with
        its ``email``, or an email given as is), shown under the Équipe name; else the editor as named."""
        email = str(getattr(editor, "email", None) or (editor if "@" in str(editor) else "")).strip().casefold()
        uid = self.by_email.get(email) if email else None
        if uid is not None:
            return Actor(self.by_id[uid], uid)
        return Actor(str(editor))

    def identity(self, user_id: Any, actor: Any) -> tuple[str, str]:
        """(filter key, name shown) of a Journal row: its user id when it has one, else the member its actor
        names (by email or by a name no other member has), else its actor text."""
        pair = (str(user_id or ""), str(actor or "").strip())
        known = self._seen.get(pair)
        if known is None:
            uid, text = pair
            if not uid:
                uid = self.by_email.get(text.casefold(), "") if "@" in text else self.by_name.get(fold(text), "")
            known = (f"u:{uid}", self.by_id.get(uid, text or uid)) if uid else (f"n:{fold(text)}", text)
            self._seen[pair] = known
        return known

    def key_of(self, wanted: str) -> str:
        """A filter value as a key: a key as is, a name or email (an older link) as the identity it names."""
        return wanted if wanted[:2] in ("u:", "n:") else self.identity(None, wanted)[0]


def _get(row: Any, key: str) -> Any:
    if key == "id" and hasattr(row, "id"):
        return row.id
    try:
        return row[key]
    except (KeyError, IndexError, TypeError):
        return None
