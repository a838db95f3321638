"""Jinja2 environment and the formatting filters every page and message uses: the one place that turns
numbers, dates and phone numbers into French text (babel).

* ``money``    ``25 000 FCFA``, ``1 234,50 €`` (delegates to ``functions.money.format_money``)
* ``percent``  ``33,3 %`` from a ratio (0.333)
* ``qty``      ``1,5``, ``1 500``: quantities and counts
* ``day``      ``01/12/2026 16:04`` (a date alone: ``01/12/2026``); ISO text is read too
* ``phone``    ``90 11 22 33``: the national form of a stored number (``functions.phones``)

Spaces inside a number are no-break spaces (U+00A0), so an amount never breaks across lines.
``sort_key`` orders names the French way (« Élodie » beside « Eli », not after « Zoé »).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jinja2

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
NBSP = "\u00a0"


def _spaces(text: str) -> str:
    return text.replace("\u202f", NBSP)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None


def money(value: Any, currency: str = "XOF", locale: str = "fr_FR") -> str:
    """``12 500 FCFA``, ``1 234,50 €``: amounts the way the business's users read them (the money module)."""
    from functions.money import format_money

    return format_money(value, currency, locale)


def percent(value: Any, digits: int = 1, locale: str = "fr_FR") -> str:
    """``33,3 %`` for 0.333; "—" when there is no figure."""
    from babel.numbers import format_decimal

    ratio = _decimal(value)
    if ratio is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return _spaces(f"{format_decimal(ratio * 100, format=pattern, locale=locale)}{NBSP}%")


def qty(value: Any, locale: str = "fr_FR") -> str:
    """``1,5``, ``1 500``, ``2``: a quantity or count (no trailing zeros)."""
    from babel.numbers import format_decimal

    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return _spaces(format_decimal(number, format="#,##0.###", locale=locale))


def day(value: Any) -> str:
    """``01/12/2026 16:04`` or ``01/12/2026``; ISO text (``2026-12-01T16:04:33``) is read first."""
    if isinstance(value, str):
        value = _iso(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def _iso(text: str) -> Any:
    t = text.strip()
    try:
        if len(t) == 10:
            return date.fromisoformat(t)
        if len(t) >= 16 and t[4] == "-" and t[10] in "T ":
            return datetime.fromisoformat(t[:19])
    except ValueError:
        pass
    return text


@jinja2.pass_context
def phone(context: Any, value: Any, country: str | None = None) -> str:
    """The national form of a stored number, in the business's country (the page's ``country``)."""
    from functions.phones import national

    return national(value, country or context.get("country"))


def sort_key(text: Any) -> tuple[str, str]:
    """A key that sorts French names as a person does: accents and case folded, then the exact text."""
    plain = unicodedata.normalize("NFKD", str(text or ""))
    folded = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return folded, str(text or "")


#: One row of each title a Prestations tab can have: (article, noun, « Nouvelle »/« Nouveau »).
SINGULAR = {"Réservations": ("la", "réservation", "Nouvelle"), "Commandes": ("la", "commande", "Nouvelle"),
            "Ventes": ("la", "vente", "Nouvelle"), "Patients": ("la", "consultation", "Nouvelle"),
            "Prestations": ("la", "prestation", "Nouvelle")}


def singular(title: Any) -> str:
    """« réservation » for the tab « Réservations »."""
    return SINGULAR.get(str(title or ""), ("la", str(title or "").lower().rstrip("s"), "Nouvelle"))[1]


def new_one(title: Any) -> str:
    """« Nouvelle réservation », « Nouvelle commande »: the button and heading that create a row."""
    entry = SINGULAR.get(str(title or ""), ("la", singular(title), "Nouvelle"))
    return f"{entry[2]} {entry[1]}"


def install_filters(env: jinja2.Environment) -> None:
    env.filters.update(money=money, percent=percent, qty=qty, day=day, phone=phone, singular=singular,
                       new_one=new_one)
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
