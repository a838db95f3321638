"""What is due on a local date (pure): Agenda reminders, low stock, unpaid balances, the morning summary.

``due(book, day, settings)`` returns one ``Due`` per (rule, item, recipient) from one read of the
workbook; nothing here sends, claims or writes. Message texts are rendered later from
``templates/reminders/`` with the ``context`` of each ``Due``.

Settings are read from ``Paramètres``: the rows of the schema (``timezone``, ``reminder_hour``, ``phone``,
``email``) and optional rows a person may add by their French label (see ``EXTRA_SETTINGS``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions.books import dashboard, ledger
from functions.phones import wa_number
from functions.store.schema import fold
from functions.store.workbook import Book, Record

AGENDA, STOCK, UNPAID, SUMMARY = "agenda", "stock", "solde", "resume"
RULES = (AGENDA, STOCK, UNPAID, SUMMARY)
#: Rappel choice -> days before the Agenda date.
OFFSETS = {"Le jour même": 0, "1 jour avant": 1, "2 jours avant": 2, "3 jours avant": 3, "1 semaine avant": 7}
CLOSED = frozenset({"Fait", "Annulé"})
UNPAID_MAX_REMINDERS = 3

#: Optional Paramètres rows: key -> (label in column « Clé », default).
EXTRA_SETTINGS: dict[str, tuple[str, str]] = {
    "reminder_low_stock": ("Alertes de stock bas", "Oui"),
    "reminder_summary": ("Résumé du matin", "Oui"),
    "reminder_unpaid": ("Rappels de solde aux clients", "Non"),
    "reminder_unpaid_days": ("Délai des rappels de solde (jours)", "7"),
    "reminder_month_report": ("Rapport du mois dans le résumé", "Non"),
    "whatsapp_language": ("Langue des modèles WhatsApp", "fr"),
    "whatsapp_template_agenda": ("Modèle WhatsApp : rappel agenda", "ttr_rappel_agenda"),
    "whatsapp_template_stock": ("Modèle WhatsApp : stock bas", "ttr_stock_bas"),
    "whatsapp_template_solde": ("Modèle WhatsApp : solde impayé", "ttr_solde_impaye"),
    "whatsapp_template_resume": ("Modèle WhatsApp : résumé du matin", "ttr_resume_matin"),
}

_PHONE = re.compile(r"^\+?[\d\s.\-()/]{7,}$")
_HOUR = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")


@dataclass(frozen=True)
class Person:
    name: str
    phone: str = ""  # WhatsApp number: digits with the country code, or ""
    email: str = ""
    admin: bool = False


@dataclass(frozen=True)
class Settings:
    timezone: str
    hour: time
    business: str
    currency: str
    country: str
    admin: Person
    low_stock: bool
    summary: bool
    unpaid: bool
    unpaid_days: int
    language: str
    templates: dict[str, str]
    warnings: tuple[str, ...] = ()
    month_report: bool = False  # last month's report in the summary of the 1st (« Rapport du mois dans le résumé »)
    public_url: str = ""  # the app's public address (TTR_PUBLIC_URL): the summary links the report's PDF there
    capacity: str = ""  # Google Sheets past 70 % of its cell limit (``functions.store.capacity``), else ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_book(cls, book: Book, public_url: str | None = None) -> Settings:
        """``public_url``: the app's public address; by default ``TTR_PUBLIC_URL`` (none: no link)."""
        s = book.settings
        warnings: list[str] = []

        def extra(key: str) -> str:
            label, default = EXTRA_SETTINGS[key]
            return str(s.get(key) or s.get(label) or default).strip()

        tz = (s.get("timezone") or "Africa/Lome").strip()
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            warnings.append(f"Fuseau horaire « {tz} » inconnu : Africa/Lome utilisé (ex. Africa/Abidjan, Europe/Paris).")
            tz = "Africa/Lome"
        hour = parse_hour(s.get("reminder_hour") or "08:00")
        if hour is None:
            warnings.append(f"Heure des rappels « {s.get('reminder_hour')} » illisible : 08:00 utilisée (ex. 07:30).")
            hour = time(8, 0)
        days_text = extra("reminder_unpaid_days")
        try:
            days = int(days_text)
            if days < 1:
                raise ValueError
        except ValueError:
            warnings.append(f"Délai des rappels de solde « {days_text} » : 7 jours utilisés (un nombre entier ≥ 1).")
            days = 7
        country = (s.get("country") or "TG").strip().upper()
        name = (s.get("business_name") or "").strip()
        admin = Person("l'administrateur", wa_number(s.get("phone") or "", country), (s.get("email") or "").strip(),
                       admin=True)
        return cls(tz, hour, name, (s.get("currency") or "XOF").upper(), country, admin,
                   _yes(extra("reminder_low_stock")), _yes(extra("reminder_summary")),
                   _yes(extra("reminder_unpaid")), days, extra("whatsapp_language") or "fr",
                   {rule: extra(f"whatsapp_template_{rule}") for rule in RULES}, tuple(warnings),
                   _yes(extra("reminder_month_report")),
                   (os.environ.get("TTR_PUBLIC_URL", "") if public_url is None else public_url).strip().rstrip("/"))


@dataclass(frozen=True)
class Due:
    """One reminder that falls on the day: a rule, the item it is about, who receives it, what it says."""

    rule: str
    tab: str  # tab key of the item
    item: str  # id of the item ("" for a digest)
    recipient: Person
    context: dict[str, Any] = field(default_factory=dict)
    record: Record | None = None  # the Agenda row whose « Dernier rappel » the run updates


def _yes(text: str) -> bool:
    return fold(text) in ("oui", "o", "yes", "y", "1", "vrai", "true", "actif", "active")


def parse_hour(text: str) -> time | None:
    m = _HOUR.match(str(text))
    if not m:
        return None
    h, mnt = int(m.group(1)), int(m.group(2) or 0)
    return time(h, mnt) if h < 24 and mnt < 60 else None


def resolve(book: Book, value: str, settings: Settings) -> Person:
    """Who « Pour » names: a phone number, an email, a team member or a client by name; else the admin."""
    text = str(value or "").strip()
    if not text:
        return settings.admin
    if "@" in text and " " not in text:
        return Person(text, "", text)
    if _PHONE.match(text) and (number := wa_number(text, settings.country)):
        return Person(text, number, "")
    wanted = fold(text)
    for key in ("team", "clients"):
        for r in book.rows(key):
            if fold(str(r["name"] or "")) == wanted and (r["phone"] or r["email"]):
                return Person(str(r["name"]), wa_number(r["phone"] or "", settings.country), str(r["email"] or ""))
    return Person(text, settings.admin.phone, settings.admin.email, admin=True)


def french_date(d: date, with_weekday: bool = True) -> str:
    from babel.dates import format_date

    return format_date(d, "EEEE d MMMM y" if with_weekday else "d MMMM y", locale="fr_FR")


def _when(offset: int) -> str:
    return {0: "aujourd'hui", 1: "demain"}.get(offset, f"dans {offset} jours")


def _money(book: Book, value: Decimal, currency: str) -> str:
    from functions.templating import money

    return money(book.codec.money(value), currency)


def agenda_due(book: Book, day: date, settings: Settings, as_of: date | None = None) -> list[Due]:
    """The Agenda reminders of ``day``; with ``as_of`` (a missed day caught up later), only those whose item
    is still to come, worded from ``as_of`` ("aujourd'hui", not yesterday's "demain")."""
    out = []
    for r in book.rows("agenda"):
        offset = OFFSETS.get(str(r["reminder"] or ""))
        when = r["date"]
        if offset is None or r["status"] in CLOSED or not isinstance(when, date) or not r.id:
            continue
        if isinstance(when, datetime):
            when = when.date()
        if when - timedelta(days=offset) != day or (as_of is not None and when < as_of):
            continue
        offset = offset if as_of is None else (when - as_of).days
        person = resolve(book, r["for"] or "", settings)
        hour = r["time"].strftime("%H:%M") if isinstance(r["time"], time) else ""
        greet = "" if person.admin or _PHONE.match(person.name) or "@" in person.name else person.name
        ctx = {"title": str(r["title"] or ""), "date": french_date(when), "hour": hour, "when": _when(offset),
               "greet": greet,
               "type": str(r["type"] or ""), "for": str(r["for"] or ""), "notes": str(r["notes"] or ""),
               "to_admin": person.admin, "business": settings.business}
        out.append(Due(AGENDA, "agenda", r.id, person, ctx, r))
    return out


def unpaid_due(book: Book, day: date, settings: Settings) -> list[Due]:
    """A polite reminder to the client of each unpaid prestation, ``unpaid_days`` after it ended, then
    every ``unpaid_days`` days, at most ``UNPAID_MAX_REMINDERS`` times."""
    prestations = book.all_rows("prestations")
    caisse = book.all_rows("caisse")
    totals = ledger.prestation_totals(prestations, book.rows("lines"), caisse, book.codec.quantum)
    clients = {c.id: c for c in book.rows("clients")}
    client_balance = ledger.client_totals(list(clients.values()), prestations, caisse, totals)
    out = []
    for p in book.rows("prestations"):
        ref = p["end"] or p["start"]
        if p["status"] == "Annulée" or not isinstance(ref, date) or not p.id or p.id not in totals:
            continue
        ref = ref.date() if isinstance(ref, datetime) else ref
        age = (day - ref).days
        if age < settings.unpaid_days or age % settings.unpaid_days or age // settings.unpaid_days > UNPAID_MAX_REMINDERS:
            continue
        client = clients.get(str(p["client_id"] or ""))
        balance = totals[p.id].balance
        if client is None or balance <= 0 or client_balance[client.id].balance <= 0:
            continue
        person = Person(str(client["name"]), wa_number(client["phone"] or "", settings.country),
                        str(client["email"] or ""))
        if not person.phone and not person.email:
            continue
        ctx = {"client": person.name, "balance": _money(book, balance, settings.currency),
               "total": _money(book, totals[p.id].total, settings.currency), "reference": str(p["number"] or p.id),
               "date": french_date(ref, with_weekday=False), "business": settings.business,
               "phone": book.settings.get("phone") or ""}
        out.append(Due(UNPAID, "prestations", p.id, person, ctx))
    return out


def business_due(book: Book, day: date, settings: Settings) -> list[Due]:
    """Low stock and the morning summary, both to the admin."""
    out: list[Due] = []
    now = datetime.combine(day, settings.hour)
    k = dashboard.kpis(book, None, {}, now)
    if settings.low_stock and k.low_stock:
        items = [f"{s['article']} : {dashboard.ledger_text(q)} {s['unit'] or ''}".strip() for s, q in k.low_stock]
        out.append(Due(STOCK, "stock", "", settings.admin, {"count": len(items), "items": items,
                                                            "business": settings.business}))
    if settings.summary:
        yesterday = day - timedelta(days=1)
        sales = sum((ledger.amount(r) for r in book.all_rows("caisse") if r["type"] in ledger.MONEY_IN
                     and isinstance(r["date"], datetime) and r["date"].date() == yesterday), Decimal(0))
        agenda = [a for a in book.rows("agenda") if a["date"] == day and a["status"] not in CLOSED]
        ctx = {"date": french_date(day), "sales": _money(book, sales, settings.currency),
               "cash": _money(book, k.cash, settings.currency),
               "arrivals": [f"{p['client'] or '?'} ({p['type'] or p['number'] or p.id})" for p in k.arrivals],
               "agenda": [(a["time"].strftime("%H:%M") + " " if isinstance(a["time"], time) else "") + str(a["title"])
                          for a in agenda],
               "low_stock": len(k.low_stock), "business": settings.business, "journal": _checkpoint(book),
               "size": k.size_hint or "", "capacity": settings.capacity, "month": month_report(book, day, settings) if day.day == 1 else None}
        out.append(Due(SUMMARY, "dashboard", "", settings.admin, ctx))
    return out


def month_report(book: Book, day: date, settings: Settings) -> dict[str, str] | None:
    """Last month's chiffre d'affaires, dépenses and résultat — the Rapports page's figures
    (``functions.reports``, imported only here: pandas loads on the 1st, when the setting is on) — and the
    link to its PDF when the app has a public address. None when the setting is off."""
    if not settings.month_report:
        return None
    from functions.books.trend import window_start
    from functions.reports import figures, periods, text

    p = periods.period("last_month", day)
    label = text.bucket(p.start, "month")
    link = (f"{settings.public_url}/rapports/export.pdf?periode=custom&du={p.start.isoformat()}"
            f"&au={p.end.isoformat()}") if settings.public_url else ""
    if window_start(book.all_rows("caisse"), p.start, day) != p.start:  # closed since: its rows are archived
        return {"label": label, "closed": "1", "revenue": "", "expenses": "", "result": "", "link": link}
    r = figures.compute(book, p, day)
    return {"label": label, "closed": "", "revenue": _money(book, r.revenue, settings.currency),
            "expenses": _money(book, r.expenses, settings.currency),
            "result": _money(book, r.result, settings.currency), "link": link}


def _checkpoint(book: Book) -> str:
    """The Journal's last sealed checkpoint, for the owner to keep out of band (issue 13)."""
    from functions.audit.checkpoint import latest

    rows: list[Any] = book.all_rows("journal") if "journal" in book.tabs else []
    found = latest(rows) if rows else None
    return found.short() if found else ""


def due(book: Book, day: date, settings: Settings, as_of: date | None = None) -> list[Due]:
    """Everything due on ``day`` (local date of the business), in a stable order. ``as_of`` (today) when
    ``day`` is a past day caught up: the low-stock alert and the morning summary of that day are stale
    (today's run gives them), Agenda items already past are dropped."""
    late = as_of is not None and day < as_of
    out = agenda_due(book, day, settings, as_of if late else None)
    if settings.unpaid:
        out += unpaid_due(book, day, settings)
    if not late:
        out += business_due(book, day, settings)
    return out
