"""Phone numbers: one rule for every module (forms, the sheet's sync, receipts, reminders, TRIX, logins).

A number is **stored** in one international form (E.164, ``+22890112233``), **shown** in the national form
of the business's country (``90 11 22 33``; a foreign number keeps its ``+code``), and **sent** to WhatsApp
as the E.164 digits without ``+``. Parsing is Google's libphonenumber (``phonenumbers``), which knows every
country the product serves: Togo first, Côte d'Ivoire's ten-digit numbers (the leading 0 is part of the
number since 2021: ``07 07 12 34 56`` → ``+2250707123456``), Sénégal, Bénin (ten digits since 2024: an old
eight-digit number gets its ``01``), Burkina Faso, Mali, Niger, Cameroun, Gabon… Local numbers take the
calling code of the business's country (Paramètres › Pays, ISO code such as ``TG``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from functions.errors import InvalidInputError

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

#: The markets the product serves first (ISO 3166 alpha-2), Togo first: the order of country choices.
SERVED = ("TG", "CI", "SN", "BJ", "BF", "ML", "NE", "CM", "GA", "CG", "CD", "GN", "GH", "NG")
DEFAULT_COUNTRY = "TG"
#: Calling codes of countries where a leading 0 is a trunk prefix, not dialled from abroad (the login rule).
TRUNK_CODES = frozenset({"33", "32", "41", "233", "234", "212", "216", "213"})


def calling_code(country: str | None) -> str:
    """``"228"`` for Togo; "" for an unknown country."""
    import phonenumbers

    code = phonenumbers.country_code_for_region(_region(country))
    return str(code) if code else ""


def _region(country: str | None) -> str:
    text = (country or "").strip().upper()
    return text if re.fullmatch(r"[A-Z]{2}", text) else DEFAULT_COUNTRY


def parse(raw: object, country: str | None = DEFAULT_COUNTRY) -> PhoneNumber | None:
    """The number ``raw`` names, read in the business's country; None when it cannot be a phone number."""
    import phonenumbers

    text = str(raw or "").strip()
    if len(re.sub(r"\D", "", text)) < 7:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    region = _region(country)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code == 229 and len(str(number.national_number)) == 8:  # Bénin before 2024
        number = phonenumbers.parse("+22901" + str(number.national_number), None)
    if not phonenumbers.is_possible_number(number):
        return None
    return number


def e164(raw: object, country: str | None = DEFAULT_COUNTRY) -> str:
    """``+22890112233``: the form a number is stored in; "" when ``raw`` is not a phone number."""
    import phonenumbers

    number = parse(raw, country)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else ""


def normalize(raw: object, country: str | None = DEFAULT_COUNTRY) -> str:
    """The stored form of a number a person typed; "" for nothing typed; a French error for a non-number."""
    if not str(raw or "").strip():
        return ""
    stored = e164(raw, country)
    if not stored:
        raise InvalidInputError(f"Numéro de téléphone invalide : « {str(raw)[:30]} ». Tapez-le comme sur le "
                                f"téléphone ({example(country)}) ou avec l'indicatif du pays (+{calling_code(country)} …).")
    return stored


def national(value: object, country: str | None = DEFAULT_COUNTRY) -> str:
    """``90 11 22 33`` for a number of the business's country, ``+225 07 07 12 34 56`` for a foreign one;
    text that is not a number is shown as it is."""
    import phonenumbers

    number = parse(value, country)
    if number is None:
        return str(value or "")
    home = phonenumbers.region_code_for_number(number) == _region(country)
    kind = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    text = phonenumbers.format_number(number, kind)
    digits = phonenumbers.national_significant_number(number)
    if number.country_code == 225 and len(digits) == 10:  # read in pairs in Abidjan
        pairs = " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        text = pairs if home else f"+225 {pairs}"
    return text.replace(" ", "\u00a0")


@lru_cache(maxsize=32)
def example(country: str | None = DEFAULT_COUNTRY) -> str:
    """A mobile number of the country in its national form, for placeholders and messages."""
    import phonenumbers

    number = phonenumbers.example_number_for_type(_region(country), phonenumbers.PhoneNumberType.MOBILE)
    return national(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), country) if number else ""


def wa_number(raw: str, country: str) -> str:
    """The number as WhatsApp wants it (calling code and digits, no +); "" when it is not a phone number."""
    return e164(raw, country).lstrip("+")


def wa_link(phone: str, text: str, country: str = "") -> str:
    """``https://wa.me/<digits>?text=…``; ``https://wa.me/?text=…`` without a usable phone."""
    return f"https://wa.me/{wa_number(phone, country)}?text={quote(text, safe='')}"
