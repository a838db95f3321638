"""The recettes of each of the last days (the Tableau de bord's trend chart), without pandas.

The dashboard is the page a quick sale comes back to: it must not pay pandas' cold import (about half a
second measured on this machine, more than the page's own imports). So the 30-day series is a plain sum
here, by the Rapports page's rule (``functions.reports.figures``; a test compares the two):

* recettes of a day = Σ Encaissement + Vente + Revenu − Σ Remboursement of the Caisse rows dated that day;
* « À nouveau » rows (the opening balances of a closed year, ``books.year_end``) are no recettes; a window
  that crosses a closed year's cut starts at the cut, since the days before it are in the archive
  (``window_start``): the chart shows fewer days rather than days emptied by the close.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from functions.books import ledger

ZERO = Decimal(0)


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def window_start(caisse: Iterable[ledger.Row], first: date, last: date) -> date:
    """``first``, or the day of the latest closed year's cut after it (its « À nouveau » rows' day)."""
    cuts = [d for r in caisse if r["type"] == ledger.CARRIED and (d := _day(r["date"])) and first < d <= last]
    return max(cuts, default=first)


def daily_sales(caisse: Iterable[ledger.Row], first: date, last: date) -> list[tuple[date, Decimal]]:
    """(day, recettes) for every day from ``first`` to ``last`` inclusive, zeros included."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    sales = dict.fromkeys(days, ZERO)
    for r in caisse:
        kind = r["type"]
        if kind not in ledger.MONEY_IN and kind != "Remboursement":
            continue
        d = _day(r["date"])
        if d is None or d not in sales:
            continue
        sales[d] += -ledger.amount(r) if kind == "Remboursement" else ledger.amount(r)
    return list(sales.items())


__all__ = ["daily_sales", "window_start"]
