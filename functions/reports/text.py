"""French labels and number formats shared by the Rapports page, the charts and the exports (babel, fr)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from functions.templating import money as _money

GRAIN_LABELS = {"day": "par jour", "week": "par semaine", "month": "par mois"}
KIND_LABELS = {"Encaissement": "Encaissements", "Vente": "Ventes rapides", "Revenu": "Revenus",
               "Remboursement": "Remboursements", "Dépense": "Dépenses"}


def money(value: Any, currency: str) -> str:
    return _money(value, currency)


def number(value: Any) -> str:
    from babel.numbers import format_decimal

    return format_decimal(Decimal(value or 0), format="#,##0.##", locale="fr_FR").replace("\u202f", "\u00a0")


def percent(fraction: Decimal) -> str:
    from babel.numbers import format_percent

    return format_percent(fraction, format="#,##0.0\u00a0%", locale="fr_FR").replace("\u202f", "\u00a0")


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def bucket(start: date, grain: str, short: bool = False) -> str:
    """``03/03`` · ``sem. du 02/03`` · ``mars 2026`` (``short``: what fits under a bar)."""
    if grain == "day":
        return start.strftime("%d/%m")
    if grain == "week":
        return start.strftime("%d/%m") if short else f"sem. du {start:%d/%m}"
    from babel.dates import format_date

    return format_date(start, "MMM" if short else "MMMM y", locale="fr_FR")


def compact(value: Decimal) -> str:
    """``12,5 k`` · ``1,2 M``: axis labels that fit at 360 px."""
    v = abs(value)
    sign = "-" if value < 0 else ""
    if v >= 1_000_000:
        return f"{sign}{number((v / 1_000_000).quantize(Decimal('0.1')))}\u00a0M"
    if v >= 1_000:
        return f"{sign}{number((v / 1_000).quantize(Decimal('0.1')))}\u00a0k"
    return sign + number(v)
