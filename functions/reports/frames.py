"""The ledgers as pandas frames, one row per ledger row, with what ``books.ledger`` says each row does.

pandas is imported here and in the modules that call these functions, never at the top of a module a
receipt, a quick sale, a reminder or the sync imports. Amounts stay ``Decimal`` (object columns): pandas
groups and sums them exactly, never as floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from functions.books import ledger
from functions.store.workbook import Record


def pd() -> Any:
    import pandas

    return pandas


def day_of(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def caisse(rows: Sequence[Record]) -> Any:
    """Caisse: ``day`` (None when undated), ``type``, ``category``, ``method``, ``amount``, ``cash`` (what
    the row does to the cash in hand), ``paid`` (what it does to what a client has paid)."""
    return pd().DataFrame({
        "id": [r.id for r in rows],
        "day": [day_of(r["date"]) for r in rows],
        "type": [str(r["type"] or "") for r in rows],
        "category": [str(r["category"] or "") for r in rows],
        "method": [str(r["method"] or "") for r in rows],
        "amount": pd().Series([ledger.amount(r) for r in rows], dtype=object),
        "cash": pd().Series([ledger.signed_cash(r) for r in rows], dtype=object),
        "paid": pd().Series([ledger.payment_effect(r) for r in rows], dtype=object),
        "prestation_id": [str(r["prestation_id"] or "") for r in rows],
        "client_id": [str(r["client_id"] or "") for r in rows],
    })


def movements(rows: Sequence[Record]) -> Any:
    return pd().DataFrame({
        "day": [day_of(r["date"]) for r in rows],
        "article_id": [str(r["article_id"] or "") for r in rows],
        "article": [str(r["article"] or "") for r in rows],
        "quantity": pd().Series([r["quantity"] if r["quantity"] is not None else ledger.ZERO for r in rows],
                                dtype=object),
        "reason": [str(r["reason"] or "") for r in rows],
        "reference": [str(r["reference"] or "") for r in rows],
    })


def in_period(frame: Any, start: date, end: date) -> Any:
    """The rows dated from ``start`` to ``end`` inclusive (undated rows are in no period)."""
    days = frame["day"]
    mask = days.map(lambda d: d is not None and start <= d <= end) if len(frame) else days.astype(bool)
    return frame[mask]


def total(series: Any) -> Any:
    return sum(series, ledger.ZERO)


def sums(frame: Any, by: str | list[str], column: str) -> dict[Any, Any]:
    """Σ ``column`` per value of ``by`` (Decimal, exact)."""
    if not len(frame):
        return {}
    grouped = frame.groupby(by, sort=False)[column].agg(lambda s: sum(s, ledger.ZERO))
    return {k: v for k, v in grouped.items()}
