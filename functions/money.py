"""The one number module: every amount and quantity that enters (forms, sheet cells typed as text, CLI,
TRIX) is parsed here, rounded here (half up, the one rule) and formatted here for people.

Amounts are read the way people in Lomé, Abidjan or Dakar type them. For a currency without decimals
(XOF, XAF, GNF…), a dot, a comma, a space, a no-break space or a narrow no-break space followed by groups
of exactly three digits groups thousands: ``"25.000"``, ``"25,000"``, ``"25 000"``, ``"25 000 F"`` and
``"25000 FCFA"`` are all 25 000. Anything else after a separator is refused (« Les montants en FCFA n'ont
pas de centimes »), never rounded away. For a currency with decimals, the business's locale (babel) names
the decimal separator; more decimals than the currency has are refused too.

One maximum, ``MAX_MINOR`` units of the currency's smallest unit (999 999 999 999: 12 digits), keeps every
stored amount exact on every backend (Google stores numbers as doubles: 15 to 16 significant digits).

Quantities follow the article's unit: pieces (and any unit that is not a measure) are whole numbers;
kilograms, litres and other measures take at most three decimals. Every error is an ``InvalidInputError``
with a ``field`` and a ``code`` (``empty``, ``not_a_number``, ``decimals``, ``too_large``, ``negative``,
``zero``, ``bad_currency``) so that forms place it next to the field without reading the message.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from functions.errors import InvalidInputError

MAX_MINOR = 999_999_999_999  # the largest amount, in the currency's smallest unit (12 digits: exact as a double)
MAX_QUANTITY = Decimal(999_999_999)  # the largest quantity of one line or movement
QUANTITY_DECIMALS = 3  # kg, litres…: at most 3 decimals (grams, millilitres)
MAX_NUMBER_DIGITS = 15  # any other number: below 10**15 (whole numbers a double holds exactly)
MAX_INPUT = 60  # characters: longer text is not an amount anyone typed

# Display symbols where the ISO code is not what people write.
SYMBOLS = {"XOF": "FCFA", "XAF": "FCFA", "EUR": "€", "USD": "$", "GNF": "FG", "CDF": "FC", "MAD": "DH"}
# What people write after (or before) an amount, besides the ISO code and the symbol above.
_MARKS = {"XOF": ("F", "F CFA", "CFA", "FCFA", "FRS", "FR", "FRANCS"), "XAF": ("F", "F CFA", "CFA", "FCFA", "FRS", "FR"),
          "GNF": ("FG", "F"), "EUR": ("€", "EUROS", "EURO"), "USD": ("$", "US$")}
_SPACES = "\u0020\u00a0\u202f\u2009\u2007"  # space, no-break, narrow no-break, thin, figure space
_SPACE_RE = re.compile(f"[{_SPACES}]+")
_MINUS = ("-", "\u2212", "\u2013")  # hyphen, minus sign (babel writes it), en dash
DIVISIBLE_UNITS = frozenset({
    "kg", "kilo", "kilos", "kilogramme", "kilogrammes", "g", "gramme", "grammes", "t", "tonne", "tonnes",
    "l", "litre", "litres", "cl", "ml", "m", "metre", "metres", "mètre", "mètres", "m2", "m²", "m3", "m³",
    "heure", "heures", "h",
})


def _error(message: str, field: str, code: str) -> InvalidInputError:
    return InvalidInputError(message, field=field, code=code)


# -- currencies --------------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def exponent(currency: str) -> int:
    """Digits after the decimal point of a currency (ISO 4217 via babel): XOF 0, EUR 2."""
    from babel.numbers import get_currency_precision, list_currencies

    code = (currency or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or code not in list_currencies():
        raise _error(f"Devise « {str(currency)[:20]} » inconnue : indiquez un code ISO 4217 (ex. XOF, EUR).",
                     "currency", "bad_currency")
    return int(get_currency_precision(code))


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def label(currency: str) -> str:
    """What people call the currency: FCFA for XOF and XAF, € for EUR, else the ISO code."""
    code = (currency or "").strip().upper()
    return SYMBOLS.get(code, code)


def maximum(currency: str) -> Decimal:
    return Decimal(MAX_MINOR).scaleb(-exponent(currency))


def round_money(value: Decimal | int, currency: str) -> Decimal:
    """The one rounding rule for computed amounts (a quantity × a price, a share): half up."""
    return Decimal(value).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def round_to(value: Decimal | int, step: Decimal) -> Decimal:
    """Half-up rounding to a given step (``Decimal("1")``, ``Decimal("0.01")``…)."""
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


# -- amounts -----------------------------------------------------------------------------------------------
def parse_amount(value: Any, currency: str = "XOF", *, field: str = "amount", what: str = "Montant",
                 locale: str = "fr_FR") -> Decimal | None:
    """An amount typed or read, exact in the currency's unit; ``None`` when empty. Refuses, with a French
    message naming ``what``, anything that is not exactly an amount of that currency."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    digits = exponent(currency)
    if isinstance(value, bool):
        raise _error(f"{what} : un montant est attendu, pas une case à cocher.", field, "not_a_number")
    if isinstance(value, str):
        amount = _parse_amount_text(value, currency, digits, field, what, locale)
    else:
        amount = _number(value, field, what)
        if representable(amount) and amount != amount.quantize(quantum(currency), rounding=ROUND_HALF_UP):
            raise _decimals_error(currency, digits, field, what)
    return check_amount(amount, currency, field=field, what=what)


def check_amount(amount: Decimal, currency: str, *, field: str = "amount", what: str = "Montant") -> Decimal:
    """``amount`` at the currency's exponent, refused beyond the one maximum."""
    top = maximum(currency)
    if not representable(amount) or abs(amount) > top:
        raise _error(f"{what} trop grand : {format_money(top, currency)} au plus.", field, "too_large")
    return amount.quantize(quantum(currency))


def representable(d: Decimal) -> bool:
    """Finite and small enough to quantize without ``InvalidOperation`` (at most 40 integer digits)."""
    return d.is_finite() and d.adjusted() < 40


def _number(value: Any, field: str, what: str) -> Decimal:
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    else:
        raise _error(f"{what} : « {str(value)[:40]} » n'est pas un nombre.", field, "not_a_number")
    if not d.is_finite():
        raise _error(f"{what} : « {str(value)[:40]} » n'est pas un nombre.", field, "not_a_number")
    return d


def _decimals_error(currency: str, digits: int, field: str, what: str) -> InvalidInputError:
    name = label(currency)
    if digits == 0:
        return _error(f"{what} : les montants en {name} n'ont pas de centimes (tapez par exemple 25000 ou 25 000).",
                      field, "decimals")
    return _error(f"{what} : {digits} décimale(s) au plus pour un montant en {name}.", field, "decimals")


def _strip_marks(text: str, currency: str) -> str:
    """The text without the currency written before or after it (``25 000 F``, ``€12,50``, ``XOF 500``)."""
    code = currency.upper()
    marks = {code, SYMBOLS.get(code, code), *_MARKS.get(code, ())}
    try:
        from babel.numbers import get_currency_symbol

        marks.add(get_currency_symbol(code, "fr").upper())
    except Exception:  # noqa: BLE001 - an unknown symbol only means one spelling less is accepted
        pass
    upper = text.upper().rstrip(".")
    for mark in sorted(marks, key=len, reverse=True):
        m = _SPACE_RE.sub(" ", mark.upper())
        if upper.endswith(m) and upper[: len(upper) - len(m)].rstrip()[-1:].isdigit():
            return text[: len(upper) - len(m)].strip(_SPACES)
        if upper.startswith(m) and upper[len(m):].lstrip()[:1] in (*"0123456789+", *_MINUS):
            return text[len(m):].strip(_SPACES)
    return text


def _parse_amount_text(text: str, currency: str, digits: int, field: str, what: str, locale: str) -> Decimal:
    raw = text.strip(_SPACES + "\t\n\r")
    if len(raw) > MAX_INPUT:
        raise _error(f"{what} trop grand : {format_money(maximum(currency), currency)} au plus.", field, "too_large")
    body = _SPACE_RE.sub(" ", _strip_marks(_SPACE_RE.sub(" ", raw), currency)).strip()
    sign = ""
    if body[:1] in _MINUS or body[:1] == "+":
        sign = "-" if body[:1] in _MINUS else ""
        body = body[1:].strip()
    not_a_number = _error(f"{what} : « {raw[:40]} » n'est pas un nombre (exemple : 25000 ou 25 000).",
                          field, "not_a_number")
    if not body or not re.fullmatch(r"[0-9][0-9 .,]*", body) or not body[-1].isdigit():
        raise not_a_number
    if digits == 0:
        whole, fraction = _group(body, " .,", field), ""
        if whole is None:
            raise _decimals_error(currency, 0, field, what) if re.search(r"[.,]\d{1,2}$|[.,]\d{4,}$", body) \
                else not_a_number
    else:
        whole, fraction = _split_decimal(body, locale, field, not_a_number)
        if len(fraction) > digits:
            raise _decimals_error(currency, digits, field, what)
    try:
        return Decimal(f"{sign}{whole}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the patterns above only let digits through
        raise not_a_number from None


def _group(body: str, separators: str, field: str) -> str | None:
    """The digits of ``body`` when it is plain digits or thousands grouped by ONE kind of separator."""
    if body.isdigit():
        return body
    used = {c for c in body if not c.isdigit()}
    if len(used) != 1 or not used <= set(separators):
        return None
    sep = used.pop()
    if not re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(sep)}[0-9]{{3}})+", body):
        return None
    return body.replace(sep, "")


def _split_decimal(body: str, locale: str, field: str, not_a_number: InvalidInputError) -> tuple[str, str]:
    """Whole and fraction digits of an amount in a currency with decimals: the rightmost of ``,``/``.``
    is the decimal separator when both appear; alone, it is the locale's one (``,`` in French) or, typed on
    a phone keypad, a dot; the other marks and spaces must group thousands."""
    from babel.numbers import get_decimal_symbol

    point = get_decimal_symbol(locale)
    marks = [c for c in body if c in ".,"]
    if not marks:
        whole, fraction = body, ""
    else:
        last = max(body.rfind("."), body.rfind(","))
        kinds = set(marks)
        if len(kinds) == 1 and len(marks) > 1:
            whole, fraction = body, ""  # "1.000.000": only grouping
        elif len(kinds) == 1 and body[last] != point and re.fullmatch(r"[0-9]{1,3}[.,][0-9]{3}", body):
            raise InvalidInputError(f"{not_a_number.message.split(' :')[0]} : « {body} » peut se lire de deux façons : "
                                    f"tapez {body.replace(body[last], '')} (milliers) ou {body[:last]}{point}{body[last + 1:last + 3]} (décimales).",
                                    field=field, code="ambiguous")  # "1.000": thousands or decimals?
        else:
            whole, fraction = body[:last], body[last + 1:]
    grouped = _group(whole.strip(), " .,", field)
    if grouped is None or (fraction and not fraction.isdigit()):
        raise not_a_number
    return grouped, fraction


# -- quantities and other numbers ------------------------------------------------------------------------------
def parse_number(value: Any, *, field: str = "number", what: str = "Nombre") -> Decimal | None:
    """A plain number (quantity, percentage, count): ``,`` or ``.`` as the decimal separator, spaces
    group thousands; at most ``MAX_NUMBER_DIGITS`` significant digits; ``None`` when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _error(f"{what} : un nombre est attendu, pas une case à cocher.", field, "not_a_number")
    if isinstance(value, str):
        raw = value.strip(_SPACES + "\t\n\r")
        if len(raw) > MAX_INPUT:
            raise _error(f"{what} : nombre trop grand ({MAX_NUMBER_DIGITS} chiffres au plus).", field, "too_large")
        text = _SPACE_RE.sub("", raw).replace("'", "").rstrip("%").strip()
        text = ("-" + text[1:]) if text[:1] in _MINUS else text
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
        else:
            text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise _error(f"{what} : « {raw[:40]} » n'est pas un nombre.", field, "not_a_number")
        d = Decimal(text)
    else:
        d = _number(value, field, what)
    if not representable(d) or abs(d) >= Decimal(10) ** MAX_NUMBER_DIGITS:
        raise _error(f"{what} : nombre trop grand ({MAX_NUMBER_DIGITS} chiffres au plus).", field, "too_large")
    return d


def divisible(unit: Any) -> bool:
    """Whether an article's unit is a measure (kg, litres…) rather than a count (pièces, sacs…)."""
    return str(unit or "").strip().lower().rstrip(".") in DIVISIBLE_UNITS


def parse_quantity(value: Any, unit: Any = "", *, field: str = "quantity", what: str = "Quantité",
                   allow_zero: bool = False) -> Decimal:
    """A quantity of an article: whole for pieces, at most 3 decimals for measures; above zero (or zero
    when ``allow_zero``, as an inventory count), at most ``MAX_QUANTITY``."""
    q = parse_number(value, field=field, what=what)
    if q is None:
        raise _error(f"{what} : indiquez une quantité.", field, "empty")
    if q < 0 or (q == 0 and not allow_zero):
        raise _error(f"{what} : indiquez une quantité supérieure à zéro." if not allow_zero else
                     f"{what} : indiquez un nombre positif ou zéro.", field, "zero" if q == 0 else "negative")
    if q > MAX_QUANTITY:
        raise _error(f"{what} : {format_number(MAX_QUANTITY)} au plus.", field, "too_large")
    if divisible(unit):
        if q != q.quantize(Decimal(1).scaleb(-QUANTITY_DECIMALS), rounding=ROUND_HALF_UP):
            raise _error(f"{what} : {QUANTITY_DECIMALS} décimales au plus.", field, "decimals")
    elif q != q.to_integral_value():
        shown = str(unit or "pièces").strip()
        raise _error(f"{what} : un nombre entier est attendu (unité de l'article : {shown}).",
                     field, "decimals")
    return plain(q)


def plain(d: Decimal) -> Decimal:
    """Without trailing zeros nor exponent: 10 stays 10 (``normalize`` would give 1E+1)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


# -- for people --------------------------------------------------------------------------------------------
def format_money(value: Any, currency: str = "XOF", locale: str = "fr_FR") -> str:
    """``25 000 FCFA``, ``1 234,50 €``: amounts the way the business's users read them (half up)."""
    from babel.numbers import format_decimal

    code = (currency or "XOF").strip().upper()
    digits = exponent(code)
    amount = value if isinstance(value, Decimal) else Decimal(str(value or 0))
    amount = round_money(amount, code) if representable(amount) else amount
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    text = format_decimal(amount, format=pattern, locale=locale, decimal_quantization=False)
    return f"{text}\u00a0{label(code)}".replace("\u202f", "\u00a0")


def format_number(value: Any, locale: str = "fr_FR") -> str:
    """``1 234,5``: a quantity or count for people."""
    from babel.numbers import format_decimal

    return format_decimal(Decimal(str(value)), locale=locale).replace("\u202f", "\u00a0")
