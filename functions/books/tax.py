"""TVA, off by default (pure).

Paramètres: « TVA appliquée » (Oui/Non, Non by default), « Taux de TVA par défaut (%) », « Prix saisis »
(TTC: prices include the tax; HT: the tax is added). An article (Stock) or a type (Types) may carry its own
« TVA % » (0 for an exempt one). What the ledgers store stays what the client pays (TTC): a price entered
HT becomes its TTC price (rounded half up) on the line, and the tax is derived from TTC amounts by rate:
per rate, HT = TTC / (1 + rate) rounded half up, TVA = TTC − HT, so HT + TVA = TTC to the unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from functions import money
from functions.errors import InvalidInputError

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_RATE = Decimal(18)  # Togo, Sénégal, Côte d'Ivoire: 18 % standard rate


def enabled(settings: Mapping[str, Any]) -> bool:
    return str(settings.get("vat_enabled") or "").strip().lower() in ("oui", "yes", "true", "1")


def prices_ht(settings: Mapping[str, Any]) -> bool:
    return str(settings.get("vat_prices") or "").strip().upper() == "HT"


def parse_rate(value: Any, *, field: str = "vat_rate") -> Decimal | None:
    """A TVA rate in percent (« 18 », « 18 % », « 9,5 »): 0 to 100; None when empty."""
    rate = money.parse_number(str(value).strip().rstrip("%") if value is not None else None, field=field, what="TVA %")
    if rate is None:
        return None
    if rate < 0 or rate > HUNDRED:
        raise InvalidInputError("TVA % : un taux entre 0 et 100.", field=field, code="bad_rate")
    return money.plain(rate)


def default_rate(settings: Mapping[str, Any]) -> Decimal:
    try:
        rate = parse_rate(settings.get("vat_rate"))
    except InvalidInputError:
        rate = None
    return DEFAULT_RATE if rate is None else rate


def rate_of(settings: Mapping[str, Any], record: Any = None) -> Decimal:
    """The rate of an article or type (its own « TVA % », else the default); 0 when TVA is off."""
    if not enabled(settings):
        return ZERO
    own = record["vat_rate"] if record is not None else None
    if not isinstance(own, (Decimal, int)):
        return default_rate(settings)
    if not 0 <= own <= HUNDRED:
        name = record["article"] or record["name"] or record.id
        raise InvalidInputError(f"« {name} » : TVA % de {own}, un taux entre 0 et 100 est attendu. Corrigez-le dans "
                                "le Stock ou les Types.", field="vat_rate", code="bad_rate")
    return Decimal(own)


def ttc(settings: Mapping[str, Any], price: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The price the client pays: as entered when prices are TTC (or TVA is off), else HT plus the tax."""
    if not enabled(settings) or not prices_ht(settings) or not rate:
        return price
    return money.round_money(price * (HUNDRED + rate) / HUNDRED, currency)


@dataclass(frozen=True)
class Rate:
    rate: Decimal | None  # None: quick sales, whose rows carry their tax but not its split by rate
    ht: Decimal
    tva: Decimal
    ttc: Decimal


def breakdown(amounts: Iterable[tuple[Decimal, Decimal]], currency: str) -> list[Rate]:
    """Per rate (highest first), from ``(TTC amount, rate)`` pairs: HT, TVA and TTC, HT + TVA = TTC exactly."""
    by_rate: dict[Decimal, Decimal] = {}
    for amount, rate in amounts:
        by_rate[rate] = by_rate.get(rate, ZERO) + amount
    out = []
    for rate in sorted(by_rate, reverse=True):
        total = by_rate[rate]
        ht = money.round_money(total * HUNDRED / (HUNDRED + rate), currency) if rate else total
        out.append(Rate(rate, ht, total - ht, total))
    return out


def total_tax(rates: Iterable[Rate]) -> Decimal:
    return sum((r.tva for r in rates), ZERO)


def collected(sales: Iterable[Any], lines: Iterable[Any], currency: str) -> list[Rate]:
    """The TVA of a period, for the reports: the Caisse Vente rows carry the tax they include (« TVA », one
    line of rate ``None`` = several rates), the prestation lines their own rate (« TVA % »). ``sales`` and
    ``lines`` are the rows of the period (lines of prestations that are not Annulée)."""
    from functions.books import ledger

    out = breakdown(((ledger.line_total(ln, money.quantum(currency)), Decimal(ln["vat_rate"]))
                     for ln in lines if isinstance(ln["vat_rate"], (Decimal, int))), currency)
    rows = [r for r in sales if isinstance(r["tax"], Decimal)]
    if rows:
        ttc_sales = sum((ledger.amount(r) for r in rows), ZERO)
        tva = sum((r["tax"] for r in rows), ZERO)
        out.append(Rate(None, ttc_sales - tva, tva, ttc_sales))
    return out


__all__ = ["Rate", "collected", "breakdown", "default_rate", "enabled", "parse_rate", "prices_ht", "rate_of", "total_tax", "ttc"]
