"""Payments on account: a client's credit (avoir) and how it is spread over the client's prestations (pure).

A Caisse Encaissement with a ``Client ID`` and no ``Prestation ID`` (from the profile, a row typed in the sheet,
TRIX's figures) is a payment on account. ``settle(book, change, ctx)`` completes a change (an action's, or the
sync's) with the allocation rows that keep, for every client it touches:

    client Solde = Σ Solde of its prestations that are not cancelled − its credit

and no prestation owes less than nothing because of an allocation. The rule, per client:

1. what a cancelled (or deleted) prestation has received, and what a prestation has received beyond its total
   (its total was lowered), goes back to the client's credit ("Mise en avoir");
2. a credit below zero (a refund on account larger than the credit) is taken back from the prestations,
   newest first ("Mise en avoir");
3. the credit pays the unpaid prestations, oldest first ("Affectation"); what is left stays as credit, used by
   the next prestation or refunded.

Why Caisse rows with two dedicated Types and not a tab of their own: every figure that an allocation changes
(a prestation's Payé, the client statement, the receipts) already reads Caisse, and the sync already protects
its rows (a ledger row cannot be edited or deleted: it comes back); a new tab would need a migration in
``ttr init``, a contract on every backend and one more read per action for no gain. The rows move no money:
``ledger.signed_cash`` and ``ledger.payment_effect`` ignore them, so the cash balance and the client's
Total payé are unchanged; only ``ledger.allocation_effect`` (a prestation's Payé) and ``ledger.credits`` read
them. A payment is never rewritten: a correction is one more allocation row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from functions.books import ledger
from functions.books.derive import book_after
from functions.books.records import Ctx, display, taken_ids
from functions.store.workbook import Book, Change, JournalEntry, Record

ZERO = Decimal(0)
CATEGORY = "Avoir"
OVERPAID = "payée au-delà de son total"


def _oldest_first(p: Record) -> tuple[datetime, str, str]:
    moment = p["created_at"] or p["start"]
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return (moment if isinstance(moment, datetime) else datetime.max, str(p["number"] or ""), p.id)


def touched_clients(book: Book, change: Change) -> set[str]:
    """The clients whose figures ``change`` may move: named by a new or changed row, or owning one."""
    if not change.appends and not change.updates:
        return set()  # (a sync that only journals hand edits: no pass over the prestations and lines)
    owner = {p.id: str(p["client_id"] or "") for p in book.all_rows("prestations")}
    owner.update({str(v.get("id")): str(v.get("client_id") or "") for k, v in change.appends if k == "prestations"})
    line_of = {r.id: str(r["prestation_id"] or "") for r in book.all_rows("lines")} if "lines" in book.tabs else {}
    out: set[str] = set()

    def note(values: dict[str, Any], tab: str, rid: str) -> None:
        if tab == "clients":
            out.add(rid)
        pid = rid if tab == "prestations" else str(values.get("prestation_id") or line_of.get(rid, "") or "")
        out.update({str(values.get("client_id") or ""), owner.get(pid, "")})

    for key, values in change.appends:
        note(values, key, str(values.get("id") or ""))
    for u in change.updates:
        note({**u.record.values, **u.values}, u.tab, u.record.id)
        note(u.record.values, u.tab, u.record.id)  # the client a prestation had before
    out.discard("")
    return out


def plan(client_id: str, prestations: list[Record], totals: dict[str, ledger.PrestationTotals],
         credit: Decimal) -> list[tuple[str, Record, Decimal, str]]:
    """The allocation rows one client needs: (type, prestation, amount, why), by the rule of the module."""
    moves: list[tuple[str, Record, Decimal, str]] = []
    paid = {p.id: totals[p.id].paid for p in prestations}
    ordered = sorted(prestations, key=_oldest_first)
    open_ = [p for p in ordered if not p.deleted and p["status"] != "Annulée"]
    dead = [p for p in ordered if p.deleted or p["status"] == "Annulée"]
    for p in ordered:
        excess = paid[p.id] if p in dead else paid[p.id] - totals[p.id].total
        if excess > 0:
            moves.append((ledger.RELEASE, p, excess, "annulée" if p in dead else OVERPAID))
            paid[p.id] -= excess
            credit += excess
    for p in dead:  # refunded beyond what it kept (a refund of a cancelled prestation): the credit paid it
        take = min(-paid[p.id], credit)
        if take > 0:
            moves.append((ledger.ALLOCATE, p, take, "remboursée"))
            paid[p.id] += take
            credit -= take
    for p in reversed(open_):
        if credit >= 0:
            break
        take = min(paid[p.id], -credit)
        if take > 0:
            moves.append((ledger.RELEASE, p, take, "remboursement sur l'avoir"))
            paid[p.id] -= take
            credit += take
    for p in open_:
        if credit <= 0:
            break
        take = min(totals[p.id].total - paid[p.id], credit)
        if take > 0:
            moves.append((ledger.ALLOCATE, p, take, ""))
            paid[p.id] += take
            credit -= take
    return moves


def _describe(kind: str, p: Record, amount: Decimal, why: str, title: str) -> str:
    name = f"{title} N° {p['number'] or p.id}"
    if kind == ledger.ALLOCATE:
        return f"Avoir affecté à {name}"
    return f"{name} {why} : {display(amount)} mis en avoir" if why != "remboursement sur l'avoir" else \
        f"Repris sur {name} pour un remboursement sur l'avoir"


def settle(book: Book, change: Change, ctx: Ctx, *, every: bool = False, system: bool = False,
           also: set[str] | None = None) -> Change:
    """Append to ``change`` (and return it) the allocation rows the clients it touches need (every client with
    ``every``, as a full sync does; and the clients ``also`` names, those a sync's hand edits reach), counted
    in ``change.result["allocations"]``; ``system`` journals them as the system's (the sync), else as the
    actor's."""
    if "caisse" not in book.tabs or "prestations" not in book.tabs:
        return change
    after = book_after(book, change)
    if every:
        clients = {c.id for c in after.rows("clients")}
    else:
        clients = touched_clients(book, change) | (also or set())
        if also is not None and clients:  # as ``every`` would: the clients of the workbook only
            clients = {c.id for c in after.all_rows("clients") if c.id in clients and not c.deleted}
    if not clients:
        return change
    owner: dict[str, str] = {}
    mine: dict[str, list[Record]] = defaultdict(list)
    for p in after.all_rows("prestations"):
        cid = owner[p.id] = str(p["client_id"] or "")
        if cid in clients:
            mine[cid].append(p)
    cash = [r for r in after.all_rows("caisse")
            if (owner.get(str(r["prestation_id"] or "")) or str(r["client_id"] or "")) in clients]
    theirs = [p for ps in mine.values() for p in ps]
    wanted = {p.id for p in theirs}
    lines = [ln for ln in after.rows("lines") if ln["prestation_id"] in wanted]
    totals = ledger.prestation_totals(theirs, lines, cash, book.codec.quantum)
    # Their credit from their prestations alone: ``cash`` holds every row ``credits`` would give them (a row is
    # theirs by its prestation's owner, else by its Client ID, as there).
    credit = ledger.credits(theirs, cash)
    taken = taken_ids(book, "caisse") | {str(v.get("id")) for k, v in change.appends if k == "caisse"}
    title = book.title("prestations")
    word = title[:-1] if title.endswith("s") else title
    added = 0
    for cid in sorted(clients):
        for kind, p, amount, why in plan(cid, mine.get(cid, []), totals, credit.get(cid, ZERO)):
            rid = ctx.new_id("caisse", taken)
            row: dict[str, Any] = {"id": rid, "date": ctx.now, "type": kind, "category": CATEGORY,
                   "description": _describe(kind, p, amount, why, word), "amount": amount,
                   "prestation_id": p.id, "client_id": cid, "created_by": ctx.actor}
            change.appends.append(("caisse", row))
            text = f"{kind} : {display(amount)} ({row['description']})"
            change.journal.append(JournalEntry("affectation" if kind == ledger.ALLOCATE else "avoir", "caisse",
                                               rid, text, **({"actor": "système", "source": "système"}
                                                                   if system else {})))
            added += 1
            if why == OVERPAID:
                change.result["warning"] = (
                    f"Attention : le total de {word} N° {p['number'] or p.id} est inférieur à ce qui a déjà été "
                    f"payé ; {display(amount)} passent en avoir du client (utilisé par sa prochaine "
                    f"{word.lower()} ou remboursable).")
    if added:
        change.result["allocations"] = int(change.result.get("allocations") or 0) + added
    return change


def credit_of(book: Book, client_id: str) -> Decimal:
    """A client's credit (avoir) as the workbook stands."""
    return ledger.credits(book.all_rows("prestations"), book.all_rows("caisse")).get(client_id, ZERO)


def invariant_gaps(book: Book) -> list[str]:
    """Clients for which Solde ≠ Σ Solde of their prestations not cancelled − credit (empty when the books are
    right)."""
    prestations = book.rows("prestations")
    caisse = book.all_rows("caisse")
    totals = ledger.prestation_totals(book.all_rows("prestations"), book.rows("lines"), caisse, book.codec.quantum)
    clients = ledger.client_totals(book.rows("clients"), prestations, caisse, totals)
    credit = ledger.credits(book.all_rows("prestations"), caisse)
    gaps = []
    for cid, t in clients.items():
        opened: Iterable[Record] = (p for p in prestations if p["client_id"] == cid and p["status"] != "Annulée")
        due = sum((totals[p.id].balance for p in opened), ZERO)
        if t.balance != due - credit.get(cid, ZERO):
            gaps.append(f"{cid}: solde {t.balance} ≠ {due} − avoir {credit.get(cid, ZERO)}")
    return gaps
