"""Receipt links in the workbook: the change hook, one row's link on demand, and client statements.

``issue_receipts(biz, book, change)`` is a ``Business.change_hooks`` entry: before an action or a sync is
written, every new Caisse row of type Encaissement, Vente, Revenu or Remboursement, every new prestation,
and every existing such row whose ``Reçu`` cell does not hold a well-formed link gets its receipt link
(``TTR_PUBLIC_URL/r/<id>``) in the same write. Rows whose link is already there cost no lookup, so a sync
with nothing new still writes nothing. A link is written once: one issued under another base (the server
moved, a command run with another ``TTR_PUBLIC_URL``) is kept while it is the row's live receipt. A row
that comes back (a ledger row restored by the sync) gets its old receipt again, from the state store's index.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from functions.books import derive
from functions.books.commands import Command
from functions.errors import InvalidInputError, NotFoundError
from functions.receipts import lookup, render, store
from functions.state import session
from functions.store.workbook import Book, Change, JournalEntry, Record

TABS = ("prestations", "caisse")
ANY_LINK = re.compile(r"/r/[A-Za-z0-9_-]{22,64}$")
ISSUED = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?/r/[A-Za-z0-9_-]{22,64}$")  # a link of any base


def receipt_kind(tab: str, values: dict[str, Any]) -> str | None:
    """The kind of receipt a row gets, or None (a Dépense, a deleted prestation, another tab)."""
    if tab == "prestations":
        return None if values.get("deleted_at") else "prestation"
    if tab == "caisse":
        return store.CASH_KINDS.get(str(values.get("type") or ""))
    return None


def issue_receipts(biz: Any, book: Book, change: Change) -> None:
    """The change hook, with the link base read from ``TTR_PUBLIC_URL``."""
    issue(biz, book, change, store.public_url())


def receipt_hook(base: str) -> Callable[[Any, Book, Change], None]:
    """The change hook with a fixed link base (e.g. ``Config.public_url``)."""

    def hook(biz: Any, book: Book, change: Change) -> None:
        issue(biz, book, change, base)

    return hook


def issue(biz: Any, book: Book, change: Change, base: str) -> None:
    state = session.current(biz.state)  # an action's session: its reads and writes batched (functions.state.session)
    pattern = store.link_pattern(base)
    pending = {(u.tab, u.record.row): u.values for u in change.updates if u.tab in TABS}
    wanted: list[tuple[str, str, str, int | None, Record | None]] = []  # tab, row id, kind, append index, record
    for i, (key, values) in enumerate(change.appends):
        kind = receipt_kind(key, values)
        if kind and values.get("id") and not ISSUED.match(str(values.get("receipt") or "")):
            wanted.append((key, str(values["id"]), kind, i, None))
    other_base: list[tuple[str, str, str, Record]] = []  # links issued under another base are kept as issued
    for key in TABS:  # rows whose link is not one of this base's, and rows the change updates (an index, no scan)
        rows = lookup.index(book, key)
        at = {p for tab, row in pending if tab == key and (p := rows.at_row(row)) is not None}
        for record in [rows.records[p] for p in sorted(at.union(rows.unlinked(pattern)))]:
            extra = pending.get((key, record.row))  # most rows: none (no copy of their values)
            values = {**record.values, **extra} if extra else record.values
            current = str(values.get("receipt") or "")
            if pattern.match(current):
                continue
            kind = receipt_kind(key, values)
            if kind and values.get("id"):
                if ISSUED.match(current):
                    other_base.append((key, str(values["id"]), kind, record))
                else:
                    wanted.append((key, str(values["id"]), kind, None, record))
    if other_base:  # one lookup: a link is kept when it is this row's live receipt (never rewritten)
        live = store.for_many(state, [(o[0], o[1]) for o in other_base])
        for key, row_id, kind, record in other_base:
            found = live.get((key, row_id))
            if found is None or not str(record["receipt"] or "").endswith(f"/r/{found.id}"):
                wanted.append((key, row_id, kind, None, record))
    linked = {(w[0], w[1]) for w in wanted}
    for key, record in behind(book, change):  # rows whose document the change may have changed
        values = {**record.values, **pending.get((key, record.row), {})}
        kind = receipt_kind(key, values)
        if kind and (key, record.id) not in linked:
            wanted.append((key, record.id, kind, None, record))
        elif key == "prestations" and values.get("deleted_at") and (gone := store.for_row(state, key, record.id)):
            store.revoke(state, gone.id)  # a deleted prestation's receipt goes with it (restored: a new one)
    if not wanted:
        return
    now = biz.now()
    after = derive.book_after(book, change)
    known = store.for_many(state, [(w[0], w[1]) for w in wanted], _invoice_keys(after, wanted))
    for tab, row_id, kind, index, row in wanted:
        issued = known.get((tab, row_id))
        data = render.content(after, kind, row_id, "", now)
        if data is not None and tab == "caisse" and data.get("prestation"):
            _invoice_of(state, after, row_id, data)
        if data is None and issued is not None and index is None:  # its row is gone (deleted): so is the page
            store.revoke(state, issued.id)
            continue
        if data is None:
            receipt = store.allocate(state, kind, tab, row_id, now)
        else:
            receipt = store.issue(state, kind, tab, row_id, now, render.freeze(data), render.basis(data),
                                  render.digest)
        url = store.link(base, receipt.id)
        if index is not None:
            key, values = change.appends[index]
            change.appends[index] = (key, {**values, "receipt": url})
        elif row is not None:
            typed = str({**row.values, **pending.get((tab, row.row), {})}.get("receipt") or "")
            if (tab, row_id) not in linked and receipt == issued:
                continue  # the same document: its link stays as it is
            change.set(row, {"receipt": url})
            if typed and not ANY_LINK.search(typed):
                change.journal.append(JournalEntry("correction", tab, row_id, f"Reçu est calculé : {typed} saisi → "
                                                   f"{url} restauré", actor="système", source="système"))


def _invoice_of(state: Any, book: Book, row_id: str, data: dict[str, Any]) -> None:
    """A payment of an invoiced prestation names its invoice (``functions.invoices``) on its receipt."""
    from functions.invoices.store import live

    row = book.find("caisse", row_id)
    invoice = live(state, "invoice", "prestations", str(row["prestation_id"] or "")) if row is not None else None
    if invoice is not None:
        data["invoice"] = invoice.number


def _invoice_keys(book: Book, wanted: list[tuple[str, str, str, int | None, Record | None]]) -> list[tuple[str, str]]:
    """The invoice index documents ``_invoice_of`` reads for these receipts (read with the receipts' index)."""
    from functions.invoices import store as invoices

    keys = []
    for tab, row_id, *_ in wanted:
        row = book.find("caisse", row_id) if tab == "caisse" else None
        if row is not None and row["prestation_id"] and store.valid_row("x", str(row["prestation_id"])):
            keys.append((invoices.ROWS, invoices.row_key("invoice", "prestations", str(row["prestation_id"]))))
    return keys


def behind(book: Book, change: Change) -> list[tuple[str, Record]]:
    """The prestations and Caisse rows (already in the workbook) whose receipt ``change`` may change: those it
    appends to or edits (a person's edit in the sheet is in its Journal), their prestation and its payments, the
    rows of a client whose name or phone changed. Updates of computed columns alone change nothing here."""
    pres: set[str] = set()
    cash: set[str] = set()
    clients: set[str] = set()
    lines = lookup.index(book, "lines")

    def touch(tab: str, rid: str, values: dict[str, Any]) -> None:
        if tab == "caisse":
            cash.add(rid)
            pres.add(str(values.get("prestation_id") or ""))
        elif tab == "prestations":
            pres.add(rid)
        elif tab == "lines":
            line = lines.records[lines.by_id[rid][-1]] if rid in lines.by_id else None  # the last of that id
            pres.add(str(values.get("prestation_id") or (line["prestation_id"] if line is not None else "") or ""))
        elif tab == "clients":
            clients.add(rid)

    for key, values in change.appends:
        touch(key, str(values.get("id") or ""), values)
    for u in change.updates:
        if u.tab in book.tabs:
            computed = {c.key for c in book.schema.tab(u.tab).columns if c.computed}
            if set(u.values) - computed:
                touch(u.tab, u.record.id, {**u.record.values, **u.values})
    shown = {book.schema.tab("clients").column(k).header for k in ("name", "phone")}  # a receipt's client
    for entry in change.journal:
        if entry.tab in ("caisse", "prestations", "lines", "clients") and entry.row:
            if entry.tab == "clients" and entry.action == "modification" and not shown & {
                    part.split(" : ", 1)[0] for part in entry.changes.split(" ; ")}:
                continue  # an edit of what no receipt shows (Notes, Email…)
            found = lookup.index(book, entry.tab).find(entry.row)
            touch(entry.tab, entry.row, dict(found.values) if found is not None else {})
    prestations, cash_rows = lookup.index(book, "prestations"), lookup.index(book, "caisse")
    pres.update(prestations.records[p].id for p in prestations.where(clients=clients))
    pres.discard("")
    cash.discard("")
    out: list[tuple[str, Record]] = [("prestations", prestations.records[p]) for p in prestations.where(ids=pres)]
    out += [("caisse", r) for p in cash_rows.where(cash, pres, clients) if (r := cash_rows.records[p]).id]
    return out


def _locate(book: Book, row_id: str) -> tuple[str, Record]:
    for tab in ("clients", *TABS):
        record = book.find(tab, row_id)
        if record is not None:
            return tab, record
    raise NotFoundError(f"Aucune ligne d'ID « {row_id} » dans Clients, {book.title('prestations')} ou Caisse.")


def statement_link(biz: Any, client_id: str, base: str | None = None) -> str:
    """The link of a client's statement (relevé), allocated on demand; nothing is written to the workbook."""
    base = base or store.public_url()
    book = biz.load(["clients"])
    client = book.find("clients", client_id)
    if client is None or client.deleted:
        raise NotFoundError(f"Client « {client_id} » introuvable.")
    return store.link(base, store.allocate(biz.state, "statement", "clients", client.id, biz.now()).id)


def link_for(biz: Any, row_id: str, base: str | None = None, renew: bool = False) -> str:
    """The receipt link of a row (a client's gives its statement). A row without a live link gets one,
    written to its ``Reçu`` cell by a Business action; ``renew`` revokes the current link first."""
    base = base or store.public_url()
    row_id = (row_id or "").strip()
    book = biz.load(["clients", *TABS])
    tab, record = _locate(book, row_id)
    if tab == "clients":
        if renew and (old := store.for_row(biz.state, "clients", record.id)) is not None:
            store.revoke(biz.state, old.id)
        return statement_link(biz, record.id, base)
    kind = receipt_kind(tab, record.values)
    if kind is None:
        raise InvalidInputError("Les dépenses n'ont pas de reçu." if tab == "caisse" else
                                "Cette ligne est supprimée : restaurez-la pour obtenir son reçu.")
    current = str(record["receipt"] or "")
    if not renew and ISSUED.match(current) and store.find(biz.state, current.rsplit("/", 1)[-1]):
        return current

    return str(biz.submit(IssueLink(biz.state, row_id, kind, base, renew), "système")["receipt"])


@dataclass(frozen=True)
class IssueLink(Command):
    """A row's receipt link written to its ``Reçu`` cell (a new frozen receipt when it has none; ``renew``
    revokes the current one first, and the Journal says so)."""

    state: Any = field(compare=False, repr=False)
    row_id: str = ""
    kind: str = ""
    base: str = ""
    renew: bool = False

    def apply(self, book: Book, ctx: Any) -> Change:
        tab_, rec = _locate(book, self.row_id)
        change = Change()
        old = store.for_row(self.state, tab_, rec.id)
        if self.renew and old is not None:
            store.revoke(self.state, old.id)
            old = None
        data = None if old is not None else render.content(book, self.kind, rec.id, "", ctx.now)
        if data is not None:
            receipt = store.issue(self.state, self.kind, tab_, rec.id, ctx.now, render.freeze(data), render.basis(data),
                                  render.digest)
        else:
            receipt = old or store.allocate(self.state, self.kind, tab_, rec.id, ctx.now)
        url = store.link(self.base, receipt.id)
        if rec["receipt"] != url:
            change.set(rec, {"receipt": url})
        if self.renew:
            change.journal.append(JournalEntry("reçu", tab_, rec.id, f"Lien du reçu renouvelé ({receipt.number}) ; "
                                               "l'ancien lien ne fonctionne plus"))
        change.result["receipt"] = url
        return change
