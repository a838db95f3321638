"""Jinja2 environment and the formatting filters every page and message uses (amounts, dates)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def money(value: Any, currency: str = "XOF", locale: str = "fr_FR") -> str:
    """``12 500 FCFA``, ``1 234,50 €``: amounts the way the business's users read them."""
    from babel.numbers import format_currency, format_decimal

    from functions.store.codec import SYMBOLS, currency_exponent

    amount = Decimal(str(value or 0))
    code = (currency or "XOF").upper()
    if code in ("XOF", "XAF"):
        text = format_decimal(amount, format="#,##0", locale=locale)
        return f"{text}\u00a0FCFA".replace("\u202f", "\u00a0")
    digits = currency_exponent(code)
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\u00a0¤"
    text = format_currency(amount, code, format=pattern, locale=locale, currency_digits=False)
    return text.replace(code, SYMBOLS.get(code, code)).replace("\u202f", "\u00a0")


def day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def install_filters(env: jinja2.Environment) -> None:
    env.filters["money"] = money
    env.filters["day"] = day
    record_columns_first(env)


def record_columns_first(env: jinja2.Environment) -> None:
    """In templates, ``row.tab`` or ``entry.row`` name the record's columns (the Journal's Onglet and
    Ligne), not the ``Record`` fields of the same name."""
    from functions.store.workbook import Record

    plain = env.getattr

    def lookup(obj: Any, attribute: str) -> Any:
        if isinstance(obj, Record) and attribute in obj.values:
            return obj.values[attribute]
        return plain(obj, attribute)

    env.getattr = lookup  # type: ignore[method-assign]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True)
    install_filters(env)
    return env
