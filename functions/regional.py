"""Settings that cannot be wrong: the currency, the country and the time zone are chosen from lists
(babel for currencies and countries, in French; zoneinfo for time zones) and checked by one function
wherever they enter — the set-up page, the Paramètres page, a new workspace, the sheet's Paramètres tab,
the CLI. Errors carry the setting's key as their ``field``.
"""

from __future__ import annotations

from functools import lru_cache

from functions.errors import InvalidInputError

#: Shown first in the lists: the currencies and countries of the businesses TTR Gestion is made for.
COMMON_CURRENCIES = ("XOF", "XAF", "GNF", "CDF", "MAD", "NGN", "GHS", "EUR", "USD")
COMMON_COUNTRIES = ("TG", "BJ", "CI", "SN", "BF", "ML", "NE", "GN", "CM", "GA", "CG", "CD", "MA", "FR")
_ZONE_AREAS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/",
               "Indian/", "Pacific/")


@lru_cache(maxsize=1)
def currencies() -> tuple[tuple[str, str], ...]:
    """(ISO code, French name) of every currency in use today, the common ones first."""
    from babel import Locale
    from babel.numbers import get_territory_currencies

    names = Locale("fr").currencies
    current = {c for t in map(str, Locale("fr").territories) if len(t) == 2 for c in get_territory_currencies(t)}
    ordered = [c for c in COMMON_CURRENCIES if c in current]
    ordered += sorted((c for c in current if c not in COMMON_CURRENCIES), key=lambda c: names.get(c, c).casefold())
    return tuple((c, names.get(c, c)) for c in ordered)


@lru_cache(maxsize=1)
def countries() -> tuple[tuple[str, str], ...]:
    """(ISO 3166 code, French name) of every country with a currency, the common ones first."""
    from babel import Locale
    from babel.numbers import get_territory_currencies

    names = {str(k): str(v) for k, v in Locale("fr").territories.items()}
    codes = {t for t in names if len(t) == 2 and t.isalpha() and get_territory_currencies(t)}
    ordered = [c for c in COMMON_COUNTRIES if c in codes]
    ordered += sorted((c for c in codes if c not in COMMON_COUNTRIES), key=lambda c: names[c].casefold())
    return tuple((c, names[c]) for c in ordered)


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """Every IANA time zone of a place (``Africa/Lome``…), Africa first."""
    from zoneinfo import available_timezones

    zones = sorted(z for z in available_timezones() if z.startswith(_ZONE_AREAS))
    return tuple([z for z in zones if z.startswith("Africa/")] + [z for z in zones if not z.startswith("Africa/")]
                 + ["UTC"])


def check_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if code not in dict(currencies()):
        raise InvalidInputError(f"Devise « {str(value)[:20]} » inconnue : choisissez-la dans la liste (ex. XOF pour "
                                "le franc CFA de l'Afrique de l'Ouest, EUR).", field="currency", code="unknown")
    return code


def check_country(value: str) -> str:
    code = (value or "").strip().upper()
    if code not in dict(countries()):
        raise InvalidInputError(f"Pays « {str(value)[:20]} » inconnu : choisissez-le dans la liste (ex. TG, CI, SN).",
                                field="country", code="unknown")
    return code


def check_timezone(value: str) -> str:
    zone = (value or "").strip()
    if zone not in timezones():
        raise InvalidInputError(f"Fuseau horaire « {zone[:40]} » inconnu : choisissez-le dans la liste "
                                "(ex. Africa/Lome).", field="timezone", code="unknown")
    return zone


def form_choices() -> dict[str, object]:
    """The lists the set-up, Paramètres and new-workspace pages offer."""
    return {"currencies": currencies(), "countries": countries(), "timezones": timezones()}


CHECKS = {"currency": check_currency, "country": check_country, "timezone": check_timezone}


def check_settings(values: dict[str, str]) -> dict[str, str]:
    """The values with currency, country and time zone checked and normalised (other keys as given)."""
    return {k: CHECKS[k](v) if k in CHECKS and str(v).strip() else v for k, v in values.items()}

