"""Remises: on a line or on a whole sale or prestation, as an amount (« 500 ») or a percentage (« 10 % »),
with a reason (pure).

The rules peers get wrong (DESIGN.md, discounts), held here once:

* never over 100 %, never a line total below zero;
* an employee may not give more than « Remise maximale des employés (%) » of the ticket (Paramètres);
* a price below cost (Prix d'achat) is refused for an employee and warned for an admin;
* rounding: each line's share of a whole-ticket discount is rounded half up (``functions.money``) and the
  rounding difference goes on the last line that can take it, so the ticket total is exactly the sum of the
  line totals, each a whole number of the currency's minor unit.

``ticket`` is the one computation the quick sale, the prestation lines and the receipts share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from functions import money
from functions.errors import InvalidInputError

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_EMPLOYEE_MAX = Decimal(10)


@dataclass(frozen=True)
class Ask:
    """A discount as typed: ``value`` is a percentage when ``percent``, else an amount."""

    value: Decimal
    percent: bool

    def amount(self, gross: Decimal, currency: str) -> Decimal:
        if self.percent:
            return money.round_money(gross * self.value / HUNDRED, currency)
        return self.value


@dataclass(frozen=True)
class Line:
    """A ticket line before discount: ``gross`` = quantity × unit price (rounded), ``cost`` = quantity × Prix
    d'achat when known, ``ask`` its own discount, ``rate`` its TVA rate (percent, 0 without tax)."""

    label: str
    gross: Decimal
    cost: Decimal | None = None
    ask: Ask | None = None
    rate: Decimal = ZERO


@dataclass
class Ticket:
    lines: list[Line]
    discounts: list[Decimal]  # per line: its own discount plus its share of the whole-ticket one
    totals: list[Decimal]  # per line, what the client pays for it
    warnings: list[str] = field(default_factory=list)

    @property
    def gross(self) -> Decimal:
        return sum((ln.gross for ln in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum(self.discounts, ZERO)

    @property
    def total(self) -> Decimal:
        return sum(self.totals, ZERO)


def parse(value: Any, currency: str, *, field: str = "discount") -> Ask | None:
    """« 10 % », « 10% », « 2.500 », « 2 500 F »: a percentage or an amount of the currency; None when empty."""
    if isinstance(value, Ask):
        return value
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if text.endswith("%"):
        number = money.parse_number(text[:-1].strip(), field=field, what="Remise")
        if number is None:
            raise InvalidInputError("Remise : indiquez un pourcentage (ex. 10 %).", field=field, code="empty")
        if number < 0:
            raise InvalidInputError("Remise : elle ne peut pas être négative.", field=field, code="negative")
        if number > HUNDRED:
            raise InvalidInputError("Remise : 100 % au plus.", field=field, code="over_100")
        return Ask(number, True) if number else None
    amount = money.parse_amount(text, currency, field=field, what="Remise")
    if amount is None or amount == 0:
        return None
    if amount < 0:
        raise InvalidInputError("Remise : elle ne peut pas être négative.", field=field, code="negative")
    return Ask(amount, False)


def allocate(gross: Sequence[Decimal], total: Decimal, currency: str) -> list[Decimal]:
    """``total`` spread over lines in proportion to ``gross``, each share rounded half up, the rounding
    difference on the last line (and on earlier ones only when a line would go below zero)."""
    whole = sum(gross, ZERO)
    if not gross or total == 0:
        return [ZERO for _ in gross]
    if total > whole:
        raise InvalidInputError("Remise : elle dépasse le montant (100 % au plus).", field="discount", code="over_100")
    shares = [money.round_money(total * g / whole, currency) if whole else ZERO for g in gross]
    shares[-1] += total - sum(shares, ZERO)
    for i in range(len(shares) - 1, -1, -1):  # a line never below zero: its excess goes to lines with room
        excess = shares[i] - gross[i]
        if excess > 0:
            shares[i] = gross[i]
            for j in range(len(shares) - 1, -1, -1):
                room = gross[j] - shares[j]
                if j != i and room > 0 and excess > 0:
                    moved = min(room, excess)
                    shares[j] += moved
                    excess -= moved
        elif shares[i] < 0:  # rounding pushed a share under zero: take it from the others
            deficit, shares[i] = -shares[i], ZERO
            for j in range(len(shares) - 1, -1, -1):
                if j != i and shares[j] > 0 and deficit > 0:
                    moved = min(shares[j], deficit)
                    shares[j] -= moved
                    deficit -= moved
    return shares


def ticket(lines: Sequence[Line], whole: Ask | None, currency: str) -> Ticket:
    """The discounts and totals of a ticket: each line's own discount, then the whole-ticket discount spread
    over what the lines still cost."""
    own: list[Decimal] = []
    for ln in lines:
        d = ln.ask.amount(ln.gross, currency) if ln.ask is not None else ZERO
        if d > ln.gross:
            raise InvalidInputError(f"Remise sur « {ln.label} » : elle dépasse le montant de la ligne "
                                    f"({money.format_money(ln.gross, currency)}).", field="discount", code="over_line")
        own.append(d)
    net = [ln.gross - d for ln, d in zip(lines, own, strict=True)]
    extra = whole.amount(sum(net, ZERO), currency) if whole is not None else ZERO
    if extra > sum(net, ZERO):
        raise InvalidInputError(f"Remise : elle dépasse le montant ({money.format_money(sum(net, ZERO), currency)}).",
                                field="discount", code="over_100")
    shares = allocate(net, extra, currency)
    discounts = [d + s for d, s in zip(own, shares, strict=True)]
    return Ticket(list(lines), discounts, [ln.gross - d for ln, d in zip(lines, discounts, strict=True)])


def employee_max(settings: Mapping[str, Any]) -> Decimal:
    raw = str(settings.get("discount_max_employee") or "").strip().rstrip("%").strip().replace(",", ".")
    try:
        value = Decimal(raw) if raw else DEFAULT_EMPLOYEE_MAX
    except ArithmeticError:
        return DEFAULT_EMPLOYEE_MAX
    return min(max(value, ZERO), HUNDRED) if value.is_finite() else DEFAULT_EMPLOYEE_MAX


def check(t: Ticket, settings: Mapping[str, Any], currency: str, *, employee: bool, reason: str) -> list[str]:
    """Refuse what the rules refuse; return the warnings an admin gets (a price below cost)."""
    if t.discount <= 0:
        return []
    if not reason.strip():
        raise InvalidInputError("Remise : indiquez son motif (fidélité, article abîmé, geste commercial…).",
                                field="discount_reason", code="empty")
    if len(reason) > 200:
        raise InvalidInputError("Motif de la remise : 200 caractères au plus.", field="discount_reason", code="too_long")
    share = t.discount * HUNDRED / t.gross if t.gross else HUNDRED
    limit = employee_max(settings)
    if employee and share > limit:
        raise InvalidInputError(
            f"Remise de {money.format_number(share.quantize(Decimal('0.1')))} % : un employé peut accorder "
            f"{money.format_number(limit)} % au plus (Paramètres « Remise maximale des employés »). "
            "Demandez à un administrateur. Rien n'a été enregistré.", field="discount", code="over_limit")
    warnings = []
    for ln, total in zip(t.lines, t.totals, strict=True):
        if ln.cost is not None and total < ln.cost:
            text = (f"« {ln.label} » vendu sous son prix d'achat ({money.format_money(total, currency)} pour "
                    f"{money.format_money(ln.cost, currency)})")
            if employee:
                raise InvalidInputError(f"Remise refusée : {text}. Demandez à un administrateur. Rien n'a été "
                                        "enregistré.", field="discount", code="below_cost")
            warnings.append(text)
    return warnings


def describe(t: Ticket, reason: str, currency: str) -> str:
    """« remise 1 000 FCFA (fidélité) » for descriptions and the Journal; empty without a discount."""
    if t.discount <= 0:
        return ""
    return f"remise {money.format_money(t.discount, currency)}" + (f" ({reason.strip()})" if reason.strip() else "")


def given(caisse: Iterable[Any], lines: Iterable[Any]) -> Decimal:
    """Σ of the remises of a period, for the reports: on quick sales (Caisse « Remise ») and on prestation lines
    (Lignes « Remise »). Pass the rows of the period."""
    total = sum((r["discount"] for r in caisse if r["type"] == "Vente" and isinstance(r["discount"], Decimal)), ZERO)
    return total + sum((ln["discount"] for ln in lines if isinstance(ln["discount"], Decimal)), ZERO)


__all__ = ["Ask", "given", "Line", "Ticket", "allocate", "check", "describe", "employee_max", "parse", "ticket"]
