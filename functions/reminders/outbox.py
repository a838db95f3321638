"""« À envoyer »: the wa.me links the reminder run prepared, for a person to send with one tap.

A wa.me link is not a sent message: the run writes it (``status`` *sent* on channel ``wame`` in the state
store collection ``reminders``) and reports it as "lien prêt". ``pending()`` lists the links of today and
yesterday that nobody has sent yet; ``mark_sent()`` records the tap (who, when) on the reminder's document
and in the Journal, through a normal action, then gives the link to open. A second tap opens the link again
and records nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from functions.books.commands import Command
from functions.errors import NotFoundError
from functions.reminders.run import COLLECTION, KEEP_SECONDS
from functions.store.workbook import Book, Change, JournalEntry

#: Rules whose links an employee may send (the others are the owner's alerts: stock, summary, balances).
EMPLOYEE_RULES = frozenset({"agenda"})
DAYS = 2  # today and yesterday


@dataclass(frozen=True)
class Ready:
    key: str
    rule: str
    subject: str
    to: str  # the recipient as people read it ("+228 90 11 22 33", or "" for a contact to choose)
    link: str
    day: date
    tab: str
    item: str


def _who(address: str, country: str) -> str:
    if not address:
        return ""
    from functions.phones import national

    return national("+" + address, country) or address


def pending(state: Any, today: date, *, admin: bool, country: str = "TG") -> list[Ready]:
    """Links ready and not sent yet, newest day first; an employee sees the Agenda reminders only."""
    out: list[Ready] = []
    for back in range(DAYS):
        day = today - timedelta(days=back)
        for key, doc in state.list(COLLECTION, prefix=f"{day.isoformat()}:"):
            if doc.get("channel") != "wame" or doc.get("status") != "sent" or doc.get("tapped"):
                continue
            if not admin and doc.get("rule") not in EMPLOYEE_RULES:
                continue
            out.append(Ready(key, str(doc.get("rule", "")), str(doc.get("subject", "")),
                             _who(str(doc.get("address", "")), country), str(doc.get("ref", "")), day,
                             str(doc.get("tab", "")), str(doc.get("item", ""))))
    return out


def mark_sent(biz: Any, key: str, actor: str, *, admin: bool) -> str:
    """Record that ``actor`` sent the link of reminder ``key`` (once) and return the link to open."""
    doc = biz.state.get(COLLECTION, key) if isinstance(key, str) and key[:4].isdigit() else None
    if not doc or doc.get("channel") != "wame" or doc.get("status") != "sent" or not doc.get("ref") or \
            (not admin and doc.get("rule") not in EMPLOYEE_RULES):
        raise NotFoundError("Ce rappel n'est plus à envoyer (déjà envoyé, ou plus ancien qu'hier).")
    link = str(doc["ref"])
    if doc.get("tapped"):
        return link
    at = biz.now().isoformat(sep=" ")

    def claim(cur: dict[str, Any] | None) -> dict[str, Any] | None:
        if cur is None or cur.get("tapped"):
            return cur
        return {**cur, "tapped": at, "tapped_by": actor}

    got = biz.state.update(COLLECTION, key, claim)
    if not got or got.get("tapped") != at or got.get("tapped_by") != actor:
        return link  # someone else recorded it a moment ago

    try:
        biz.submit(Tapped(dict(doc)), actor)
    except BaseException:
        biz.state.put(COLLECTION, key, {k: v for k, v in got.items() if k not in ("tapped", "tapped_by")},
                      ttl_seconds=KEEP_SECONDS)
        raise
    return link


@dataclass(frozen=True)
class Tapped(Command):
    """The Journal row of a wa.me reminder link a person tapped (sent by hand from their phone)."""

    doc: dict[str, Any]
    tabs: ClassVar[tuple[str, ...]] = ("settings",)

    def apply(self, book: Book, ctx: Any) -> Change:
        doc = self.doc
        change = Change()
        who = _who(str(doc.get("address", "")), str(book.settings.get("country") or "TG")) or "un contact choisi"
        change.journal.append(JournalEntry("rappel envoyé", str(doc.get("tab", "")), str(doc.get("item", "")),
                                           f"Lien WhatsApp envoyé à {who} : {doc.get('subject', '')}"))
        return change
