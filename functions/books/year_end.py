"""Clôture d'exercice, the pure part: which rows of a closed year leave the live workbook, and the opening
rows ("À nouveau <année>") that keep every derived figure of the live workbook what it was.

What moves (everything dated before 1 January of the next year):

* prestations that are over and settled — Effectuée or Terminée with nothing left to pay, Annulée with
  nothing kept (deleted ones too) — with their Lignes and every Caisse row that names them; a prestation
  with a Caisse row dated in the open year stays, and so does every open prestation with all its rows;
* the other Caisse rows (sales, expenses, revenues, payments on account, refunds on account);
* the stock movements; done or cancelled agenda items;
* the Journal rows of the period (the archive keeps them with their Empreintes; see ``functions.archive``).

What stays: clients, articles, types, investments, the team, every open prestation with its payments.

The opening rows are Caisse rows of Type « À nouveau » and movements of Motif « À nouveau », dated
1 January 00:00 of the next year:

* one per payment method: the cash that the moved rows leave in that method (may be negative);
* one per client whose figures the moved rows change: it counts in the client's Total payé and credit
  (avoir) and moves no cash, so client balances and credits stay exact (see ``ledger.payment_effect``);
* one movement per article: the quantity the moved movements add up to, with its value at the purchase price.

``plan(book, year, ctx)`` returns the rows to keep and to move per tab (as sheet row numbers) and the opening
rows (typed values); ``check(before, after)`` compares every derived figure of two books.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from functions.books import ledger
from functions.books.records import Ctx, taken_ids
from functions.errors import InvalidInputError
from functions.store.workbook import Book, Record

CARRIED = ledger.CARRIED  # the Type / Motif of an opening row
SETTLED = frozenset({"Effectuée", "Terminée"})
MOVED_TABS = ("prestations", "lines", "caisse", "movements", "agenda")
ZERO = Decimal(0)


@dataclass
class Plan:
    year: int
    end: datetime  # 1 January of the next year, 00:00: the opening rows' date
    moved: dict[str, list[Record]] = field(default_factory=dict)  # tab key -> records that go to the archive
    openings: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (tab key, typed values)

    @property
    def label(self) -> str:
        return f"À nouveau {self.year}"

    def count(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.moved.items() if v}

    def __bool__(self) -> bool:
        return any(self.moved.values())


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return None


def _before(value: Any, end: datetime) -> bool:
    moment = _moment(value)
    return moment is not None and moment < end


def _prestation_day(p: Record) -> datetime | None:
    return _moment(p["end"]) or _moment(p["start"]) or _moment(p["created_at"])


def plan(book: Book, year: int, ctx: Ctx) -> Plan:
    """What closing ``year`` moves and the opening rows it adds (nothing is written here)."""
    if not (2000 <= year <= 2999):
        raise InvalidInputError("Indiquez l'année à clôturer (ex. 2026).")
    if year >= ctx.now.year:
        raise InvalidInputError(f"L'exercice {year} n'est pas terminé : il se clôture à partir du 1er janvier "
                                f"{year + 1}.")
    end = datetime(year + 1, 1, 1)
    out = Plan(year, end)
    caisse = book.all_rows("caisse")
    prestations = book.all_rows("prestations")
    lines = book.all_rows("lines")
    totals = ledger.prestation_totals(prestations, lines, caisse, book.codec.quantum)
    cash_of: dict[str, list[Record]] = defaultdict(list)
    for row in caisse:
        if row["prestation_id"]:
            cash_of[str(row["prestation_id"])].append(row)

    def closed(p: Record) -> bool:
        day = _prestation_day(p)
        if day is None or day >= end or any(not _before(r["date"], end) for r in cash_of[p.id]):
            return False
        t = totals[p.id]
        if p.deleted or p["status"] == "Annulée":
            return t.paid == 0
        return p["status"] in SETTLED and t.balance == 0

    gone = {p.id for p in prestations if closed(p)}
    out.moved["prestations"] = [p for p in prestations if p.id in gone]
    out.moved["lines"] = [r for r in lines if str(r["prestation_id"] or "") in gone]
    out.moved["caisse"] = [r for r in caisse if _before(r["date"], end) and r["type"] != CARRIED and (
        not r["prestation_id"] or str(r["prestation_id"]) in gone)]
    out.moved["movements"] = [m for m in book.all_rows("movements") if _before(m["date"], end)
                              and m["reason"] != CARRIED]
    out.moved["agenda"] = [a for a in book.all_rows("agenda") if _before(a["date"], end)
                           and (a.deleted or a["status"] in ("Fait", "Annulé"))]
    out.openings = _openings(book, out, ctx, prestations)
    return out


def _openings(book: Book, out: Plan, ctx: Ctx, prestations: list[Record]) -> list[tuple[str, dict[str, Any]]]:
    owner = {p.id: str(p["client_id"] or "") for p in prestations}
    cash: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in out.moved["caisse"]:
        cash[str(row["method"] or "Espèces")] += ledger.signed_cash(row)
    moved_paid: dict[str, Decimal] = defaultdict(lambda: ZERO)  # what the moved rows counted as paid
    for row in out.moved["caisse"]:
        client = owner.get(str(row["prestation_id"] or "")) or str(row["client_id"] or "")
        if client:
            moved_paid[client] += ledger.payment_effect(row)
    moved_billed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    totals = ledger.prestation_totals(out.moved["prestations"], out.moved["lines"], out.moved["caisse"],
                                      book.codec.quantum)
    for p in out.moved["prestations"]:
        if p["client_id"] and p["status"] != "Annulée" and not p.deleted:
            moved_billed[str(p["client_id"])] += totals[p.id].total
    rows: list[tuple[str, dict[str, Any]]] = []
    taken = taken_ids(book, "caisse")
    label = out.label
    for method, value in sorted(cash.items()):
        if value:
            rows.append(("caisse", {"id": ctx.new_id("caisse", taken), "date": out.end, "type": CARRIED,
                                    "category": label, "description": f"{label} : solde {method}",
                                    "amount": value, "method": method, "created_by": ctx.actor}))
    clients = {c.id: c for c in book.all_rows("clients")}
    for client in sorted(set(moved_paid) | set(moved_billed)):
        value = moved_paid[client] - moved_billed[client]  # keeps Solde = facturé − payé, and the credit
        if value and client in clients:
            rows.append(("caisse", {"id": ctx.new_id("caisse", taken), "date": out.end, "type": CARRIED,
                                    "category": label, "description": f"{label} : compte de "
                                    f"{clients[client]['name'] or client}", "amount": value,
                                    "method": "Espèces", "client_id": client, "created_by": ctx.actor}))
    qty: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for m in out.moved["movements"]:
        qty[str(m["article_id"] or "")] += m["quantity"] or ZERO
    articles = {a.id: a for a in book.all_rows("stock")}
    taken_m = taken_ids(book, "movements")
    for article_id, value in sorted(qty.items()):
        if not value or not article_id:
            continue
        article = articles.get(article_id)
        price = article["purchase_price"] if article is not None else None
        worth = f" (valeur {ledger.rounded(value * price, book.codec.quantum)})" if price is not None else ""
        rows.append(("movements", {"id": ctx.new_id("movements", taken_m), "date": out.end, "article_id": article_id,
                                   "article": str(article["article"] or "") if article is not None else "",
                                   "quantity": value, "reason": CARRIED, "reference": label + worth,
                                   "created_by": ctx.actor}))
    return rows


@dataclass(frozen=True)
class Figures:
    """Every derived figure of a book that a close must keep."""

    cash: Decimal
    cash_by_method: dict[str, Decimal]
    prestations: dict[str, tuple[Decimal, Decimal]]  # open prestations: (total, paid)
    clients: dict[str, tuple[Decimal, Decimal]]  # balance, credit
    stock: dict[str, Decimal]


def figures(book: Book) -> Figures:
    caisse = book.all_rows("caisse")
    prestations = book.all_rows("prestations")
    totals = ledger.prestation_totals(prestations, book.all_rows("lines"), caisse, book.codec.quantum)
    clients = ledger.client_totals(book.all_rows("clients"), prestations, caisse, totals)
    credits = ledger.credits(prestations, caisse)
    by_method: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in caisse:
        by_method[str(row["method"] or "Espèces")] += ledger.signed_cash(row)
    return Figures(
        cash=ledger.cash_balance(caisse),
        cash_by_method={k: v for k, v in by_method.items() if v},
        prestations={p.id: (totals[p.id].total, totals[p.id].paid) for p in prestations},
        clients={c: (t.balance, credits.get(c, ZERO)) for c, t in clients.items()},
        stock={k: v for k, v in ledger.stock_quantities(book.all_rows("stock"), book.all_rows("movements")).items()},
    )


def differences(before: Figures, after: Figures) -> list[str]:
    """What a close changed (French, one line per figure); empty when every figure is kept."""
    out = []
    if before.cash != after.cash:
        out.append(f"solde de caisse {before.cash} → {after.cash}")
    for method in sorted(set(before.cash_by_method) | set(after.cash_by_method)):
        a, b = before.cash_by_method.get(method, ZERO), after.cash_by_method.get(method, ZERO)
        if a != b:
            out.append(f"caisse {method} {a} → {b}")
    for pid, fig in after.prestations.items():
        if before.prestations.get(pid) != fig:
            out.append(f"prestation {pid} {before.prestations.get(pid)} → {fig}")
    for cid in sorted(set(before.clients) | set(after.clients)):
        if before.clients.get(cid, (ZERO, ZERO)) != after.clients.get(cid, (ZERO, ZERO)):
            out.append(f"client {cid} {before.clients.get(cid)} → {after.clients.get(cid)}")
    for aid in sorted(set(before.stock) | set(after.stock)):
        if before.stock.get(aid, ZERO) != after.stock.get(aid, ZERO):
            out.append(f"stock {aid} {before.stock.get(aid)} → {after.stock.get(aid)}")
    return out


# -- size guard ------------------------------------------------------------------------------------------------
ROWS_HINT = 20_000  # data rows of the live workbook past which the close is suggested (.xlsx: every action pays)
CELLS_HINT_PERCENT = 50  # of Google's 10 million cells


def closable_year(book: Book, now: datetime) -> int | None:
    """The oldest year before ``now``'s with rows a close would move (sales, expenses, stock movements)."""
    years = [r["date"].year for r in book.all_rows("caisse") if isinstance(r["date"], date)
             and r["type"] != CARRIED and not r["prestation_id"]] if "caisse" in book.tabs else []
    if "movements" in book.tabs:
        years += [m["date"].year for m in book.all_rows("movements") if isinstance(m["date"], date)
                  and m["reason"] != CARRIED]
    past = [y for y in years if y < now.year]
    return min(past) if past else None


def book_rows(book: Book) -> int:
    return sum(len(t.records) for t in book.tabs.values())


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def size_line(rows: int, cells: int | None = None, percent: int | None = None) -> str:
    what = (f"{_thousands(cells)} cellules ({percent} % de la limite de Google)" if cells is not None
            else f"{_thousands(rows)} lignes")
    return f"Taille du classeur : {what}."


def size_hint(rows: int, closable: int | None, cells: int | None = None, percent: int | None = None) -> str | None:
    """The French suggestion to close a year when the workbook is large and a past year has rows, else None."""
    large = percent >= CELLS_HINT_PERCENT if percent is not None else rows >= ROWS_HINT
    if not large or closable is None:
        return None
    return (f"{size_line(rows, cells, percent)} L'exercice {closable} peut être clôturé : ses lignes réglées "
            f"partiront dans une archive (Paramètres › Clôture d'exercice, ou « ttr cloture {closable} »).")


__all__ = ["CARRIED", "CELLS_HINT_PERCENT", "MOVED_TABS", "ROWS_HINT", "Figures", "Plan", "book_rows",
           "closable_year", "differences", "figures", "plan", "size_hint", "size_line"]
