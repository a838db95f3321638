"""Key figures of the business (pure): the `Tableau de bord` tab and the web dashboard read these."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from functions.books import ledger, quarantine, year_end
from functions.books.derive import cash_facts
from functions.errors import RowError
from functions.store.backend import Cell
from functions.store.workbook import Book, Record

UPDATED_LABEL = "Dernière mise à jour"


@dataclass
class Kpis:
    month_sales: Decimal
    month_expenses: Decimal
    cash: Decimal
    arrivals: list[Record] = field(default_factory=list)
    low_stock: list[tuple[Record, Decimal]] = field(default_factory=list)
    unpaid: list[tuple[Record, Decimal]] = field(default_factory=list)  # clients with a positive balance
    to_fix: list[RowError] = field(default_factory=list)  # "À corriger": rows of the sheet with an error
    size_hint: str | None = None  # the workbook is large and a past year can be closed (``year_end.size_hint``)

    @property
    def unpaid_total(self) -> Decimal:
        return sum((b for _, b in self.unpaid), Decimal(0))


def kpis(book: Book, derived: Mapping[str, Any] | None, pending: Mapping[str, list[Record]], now: datetime,
         to_fix: list[RowError] | None = None, balances: Mapping[str, Decimal] | None = None) -> Kpis:
    """``balances``: every client's Solde when the caller has them (the sync), else computed here."""
    problems = quarantine.to_fix(book) if to_fix is None else to_fix
    closable = _kept("closable", (book.all_rows("caisse"), book.all_rows("movements")), now.year,
                     lambda: year_end.closable_year(book, now))
    hint = year_end.size_hint(year_end.book_rows(book), closable)
    sales, expenses, cash = _kept("caisse", (book.all_rows("caisse"),), (now.year, now.month),
                                  lambda: _cash_figures(quarantine.taken(book.all_rows("caisse")), now))
    if pending.get("caisse"):
        more = _cash_figures(pending["caisse"], now)
        sales, expenses, cash = sales + more[0], expenses + more[1], cash + more[2]
    today = now.date()
    arrivals = _kept("arrivals", (book.all_rows("prestations"),), today, lambda: _arrivals(
        [p for p in quarantine.taken(book.all_rows("prestations")) if not p.deleted], today))
    arrivals = arrivals + _arrivals(list(pending.get("prestations", [])), today)
    used = ("prestations", "stock", "movements", "clients", "lines")  # the tabs read below: rows with an ID
    book = replace(book, tabs={k: replace(t, records=quarantine.taken(t.records)) if k in used else t
                               for k, t in book.tabs.items()})
    stock = book.rows("stock") + list(pending.get("stock", []))
    qty = ledger.stock_quantities(stock, book.all_rows("movements") + list(pending.get("movements", [])))
    low = [(s, qty[s.id]) for s in stock if s["threshold"] is not None and qty[s.id] <= s["threshold"]]
    clients = book.rows("clients") + list(pending.get("clients", []))
    if balances is None:
        caisse = quarantine.taken(book.all_rows("caisse")) + list(pending.get("caisse", []))
        prestations = book.all_rows("prestations") + list(pending.get("prestations", []))
        totals = ledger.prestation_totals(prestations, book.rows("lines") + list(pending.get("lines", [])), caisse)
        ct = ledger.client_totals(clients, prestations, caisse, totals)
        balances = {c.id: ct[c.id].balance for c in clients}
    unpaid = sorted(((c, b) for c in clients if (b := balances.get(c.id)) is not None and b > 0), key=lambda x: -x[1])
    return Kpis(sales, expenses, cash, arrivals, low, unpaid, problems, hint)


def _cash_figures(caisse: list[Record], now: datetime) -> tuple[Decimal, Decimal, Decimal]:
    """The month's sales and expenses, and the cash in hand, in one pass (the amounts kept on the records)."""
    sales = expenses = cash = Decimal(0)
    year, month = now.year, now.month
    for r in caisse:
        cash += cash_facts(r)[1]
        d = r.values.get("date")
        if isinstance(d, datetime) and d.month == month and d.year == year:
            kind = r.values.get("type")
            if kind in ledger.MONEY_IN:
                sales += ledger.amount(r)
            elif kind == "Dépense":
                expenses += ledger.amount(r)
    return sales, expenses, cash


def _arrivals(prestations: list[Record], today: date) -> list[Record]:
    return [p for p in prestations if p["start"] == today and p["status"] != "Annulée"]


#: The last result of each pass above, with the records it went over and what else it depends on: the same
#: records (a record never changes, and the rows nobody touched are the same records from one read to the next)
#: give the same result, so a sync at 100 000 rows does not go over an unchanged Caisse again (one identity
#: check per row instead). One entry per pass, replaced whole.
_PASSES: dict[str, tuple[tuple[list[Record], ...], Any, Any]] = {}
T = TypeVar("T")


def _kept(name: str, groups: tuple[list[Record], ...], args: Any, compute: Callable[[], T]) -> T:
    kept = _PASSES.get(name)
    if kept is not None and kept[1] == args and len(kept[0]) == len(groups) and all(
            len(a) == len(b) and all(map(operator.is_, a, b)) for a, b in zip(kept[0], groups, strict=True)):
        return kept[2]  # type: ignore[no-any-return]
    value = compute()
    _PASSES[name] = (tuple(list(g) for g in groups), args, value)
    return value


def grid(book: Book, derived: Mapping[str, Any] | None, pending: Mapping[str, list[Record]], now: datetime,
         to_fix: list[RowError] | None = None, balances: Mapping[str, Decimal] | None = None) -> list[list[Cell]]:
    """The rows of the `Tableau de bord` tab (label, value, detail)."""
    from functions.templating import money as fmt

    k = kpis(book, derived, pending, now, to_fix, balances)
    cur = book.codec.currency

    def money(value: Decimal) -> str:
        return fmt(book.codec.money(value), cur)

    rows: list[list[Cell]] = [
        ["Ventes du mois", money(k.month_sales), "Encaissements, ventes et revenus depuis le 1er du mois"],
        ["Dépenses du mois", money(k.month_expenses), ""],
        ["Solde de caisse", money(k.cash), "Toutes les entrées moins toutes les sorties"],
        ["Soldes impayés", money(k.unpaid_total), f"{len(k.unpaid)} client(s)"],
        ["Arrivées du jour", len(k.arrivals), ""],
    ]
    # One line per item, so the tab reads (and prints) like a list rather than one endless cell.
    rows += [["", str(p["client"] or "?"), str(p["type"] or p["number"] or p.id)] for p in k.arrivals[:20]]
    rows.append(["Stock bas", len(k.low_stock), ""])
    rows += [["", str(s["article"]), f"{ledger_text(q)} {s['unit'] or ''} (seuil {ledger_text(s['threshold'])})".strip()]
             for s, q in k.low_stock[:20]]
    rows.append(["Plus gros soldes impayés", "", ""])
    rows += [["", str(c["name"]), money(b)] for c, b in k.unpaid[:10]]
    if k.to_fix:  # first thing to read after the figures: what the sync could not take
        rows.append(["À corriger", len(k.to_fix), "Lignes de la feuille à corriger (non prises en compte si sans ID)"])
        rows += [["", f"{e.tab}, ligne {e.row}" if e.row else e.tab, e.reason] for e in k.to_fix[:50]]
    if k.size_hint:
        rows.append(["Clôture d'exercice", "", k.size_hint])
    rows.append([UPDATED_LABEL, now.strftime("%d/%m/%Y %H:%M"), ""])
    return rows


def ledger_text(q: Decimal) -> str:
    return format(q.normalize(), "f") if q == q.to_integral_value() else format(q, "f")


def differs(current: list[list[Cell]], new: list[list[Cell]]) -> bool:
    """Whether the dashboard content changed, ignoring the time of the last update."""
    def norm(rows: list[list[Cell]]) -> list[list[str]]:
        out = []
        for r in rows:
            if r and r[0] == UPDATED_LABEL:
                continue
            cells = [ledger_text(Decimal(str(c))) if isinstance(c, (int, float, Decimal)) and not isinstance(c, bool)
                     else ("" if c is None else str(c)) for c in r]
            while cells and cells[-1] == "":
                cells.pop()
            out.append(cells)
        return out

    return norm(current) != norm(new)
