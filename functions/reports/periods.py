"""Named periods ending today (``this_month``, ``last_month`` …) or custom dates, inclusive at both ends.

TRIX and the Rapports page use the same periods, so "le mois dernier" is the same days everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from functions.errors import InvalidInputError

PERIODS = ("today", "yesterday", "this_week", "last_7_days", "this_month", "last_month", "last_30_days",
           "this_year", "all")
LABELS = {"today": "aujourd'hui", "yesterday": "hier", "this_week": "cette semaine", "last_7_days": "7 derniers jours",
          "this_month": "ce mois-ci", "last_month": "le mois dernier", "last_30_days": "30 derniers jours",
          "this_year": "cette année", "all": "depuis le début"}
#: French names accepted by ``ttr rapport --periode`` and the page's form.
ALIASES = {"mois": "this_month", "ce-mois": "this_month", "mois-dernier": "last_month", "annee": "this_year",
           "année": "this_year", "cette-annee": "this_year", "aujourdhui": "today", "semaine": "this_week",
           "tout": "all"}
#: The choices the Rapports page offers (key, French label).
CHOICES = [("this_month", "Ce mois-ci"), ("last_month", "Le mois dernier"), ("this_year", "Cette année"),
           ("custom", "Dates choisies")]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    def __contains__(self, value: object) -> bool:
        day = value.date() if isinstance(value, datetime) else value
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def json(self) -> dict[str, str]:
        return {"libelle": self.label, "du": self.start.strftime("%d/%m/%Y"), "au": self.end.strftime("%d/%m/%Y")}


def _iso(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInputError(f"{what} : date invalide « {str(value)[:20]} » (format AAAA-MM-JJ).") from None


def period(name: Any, today: date, start: Any = None, end: Any = None) -> Period:
    """A named period ending today (``this_month`` …) or the dates given (``start``/``end``, inclusive)."""
    first, last = _iso(start, "Début"), _iso(end, "Fin")
    if first or last:
        first, last = first or date(2000, 1, 1), last or today
        if last < first:
            raise InvalidInputError("La fin de la période est avant son début.")
        if (last - first).days > 366 * 20:
            raise InvalidInputError("Période trop longue : 20 ans au plus.")
        return Period(first, last, f"du {first:%d/%m/%Y} au {last:%d/%m/%Y}")
    key = str(name or "this_month").strip()
    key = ALIASES.get(key.lower(), key)
    if key not in PERIODS:
        raise InvalidInputError(f"Période inconnue « {key[:30]} » : choisissez parmi {', '.join(PERIODS)}.")
    month_start = today.replace(day=1)
    ranges = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this_week": (today - timedelta(days=today.weekday()), today),
        "last_7_days": (today - timedelta(days=6), today),
        "this_month": (month_start, today),
        "last_month": ((month_start - timedelta(days=1)).replace(day=1), month_start - timedelta(days=1)),
        "last_30_days": (today - timedelta(days=29), today),
        "this_year": (today.replace(month=1, day=1), today),
        "all": (date(1900, 1, 1), today),
    }
    first, last = ranges[key]
    return Period(first, last, LABELS[key])
