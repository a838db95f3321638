"""Journal (newest first, filters, field changes old → new, CSV export), the Manuel and the Jeux page."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Response, render_template, request

from functions.accounts.identity import Team
from functions.store.workbook import Book, Record
from functions.templating import TEMPLATE_DIR, money, percent, qty, sort_key
from functions.web.office_common import Period, bp, business, distinct, paginate, period

MANUAL = TEMPLATE_DIR.parent / "docs" / "manuel.md"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None  # None: a value set on a new row (no "before")
    new: str


def parse_changes(text: str) -> list[FieldChange | str]:
    """``Champ : ancien → nouveau ; …`` as field changes; a part of another shape stays text."""
    out: list[FieldChange | str] = []
    for part in (p.strip() for p in str(text or "").split(" ; ")):
        if not part:
            continue
        name, sep, rest = part.partition(" : ")
        if not sep or not name or len(name) > 60:
            out.append(part)
            continue
        old, arrow, new = rest.partition(" → ")
        out.append(FieldChange(name, old, new) if arrow else FieldChange(name, None, rest))
    return out


#: Journal fields that hold an amount without being a money column (allocations, credits).
MONEY_FIELDS = frozenset({"Mise en avoir", "Affectation", "Avoir", "Attendu", "Compté", "Écart"})
_NUMBER = re.compile(r"(?<![\w/.,:°\u00a0-])(-?[1-9]\d*(?:\.\d+)?|0(?:\.\d+)?)(?![\w/:])")


def column_types(book: Book) -> dict[str, dict[str, str]]:
    """``{tab title: {column header: type}}``, to read a Journal change by the type of its column."""
    out: dict[str, dict[str, str]] = {}
    for key, tab in book.tabs.items():
        out[tab.title] = {c.header: c.type for c in book.schema.tab(key).columns}
    return out


def shown(kind: str, field: str, text: str | None, currency: str, country: str = "") -> str | None:
    """A value of the Journal as people read it: ``100 000 FCFA``, ``1,5``, ``09:00``, ``90 11 22 33``."""
    if text is None or text == "∅":
        return text
    if kind == "money" or field in MONEY_FIELDS:
        return _NUMBER.sub(lambda m: _amount(m.group(1), currency), text)
    plain = text.strip()
    if kind in ("int", "number") and _NUMBER.fullmatch(plain):
        return qty(plain)
    if kind == "percent" and _NUMBER.fullmatch(plain):
        return percent(plain)
    if kind == "time" and re.fullmatch(r"\d{2}:\d{2}:00", plain):
        return plain[:5]
    if kind == "phone":
        from functions.phones import national

        return national(plain, country)
    return text


def _amount(number: str, currency: str) -> str:
    try:
        return money(Decimal(number), currency)
    except InvalidOperation:
        return number


def readable(book: Book, entry: Record, types: dict[str, dict[str, str]] | None = None) -> list[FieldChange | str]:
    """An entry's changes with every value formatted by its column's type."""
    kinds = (types if types is not None else column_types(book)).get(str(entry["tab"] or ""), {})
    cur, country = book.codec.currency, book.settings.get("country", "")
    out: list[FieldChange | str] = []
    for c in parse_changes(entry["changes"]):
        if isinstance(c, str):
            out.append(c)
            continue
        kind = kinds.get(c.field, "")
        out.append(FieldChange(c.field, shown(kind, c.field, c.old, cur, country),
                               shown(kind, c.field, c.new, cur, country) or ""))
    return out


def sentence(book: Book, entry: Record, types: dict[str, dict[str, str]] | None = None) -> str:
    """One French sentence for a Journal entry: « Afi a encaissé 20 000 FCFA — réservation 00103 »."""
    from functions.web.office_sentences import say

    changes = [c for c in readable(book, entry, types) if isinstance(c, FieldChange)]
    return say(book, entry, {c.field: c.new for c in changes}, {c.field: c.old for c in changes if c.old is not None})


def team(book: Book) -> Team:
    return Team(book.all_rows("team"))


def filtered(book: Book, args: Any, today: Any) -> tuple[list[Record], Period]:
    """The Journal rows the filters keep, newest first. « acteur » is a person (``Team.identity``: their
    account's id, whatever name a row shows), so filtering by user finds every row of theirs."""
    per = period(args, today)
    who, action, tab = args.get("acteur", ""), args.get("action", ""), args.get("onglet", "")
    members = team(book)
    wanted = members.key_of(who) if who else ""
    rows = [j for j in reversed(book.all_rows("journal"))
            if (not wanted or members.identity(j["user_id"], j["actor"])[0] == wanted)
            and (not action or j["action"] == action) and (not tab or j["tab"] == tab) and per.holds(j["time"])]
    return rows, per


def people(book: Book, rows: list[Record]) -> list[tuple[str, str]]:
    """(filter key, name) of every person of the Journal, once each, by name."""
    members = team(book)
    found = dict(members.identity(j["user_id"], j["actor"]) for j in rows if j["actor"] or j["user_id"])
    return sorted(found.items(), key=lambda kv: sort_key(kv[1]))


@bp.get("/journal")
def journal() -> Any:
    biz = business()
    book = biz.book()
    rows, per = filtered(book, request.args, biz.now().date())
    page, pager = paginate(rows)
    everything = book.all_rows("journal")
    types = column_types(book)
    from functions.web.office_sentences import reminder

    entries = [(j, [reminder(book, j)] if str(j["action"] or "").startswith("rappel") else readable(book, j, types))
               for j in page]
    return render_template("web/office/journal.html", entries=entries,
                           pager=pager, args=request.args, period=per,
                           actors=people(book, everything), shown=team(book),
                           actions=distinct(j["action"] for j in everything),
                           tabs=distinct(j["tab"] for j in everything))


def neutralise(value: Any) -> str:
    """A cell for a CSV another program will parse: never read as a formula (DESIGN principle 9)."""
    if value is None:
        return ""
    text = value.strftime("%d/%m/%Y %H:%M:%S") if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def journal_csv_text(book: Book, rows: list[Record]) -> str:
    columns = [c for c in book.schema.tab("journal").columns if not c.hidden]  # as the sheet shows it
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for j in rows:
        writer.writerow([neutralise(j[c.key]) for c in columns])
    return "\ufeff" + buffer.getvalue()  # the BOM: Excel then reads the accents as UTF-8


@bp.get("/journal.csv")
def journal_csv() -> Any:
    biz = business()
    book = biz.book()
    rows, _ = filtered(book, request.args, biz.now().date())
    name = f"journal-{biz.now():%Y%m%d-%H%M}.csv"
    return Response(journal_csv_text(book, rows).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


journal.ttr_module = "journal"  # type: ignore[attr-defined]
journal_csv.ttr_module = "journal"  # type: ignore[attr-defined]


# -- manuel ----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _render(path: str, mtime: float) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    return md.render(Path(path).read_text(encoding="utf-8"))


def manual_html(path: Path = MANUAL) -> str:
    try:
        return _render(str(path), path.stat().st_mtime)
    except OSError:
        return "<p>Le manuel n'est pas disponible sur ce serveur.</p>"


@bp.get("/manuel")
def manual() -> Any:
    return render_template("web/office/manual.html", body=manual_html())


# -- jeux ------------------------------------------------------------------------------------------------------
@bp.get("/jeux")
def games() -> Any:
    return render_template("web/office/games.html")


games.ttr_module = "games"  # type: ignore[attr-defined]
