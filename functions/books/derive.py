"""Every computed column of the workbook, derived from the ledgers in one pass (pure).

``derive(book, pending)`` returns ``{tab key: {row id: {column key: value}}}`` for the computed columns
of every row, counting records not yet written (``pending``). ``computed_updates`` turns the difference
with what the sheet shows into row updates, restricted to some ids when an action only touches a few.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from functions.books import ledger
from functions.books.quarantine import taken
from functions.store.backend import cells_equal
from functions.store.codec import plain
from functions.store.workbook import Book, Change, Record, RowUpdate

Derived = dict[str, dict[str, dict[str, Any]]]


def pending_records(appends: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for key, values in appends:
        out.setdefault(key, []).append(Record(key, 0, dict(values)))
    return out


def apply_updates(book: Book, updates: Iterable[RowUpdate]) -> Book:
    """The book as it will be once ``updates`` land (same rows and cells, values changed)."""
    by_row: dict[tuple[str, int], dict[str, Any]] = {}
    for u in updates:
        by_row.setdefault((u.tab, u.record.row), {}).update(u.values)
    if not by_row:
        return book
    tabs = dict(book.tabs)
    for key in {k for k, _ in by_row}:
        t = book.tabs[key]
        records = [Record(r.tab, r.row, {**r.values, **by_row[(key, r.row)]}, r.cells) if (key, r.row) in by_row
                   else r for r in t.records]
        tabs[key] = replace(t, records=records)
    return replace(book, tabs=tabs)


def book_after(book: Book, change: Change) -> Book:
    """``book`` as it will be once ``change`` is written: its updates applied, its appends added (what the
    allocation rule and the receipts issued with a change see)."""
    book = apply_updates(book, change.updates)
    tabs = dict(book.tabs)
    for key in {k for k, _ in change.appends if k in tabs}:
        added = [Record(key, 0, dict(v)) for k, v in change.appends if k == key]
        tabs[key] = replace(tabs[key], records=list(tabs[key].records) + added)
    return replace(book, tabs=tabs)


def closure(book: Book, pending: Mapping[str, list[Record]], only: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """``only`` grown to what its balances depend on: the prestations of a line, the client of a prestation,
    and every prestation of a touched client (a client's total is the sum of all of them)."""
    out = {k: set(v) for k, v in only.items()}
    pres = out.setdefault("prestations", set())
    clients = out.setdefault("clients", set())
    every = book.all_rows("prestations") + list(pending.get("prestations", []))
    for line in book.all_rows("lines") + list(pending.get("lines", [])):
        if line.id in out.get("lines", set()) and line["prestation_id"]:
            pres.add(str(line["prestation_id"]))
    clients.update(str(p["client_id"]) for p in every if p.id in pres and p["client_id"])
    pres.update(p.id for p in every if p["client_id"] in clients)
    out.setdefault("lines", set()).update(
        line.id for line in book.all_rows("lines") + list(pending.get("lines", [])) if line["prestation_id"] in pres)
    return out


def derive(book: Book, pending: Mapping[str, list[Record]] | None = None, receipt_links: Mapping[str, str] | None = None,
           only: Mapping[str, set[str]] | None = None, cash_since: datetime | None = None) -> Derived:
    """Computed columns of every row; with ``only`` (see ``closure``), of those rows alone — the same
    values, computed from the rows they depend on instead of the whole workbook. ``cash_since`` (with
    ``only``): the running cash balance is also recomputed for every row from that moment on (where a
    Caisse row edited by hand was before its date changed)."""
    pending = pending or {}

    def rows(key: str, live: bool = True, ids: set[str] | None = None) -> list[Record]:
        """The tab's records that count (a row typed by hand counts once named), and the pending ones; with
        ``ids``, those alone (picked by id first: one cheap pass over a large tab)."""
        records = book.all_rows(key) if ids is None else [r for r in book.all_rows(key) if r.id in ids]
        base = [r for r in taken(records) if not (live and r.deleted)]
        return base + [r for r in pending.get(key, []) if (ids is None or r.id in ids) and (not r.deleted or not live)]

    def keep(key: str) -> list[Record]:
        return rows(key) if only is None else rows(key, ids=only.get(key, set()))

    q = book.codec.quantum
    out: Derived = {}
    caisse = rows("caisse", live=False)
    prestations, lines = keep("prestations"), keep("lines")
    owners, related = prestations, caisse  # the prestations that say whose a Caisse row is, and those rows
    if only is not None:
        pres_ids, client_ids = only.get("prestations", set()), only.get("clients", set())
        related = [r for r in caisse if r["prestation_id"] in pres_ids or r["client_id"] in client_ids]
        owners = rows("prestations", ids=pres_ids | {str(r["prestation_id"]) for r in related if r["prestation_id"]})
    if "prestations" in book.tabs:
        totals = ledger.prestation_totals(prestations, lines, related, q)
        with_lines = {line["prestation_id"] for line in lines if line["prestation_id"]}
        out["prestations"] = {
            pid: {"paid": t.paid, "balance": t.balance, **({"total": t.total} if pid in with_lines else {})}
            for pid, t in totals.items()
        }
        if "clients" in book.tabs:
            ct = ledger.client_totals(keep("clients"), owners, related, totals)
            out["clients"] = {cid: {"billed": t.billed, "paid": t.paid, "balance": t.balance} for cid, t in ct.items()}
    if "lines" in book.tabs:
        out["lines"] = {lid: {"total": t} for lid, t in ledger.line_totals(lines, q).items()}
    if "caisse" in book.tabs:
        running = ledger.running_cash(caisse) if only is None else \
            running_cash_of(caisse, only.get("caisse", set()), cash_since)
        out["caisse"] = {cid: {"cash_balance": v} for cid, v in running.items()}
    if "stock" in book.tabs and "movements" in book.tabs:
        stock = keep("stock")
        wanted = {s.id for s in stock}
        movements = [m for m in rows("movements", live=False) if only is None or m["article_id"] in wanted]
        qty = ledger.stock_quantities(stock, movements)
        out["stock"] = {sid: {"quantity": plain(v)} for sid, v in qty.items()}
    if "investments" in book.tabs:
        out["investments"] = {i.id: {"roi": ledger.roi(i)} for i in keep("investments")}
    for key, links in (receipt_links or {}).items():
        for rid, link in links.items():  # type: ignore[attr-defined]
            out.setdefault(key, {}).setdefault(rid, {})["receipt"] = link
    return out


def running_cash_of(caisse: list[Record], ids: set[str], since: datetime | None = None) -> dict[str, Decimal]:
    """``ledger.running_cash`` of the rows ``ids`` and of every row after the earliest of them (by date, then
    position), or dated ``since`` or later: the rows before it are only summed, not sorted. The same values,
    at the cost of one pass."""
    marks = [(cash_facts(r)[0], i) for i, r in enumerate(caisse) if r.id in ids]
    if since is not None:
        marks.append((since, -1))
    if not marks:
        return {}
    first = min(marks)
    balance = Decimal(0)
    later: list[tuple[Any, int, Decimal, Record]] = []
    for i, r in enumerate(caisse):
        w, v = cash_facts(r)
        if (w, i) < first:
            balance += v
        else:
            later.append((w, i, v, r))
    later.sort(key=lambda t: (t[0], t[1]))
    out: dict[str, Decimal] = {}
    for _, _, v, r in later:
        balance += v
        out[r.id] = balance
    return out


def cash_facts(row: Record) -> tuple[Any, Decimal]:
    """(moment, signed amount) of a Caisse row, kept on the record: a record never changes (a changed row is a
    new record), and the rows an action did not touch are the same records from one read to the next."""
    facts: tuple[Any, Decimal] | None = row.__dict__.get("_cash_facts")
    if facts is None:
        facts = row.__dict__["_cash_facts"] = (ledger.when(row), ledger.signed_cash(row))
    return facts


def differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old != new
    if old in (None, "") and new in (None, ""):
        return False
    return not cells_equal(old, new)


def computed_updates(book: Book, derived: Derived, only: Mapping[str, set[str]] | None = None) -> list[RowUpdate]:
    """Row updates for the rows of ``book`` whose computed columns differ from ``derived``."""
    updates: list[RowUpdate] = []
    for key, by_id in derived.items():
        if key not in book.tabs:
            continue
        wanted = only.get(key, set()) if only is not None else None
        for record in book.all_rows(key):
            if wanted is not None and record.id not in wanted:
                continue
            want = by_id.get(record.id)
            if not want:
                continue
            change = {k: v for k, v in want.items() if differs(record[k], v)}
            if change:
                updates.append(RowUpdate(key, record, change))
    return updates


def with_derived(values: dict[str, Any], key: str, derived: Derived) -> dict[str, Any]:
    """The values of a pending record completed with its computed columns."""
    extra = derived.get(key, {}).get(str(values.get("id") or ""), {})
    return {**values, **{k: v for k, v in extra.items() if v is not None}}
