"""Stock value and movers, occupancy of rooms, investment returns: the report's figures beyond the cash.

* Stock value at the end of the period = Σ quantity × ``Prix d'achat`` of each article, its quantity being
  ``ledger.stock_quantities`` of the movements dated up to then (a negative quantity counts as none).
* Movers: Σ of what left the stock (motifs Vente and Sortie) in the period, per article.
* Occupancy, for a business whose type names its prestations « Réservations » (hôtel, auberge, résidence,
  guesthouse): nights sold / (rooms × nights of the period). ``Types`` lists room *types*, not rooms, and
  ``Stock`` holds articles, so the number of rooms is the setting « Nombre de chambres » (Paramètres);
  when it is empty, each room type counts as one room and the report says so. A reservation's nights are
  its days from ``Début`` to ``Fin`` (the day of departure is not a night; a stay with no ``Fin`` or
  ending the day it starts counts one night), cut to the period; cancelled ones count none.
* Investments: ``ledger.roi`` and the expected gain of each project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from functions.books import ledger
from functions.reports.frames import day_of
from functions.reports.periods import Period
from functions.store.workbook import Book

ZERO = Decimal(0)
OUT_REASONS = frozenset({"Vente", "Sortie"})
ROOM_TITLE = "Réservations"


@dataclass(frozen=True)
class StockLine:
    article: str
    unit: str
    quantity: Decimal
    purchase_price: Decimal
    value: Decimal
    moved: Decimal  # what left the stock in the period


@dataclass
class StockFigures:
    lines: list[StockLine] = field(default_factory=list)

    @property
    def value(self) -> Decimal:
        return sum((s.value for s in self.lines), ZERO)

    def fastest(self, n: int = 5) -> list[StockLine]:
        return sorted((s for s in self.lines if s.moved > 0), key=lambda s: (-s.moved, s.article))[:n]

    def slowest(self, n: int = 5) -> list[StockLine]:
        return sorted(self.lines, key=lambda s: (s.moved, s.article))[:n]


def stock(book: Book, p: Period, today: date) -> StockFigures:
    articles = book.rows("stock")
    upto = [m for m in book.all_rows("movements")
            if (day_of(m["date"]) or (p.end if p.end >= today else date.max)) <= p.end]
    qty = ledger.stock_quantities(articles, upto)
    moved: dict[str, Decimal] = {}
    for m in upto:
        if m["reason"] in OUT_REASONS and m["date"] in p and m["quantity"] is not None:
            moved[m["article_id"] or ""] = moved.get(m["article_id"] or "", ZERO) - Decimal(m["quantity"])
    out = StockFigures()
    for s in articles:
        price = s["purchase_price"] or ZERO
        q = qty[s.id]
        value = ledger.rounded(max(q, ZERO) * price, book.codec.quantum)
        out.lines.append(StockLine(str(s["article"] or ""), str(s["unit"] or ""), q, price, value,
                                   moved.get(s.id, ZERO)))
    return out


@dataclass(frozen=True)
class Occupancy:
    rooms: int
    rooms_from_types: bool  # no « Nombre de chambres » setting: one room per type
    nights_sold: int
    nights_available: int

    @property
    def rate(self) -> Decimal:
        if not self.nights_available:
            return ZERO
        return (Decimal(self.nights_sold) / Decimal(self.nights_available)).quantize(Decimal("0.0001"))


def has_rooms(book: Book) -> bool:
    """The business type (Paramètres) names prestations « Réservations »: it lets rooms."""
    return book.schema.tab("prestations").title_for(book.settings.get("business_type")) == ROOM_TITLE


def nights(start: date, end: date | None, p: Period) -> int:
    last = end if end is not None and end > start else start + timedelta(days=1)  # departure day excluded
    first, stop = max(start, p.start), min(last, p.end + timedelta(days=1))
    return max(0, (stop - first).days)


def occupancy(book: Book, p: Period) -> Occupancy | None:
    if not has_rooms(book):
        return None
    raw = str(book.settings.get("rooms") or "").strip()
    rooms = int(raw) if raw.isdigit() else 0
    from_types = rooms == 0
    if from_types:
        rooms = len(book.rows("types"))
    sold = 0
    for x in book.rows("prestations"):
        start = day_of(x["start"])
        if start is not None and x["status"] != "Annulée":
            sold += nights(start, day_of(x["end"]), p)
    return Occupancy(rooms, from_types, sold, rooms * p.days)


@dataclass(frozen=True)
class Investment:
    project: str
    status: str
    risk: str
    initial: Decimal | None
    expected: Decimal | None
    months: int | None
    roi: Decimal | None  # fraction (0.25 = 25 %)

    @property
    def gain(self) -> Decimal | None:
        return None if self.initial is None or self.expected is None else self.expected - self.initial


def investments(book: Book) -> list[Investment]:
    out = []
    for i in book.rows("investments"):
        months = i["months"]
        out.append(Investment(str(i["project"] or ""), str(i["status"] or ""), str(i["risk"] or ""), i["initial"],
                              i["expected_return"], int(months) if months is not None else None, ledger.roi(i)))
    return out
