"""``compute(book, period, today) -> Report``: every figure of the Rapports page, its exports and TRIX.

All money comes from ``Caisse`` through ``books.ledger`` (``signed_cash``, ``payment_effect``,
``prestation_totals``, ``client_totals``), on a cash basis — the "état des recettes et dépenses" OHADA
allows very small businesses:

* recettes = Σ Encaissement + Vente + Revenu − Σ Remboursement of the period (the chiffre d'affaires);
* dépenses = Σ Dépense of the period, by ``Catégorie``; résultat = recettes − dépenses, which is also the
  cash that came in minus the cash that went out (``signed_cash``), so the P&L and the cash flow agree;
* opening balance = Σ ``signed_cash`` of the rows dated before the period; closing = opening + in − out;
* the « À nouveau » rows of a closed year (dated 1 January 00:00 of the next year, ``books.year_end``) are
  the opening cash of the periods that start on or after that day, never a sale, an expense nor a payment of
  the period; a report over a closed year reads its archive instead (``history.period_book``);
* sales by payment method: money in and refunds per ``Moyen``;
* sales by article: each quick sale's Caisse amount shared among its Mouvements (by quantity × sale price,
  the remainder on the last, so the articles add up to the Caisse), plus the ``Lignes`` of the period's
  prestations (``ledger.line_total``); by type of prestation: prestations starting in the period;
* top clients: ``client_totals`` of the period's Caisse rows (paid), and what their period's prestations bill.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from functions.books import ledger
from functions.reports import ageing as ageing_mod
from functions.reports import assets, frames
from functions.reports.periods import Period
from functions.store.schema import fold
from functions.store.workbook import Book

ZERO = Decimal(0)
GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class Bucket:
    start: date
    grain: str
    sales: Decimal
    expenses: Decimal


@dataclass
class Report:
    business: str
    currency: str
    prestations_title: str
    period: Period
    today: date
    grain: str
    series: list[Bucket] = field(default_factory=list)
    by_kind: dict[str, Decimal] = field(default_factory=dict)  # Caisse type -> Σ amount of the period
    expenses_by_category: list[tuple[str, Decimal]] = field(default_factory=list)
    by_method: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # method, money in, refunds
    by_article: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # article, quantity, amount
    by_type: list[tuple[str, int, Decimal, Decimal]] = field(default_factory=list)  # type, count, billed, paid
    opening: Decimal = ZERO
    money_in: Decimal = ZERO
    money_out: Decimal = ZERO
    carried: Decimal = ZERO  # « À nouveau » rows inside the period: a closed year's archive was not read
    undated: int = 0
    top_clients: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # name, billed, paid
    ageing: ageing_mod.Ageing | None = None
    stock: assets.StockFigures = field(default_factory=assets.StockFigures)
    occupancy: assets.Occupancy | None = None
    investments: list[assets.Investment] = field(default_factory=list)
    discounts: Decimal = ZERO  # remises given on the period's sales and prestations (functions.books.discounts)
    taxes: list[Any] = field(default_factory=list)  # TVA by rate (functions.books.tax.collected)

    @property
    def revenue(self) -> Decimal:
        """Chiffre d'affaires: money in minus refunds."""
        return sum((self.by_kind.get(k, ZERO) for k in ledger.MONEY_IN), ZERO) - self.by_kind.get("Remboursement", ZERO)

    @property
    def expenses(self) -> Decimal:
        return self.by_kind.get("Dépense", ZERO)

    @property
    def result(self) -> Decimal:
        return self.revenue - self.expenses

    @property
    def closing(self) -> Decimal:
        return self.opening + self.carried + self.money_in - self.money_out


def grain_for(p: Period) -> str:
    return "day" if p.days <= 31 else "week" if p.days <= 190 else "month"


def bucket_start(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def bucket_starts(p: Period, grain: str) -> list[date]:
    out, current = [], bucket_start(p.start, grain)
    while current <= p.end:
        out.append(current)
        if grain == "day":
            current += timedelta(days=1)
        elif grain == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def clamp(book: Book, p: Period) -> Period:
    """A period that starts before the first ledger row starts at it (``all`` is not 126 years of zeros)."""
    if p.start > date(1901, 1, 1):
        return p
    days = [d for key in ("caisse", "movements") for r in book.all_rows(key) if (d := frames.day_of(r["date"]))]
    days += [d for r in book.all_rows("prestations") if (d := frames.day_of(r["start"]))]
    first = min(days, default=p.end)
    return Period(min(first, p.end), p.end, p.label)


def compute(book: Book, p: Period, today: date, grain: str | None = None, as_of: date | None = None) -> Report:
    p = clamp(book, p)
    grain = grain if grain in GRAINS else grain_for(p)
    report = Report(str(book.settings.get("business_name") or ""), book.codec.currency, book.title("prestations"),
                    p, today, grain)
    rows = book.all_rows("caisse")
    cash = frames.caisse(rows)
    carried = cash["type"] == ledger.CARRIED
    period_cash = frames.in_period(cash[~carried], p.start, p.end) if len(cash) else cash
    before = cash[cash["day"].map(lambda d: d is not None and d < p.start)
                  | (carried & cash["day"].map(lambda d: d == p.start))] if len(cash) else cash
    report.undated = int(cash["day"].isna().sum()) if len(cash) else 0
    report.opening = frames.total(before["cash"]) if len(before) else ZERO
    later = frames.in_period(cash[carried], p.start + timedelta(days=1), p.end) if len(cash) else cash
    report.carried = frames.total(later["cash"]) if len(later) else ZERO
    report.by_kind = frames.sums(period_cash, "type", "amount")
    report.money_in = sum((report.by_kind.get(k, ZERO) for k in ledger.MONEY_IN), ZERO)
    report.money_out = sum((report.by_kind.get(k, ZERO) for k in ledger.MONEY_OUT), ZERO)
    _series(report, period_cash)
    expenses = period_cash[period_cash["type"] == "Dépense"]
    cats = frames.sums(expenses.assign(category=expenses["category"].replace("", "(sans catégorie)")),
                       "category", "amount")
    report.expenses_by_category = sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))
    _methods(report, period_cash)
    _articles(report, book, p, period_cash)
    totals = ledger.prestation_totals(book.all_rows("prestations"), book.rows("lines"), rows, book.codec.quantum)
    _types_and_clients(report, book, p, [rows[i] for i in period_cash.index], totals)
    _discounts_and_tax(report, book, p, [rows[i] for i in period_cash.index])
    report.ageing = ageing_mod.ageing(book, as_of or min(p.end, today), today, totals)
    report.stock = assets.stock(book, p, today)
    report.occupancy = assets.occupancy(book, p)
    report.investments = assets.investments(book)
    return report


def _discounts_and_tax(report: Report, book: Book, p: Period, period_rows: list[Any]) -> None:
    """Remises and TVA of the period: the quick sales of its Caisse rows, the lines of its prestations (by their
    start, not Annulée)."""
    from functions.books import discounts, tax

    live = {x.id for x in book.rows("prestations") if x["status"] != "Annulée"
            and (d := frames.day_of(x["start"] or x["created_at"])) is not None and p.start <= d <= p.end}
    lines = [ln for ln in book.rows("lines") if ln["prestation_id"] in live]
    sales = [r for r in period_rows if r["type"] == "Vente"]
    report.discounts = discounts.given(sales, lines)
    report.taxes = tax.collected(sales, lines, book.codec.currency)


def _series(report: Report, period_cash: Any) -> None:
    grain = report.grain
    starts = bucket_starts(report.period, grain)
    sales: dict[date, Decimal] = dict.fromkeys(starts, ZERO)
    spent: dict[date, Decimal] = dict.fromkeys(starts, ZERO)
    if len(period_cash):
        keyed = period_cash.assign(bucket=period_cash["day"].map(lambda d: bucket_start(d, grain)))
        for (b, kind), value in frames.sums(keyed, ["bucket", "type"], "amount").items():
            if kind in ledger.MONEY_IN:
                sales[b] += value
            elif kind == "Remboursement":
                sales[b] -= value
            elif kind == "Dépense":
                spent[b] += value
    report.series = [Bucket(s, grain, sales[s], spent[s]) for s in starts]


def _methods(report: Report, period_cash: Any) -> None:
    flows = period_cash[period_cash["type"].isin(list(ledger.MONEY_IN) + ["Remboursement"])]
    flows = flows.assign(method=flows["method"].replace("", "(non précisé)"),
                         side=flows["type"].map(lambda t: "out" if t == "Remboursement" else "in"))
    totals = frames.sums(flows, ["method", "side"], "amount")
    methods = sorted({m for m, _ in totals})
    rows = [(m, totals.get((m, "in"), ZERO), totals.get((m, "out"), ZERO)) for m in methods]
    report.by_method = sorted(rows, key=lambda r: (-(r[1] - r[2]), r[0]))


def _articles(report: Report, book: Book, p: Period, period_cash: Any) -> None:
    stock = {s.id: s for s in book.all_rows("stock")}
    sales = period_cash[period_cash["type"] == "Vente"].set_index("id")["amount"].to_dict()
    moves = [m for m in book.all_rows("movements") if m["reason"] == "Vente" and m["quantity"] is not None]
    names: dict[str, str] = {}
    qty: dict[str, Decimal] = defaultdict(lambda: ZERO)
    amount: dict[str, Decimal] = defaultdict(lambda: ZERO)

    def key_of(article_id: Any, label: Any) -> str:
        key = str(article_id or "") or "~" + fold(str(label or ""))
        article = stock.get(str(article_id or ""))
        names.setdefault(key, str(article["article"] if article else label or "?"))
        return key

    by_ref: dict[str, list[Any]] = defaultdict(list)
    for m in moves:
        if m["reference"] in sales:
            by_ref[m["reference"]].append(m)
        elif m["date"] in p:  # a sale movement without its Caisse row: at the article's sale price
            k = key_of(m["article_id"], m["article"])
            q = -Decimal(m["quantity"])
            qty[k] += q
            article = stock.get(str(m["article_id"] or ""))
            amount[k] += ledger.rounded(q * ((article["sale_price"] or ZERO) if article else ZERO), book.codec.quantum)
    for ref, items in by_ref.items():
        weights = []
        for m in items:
            article = stock.get(str(m["article_id"] or ""))
            weights.append(-Decimal(m["quantity"]) * ((article["sale_price"] or ZERO) if article else ZERO))
        if not any(weights):
            weights = [-Decimal(m["quantity"]) for m in items]
        whole, left, total_w = sales[ref], sales[ref], sum(weights, ZERO)
        for i, m in enumerate(items):
            share = left if i == len(items) - 1 else ledger.rounded(whole * weights[i] / total_w, book.codec.quantum) \
                if total_w else ZERO
            left -= share
            k = key_of(m["article_id"], m["article"])
            qty[k] += -Decimal(m["quantity"])
            amount[k] += share
    live = {x.id for x in book.rows("prestations") if x["start"] in p and x["status"] != "Annulée"}
    for line in book.rows("lines"):
        if line["prestation_id"] in live:
            k = key_of(line["article_id"], line["article"])
            qty[k] += Decimal(line["quantity"] if line["quantity"] is not None else 1)
            amount[k] += ledger.line_total(line, book.codec.quantum)
    report.by_article = sorted(((names[k], qty[k], amount[k]) for k in names), key=lambda r: (-r[2], r[0]))


def _types_and_clients(report: Report, book: Book, p: Period, period_rows: list[Any],
                       totals: dict[str, ledger.PrestationTotals]) -> None:
    prestations = book.all_rows("prestations")
    groups: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
    billed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for x in book.rows("prestations"):
        if x["start"] in p and x["status"] != "Annulée":
            g = groups[str(x["type"] or "(sans type)")]
            g[0] += 1
            g[1] += totals[x.id].total
            g[2] += totals[x.id].paid
            if x["client_id"]:
                billed[x["client_id"]] += totals[x.id].total
    report.by_type = sorted(((k, int(v[0]), v[1], v[2]) for k, v in groups.items()), key=lambda r: (-r[2], r[0]))
    clients = book.rows("clients")
    paid = ledger.client_totals(clients, prestations, period_rows, totals)
    top = [(str(c["name"] or ""), billed[c.id], paid[c.id].paid) for c in clients
           if billed[c.id] or paid[c.id].paid]
    report.top_clients = sorted(top, key=lambda r: (-r[2], -r[1], r[0]))[:10]
