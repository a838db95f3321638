"""The one codec: cells (what backends move) <-> typed values (what the code uses), by column type.

Money is ``Decimal`` quantized to the currency's ISO 4217 exponent (XOF 0, EUR 2) and never passes
through float arithmetic; ids and phone numbers stay text (``"007"`` stays ``"007"``); dates accept
``date`` objects, spreadsheet serial numbers (Google's unformatted values) and typed text (ISO or
French ``jj/mm/aaaa``). User text is kept literally; backends store it as text, never as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from functions import money
from functions.errors import InvalidInputError
from functions.money import SYMBOLS, plain
from functions.store.backend import Cell, NumberFormat

TEXT_TYPES = frozenset({"id", "text", "phone", "email", "url", "choice"})
MAX_TEXT = 50_000  # Google Sheets' limit for one cell
EPOCH = datetime(1899, 12, 30)  # day 0 of spreadsheet serial dates (Sheets and Excel 1900 system)
# Characters XML 1.0 (and so .xlsx) cannot hold; tab, LF and CR are kept.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

def currency_exponent(currency: str) -> int:
    return money.exponent(currency)


def to_decimal(value: Cell, what: str = "nombre", field: str = "") -> Decimal | None:
    """Any cell to Decimal without float arithmetic (``money.parse_number``); None when empty."""
    return money.parse_number(value, field=field, what=what[:1].upper() + what[1:])


def clean_text(value: str, field: str = "") -> str:
    """User text as stored: refused (with a French message) when it holds a control character that a
    cell cannot keep, or is longer than a cell holds. Tab, LF and CR are kept."""
    found = _ILLEGAL.search(value)
    if found:
        raise InvalidInputError(f"Caractère invalide (code {ord(found.group(0))}) dans « {_ILLEGAL.sub('', value)[:40]} » : "
                                "retirez-le puis recommencez.", field=field, code="control_char")
    if len(value) > MAX_TEXT:
        raise InvalidInputError(f"Texte trop long ({len(value)} caractères) : {MAX_TEXT} au plus par cellule.",
                                field=field, code="too_long")
    return value


def serial_to_datetime(serial: Decimal) -> datetime:
    seconds = (serial * 86400).to_integral_value(rounding=ROUND_HALF_UP)
    return EPOCH + timedelta(seconds=int(seconds))


def parse_date_text(text: str) -> datetime:
    t = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(t, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(t).replace(tzinfo=None)
    except ValueError:
        raise InvalidInputError(f"Date invalide : « {t[:40]} » (attendu jj/mm/aaaa).") from None


class Codec:
    """Typed values for one business (its currency)."""

    def __init__(self, currency: str = "XOF") -> None:
        self.currency = currency.strip().upper()
        self.exponent = currency_exponent(self.currency)
        self.quantum = Decimal(1).scaleb(-self.exponent)

    # -- money -----------------------------------------------------------------------------------------
    def money(self, value: Cell | Decimal) -> Decimal:
        """An amount: text as people type it (``money.parse_amount``: "25.000" is 25 000 FCFA, decimals the
        currency lacks refused); a number is a computed amount, rounded half up (the one rule). Empty is 0."""
        if isinstance(value, str):
            d = money.parse_amount(value, self.currency)
            return d if d is not None else Decimal(0)
        d = to_decimal(value, "Montant")
        if d is None:
            return Decimal(0)
        return money.check_amount(money.round_to(d, self.quantum) if money.representable(d) else d, self.currency)

    def amount(self, cell: Cell | Decimal, field: str = "") -> Decimal | None:
        """An amount read from a cell or a form, exact: nothing is rounded away; None when empty."""
        return money.parse_amount(cell, self.currency, field=field or "amount")

    def money_format(self) -> NumberFormat:
        symbol = SYMBOLS.get(self.currency, self.currency)
        decimals = ("." + "0" * self.exponent) if self.exponent else ""
        return NumberFormat("CURRENCY", f'#,##0{decimals} "{symbol}";-#,##0{decimals} "{symbol}"')

    # -- cells -> values -------------------------------------------------------------------------------
    def to_value(self, type_: str, cell: Cell) -> object:
        """Typed value of a cell read from a backend; raises InvalidInputError with a French reason."""
        if type_ in TEXT_TYPES:
            return self._text(cell)
        if cell is None or cell == "":
            return None
        if type_ == "money":
            return self.amount(cell)
        if type_ in ("number", "percent"):
            d = to_decimal(cell, "Nombre")
            return plain(d) if d is not None else None
        if type_ == "int":
            d = to_decimal(cell, "Nombre entier")
            if d is None or d != d.to_integral_value():
                raise InvalidInputError(f"Nombre entier attendu : « {cell} ».")
            return int(d)
        if type_ == "date":
            return self._datetime(cell).date()
        if type_ == "datetime":
            return self._datetime(cell)
        if type_ == "time":
            return self._time(cell)
        raise InvalidInputError(f"Type de colonne inconnu : {type_}.")

    def converter(self, type_: str, choices: tuple[str, ...] = ()) -> Callable[[Cell], object]:
        """A fast function typing the cells of one column (same results as ``to_value``)."""
        if type_ == "choice":
            from functions.store.schema import fold

            exact = {c: c for c in choices}
            folded = {fold(c): c for c in choices}

            def choice(cell: Cell) -> object:
                if cell.__class__ is str and cell in exact:
                    return cell
                text = self._text(cell)
                if not text:
                    return ""
                found = folded.get(fold(text))
                if found is None:
                    raise InvalidInputError(f"« {text[:40]} » n'est pas un choix possible ({', '.join(choices)}).")
                return found

            return choice
        if type_ == "text" and choices:  # suggested spellings (a dropdown); any other text is kept as typed
            from functions.store.schema import fold

            spelled = {fold(c): c for c in choices}

            def suggested(cell: Cell) -> object:
                typed = self._text(cell)
                return spelled.get(fold(typed), typed) if typed else typed

            return suggested
        if type_ in TEXT_TYPES:
            def text(cell: Cell) -> object:
                if cell.__class__ is str and cell.isprintable() and len(cell) <= MAX_TEXT:
                    return cell
                return self._text(cell)

            return text
        if type_ == "money":
            quantum = self.quantum

            top = money.maximum(self.currency)

            def amount(cell: Cell) -> object:
                if cell is None or cell == "":
                    return None
                if cell.__class__ is int and -top <= cell <= top:  # type: ignore[operator]
                    return Decimal(cell).quantize(quantum)  # type: ignore[arg-type]
                if cell.__class__ is Decimal and -top <= cell <= top:  # type: ignore[operator]
                    exact = cell.quantize(quantum)  # type: ignore[union-attr]
                    if exact == cell:
                        return exact
                return self.amount(cell)

            return amount
        if type_ == "datetime":
            def moment(cell: Cell) -> object:
                if cell.__class__ is datetime and not cell.microsecond and cell.tzinfo is None:  # type: ignore
                    return cell  # as ``_datetime`` would give it back
                return self.to_value(type_, cell)

            return moment
        if type_ == "date":
            def day(cell: Cell) -> object:
                if cell.__class__ is date:
                    return cell
                return self.to_value(type_, cell)

            return day
        return lambda cell: self.to_value(type_, cell)

    def _text(self, cell: Cell) -> str:
        if cell is None:
            return ""
        if isinstance(cell, str):
            return clean_text(cell)
        if isinstance(cell, bool):
            return "Oui" if cell else "Non"
        if isinstance(cell, (int, float, Decimal)):
            d = to_decimal(cell)
            assert d is not None
            return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
        if isinstance(cell, datetime):
            return cell.isoformat(sep=" ", timespec="seconds")
        if isinstance(cell, (date, time)):
            return cell.isoformat()
        return str(cell)

    def _datetime(self, cell: Cell) -> datetime:
        if isinstance(cell, datetime):
            return cell.replace(microsecond=0, tzinfo=None) if cell.microsecond < 500_000 else (
                cell.replace(microsecond=0, tzinfo=None) + timedelta(seconds=1))
        if isinstance(cell, date):
            return datetime(cell.year, cell.month, cell.day)
        if isinstance(cell, time):
            raise InvalidInputError(f"Date attendue, pas une heure : « {cell} ».")
        if isinstance(cell, str):
            return parse_date_text(cell)
        d = to_decimal(cell, "Date")
        assert d is not None
        if not (0 <= d < 2958466):
            raise InvalidInputError(f"Date invalide : « {cell} ».")
        return serial_to_datetime(d)

    def _time(self, cell: Cell) -> time:
        if isinstance(cell, datetime):
            return cell.time().replace(microsecond=0)
        if isinstance(cell, time):
            return cell.replace(microsecond=0)
        if isinstance(cell, str):
            m = re.fullmatch(r"\s*(\d{1,2})\s*[:hH]\s*(\d{2})?\s*(?::(\d{2}))?\s*", cell)
            if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
                raise InvalidInputError(f"Heure invalide : « {cell.strip()[:20]} » (attendu HH:MM).")
            return time(int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))
        d = to_decimal(cell, "Heure")
        assert d is not None
        return serial_to_datetime(d % 1).time()

    # -- values -> cells -------------------------------------------------------------------------------
    def to_cell(self, type_: str, value: object) -> Cell:
        """The cell to write for a typed value (validated the same way as a read)."""
        if value is None or value == "":
            return None
        if type_ in TEXT_TYPES:
            text = value if isinstance(value, str) else self._text(value)  # type: ignore[arg-type]
            return clean_text(text) or None
        typed = self.to_value(type_, value)  # type: ignore[arg-type]
        if type_ == "money":
            return typed  # type: ignore[return-value]
        return typed  # type: ignore[return-value]

    def number_format(self, type_: str) -> NumberFormat | None:
        if type_ in TEXT_TYPES:  # plain text: what a person types there is not parsed ("0042" stays)
            return NumberFormat("TEXT", "@")
        return {
            "money": self.money_format(),
            "number": NumberFormat("NUMBER", "#,##0.###"),
            "int": NumberFormat("NUMBER", "0"),
            "percent": NumberFormat("PERCENT", "0.0%"),
            "date": NumberFormat("DATE", "dd/mm/yyyy"),
            "datetime": NumberFormat("DATE_TIME", "dd/mm/yyyy hh:mm"),
            "time": NumberFormat("TIME", "hh:mm"),
        }.get(type_)

    def parse_choice(self, choices: tuple[str, ...], value: str) -> str:
        from functions.store.schema import fold

        for c in choices:
            if fold(c) == fold(value):
                return c
        raise InvalidInputError(f"« {value[:40]} » n'est pas un choix possible ({', '.join(choices)}).")

    def check_email(self, value: str) -> str:
        if value and not _EMAIL.match(value):
            raise InvalidInputError(f"Email invalide : « {value[:60]} ».")
        return value
