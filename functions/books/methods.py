"""Payment methods as the business uses them: its list (Paramètres « Moyens de paiement », else the
defaults of its country), mobile-money operators, transaction references and the owner's check.

* The Caisse ``Moyen`` column is validated against the business's list, not fixed choices; the values of
  older workbooks (« Mobile Money »…) stay valid so no existing row becomes an error.
* A payment may carry the operator's transaction reference (« Référence »): the same reference twice for
  the same operator is refused.
* A mobile-money payment typed at the counter counts as **déclaré** (the SMS can be fake) until the owner
  checks it against the wallet: ``VerifyPayment`` marks the row **vérifié** (Caisse « Contrôle »), journaled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from functions.books import ledger
from functions.books.commands import Command
from functions.books.records import Ctx, require
from functions.errors import InvalidInputError
from functions.store.schema import fold
from functions.store.workbook import Book, Change, JournalEntry, Record, RowUpdate

CASH = "Espèces"
#: Methods that are not a mobile-money wallet (everything else in the list is an operator).
NOT_MOBILE = frozenset({"Espèces", "Carte", "Virement", "Chèque"})
#: The values of the former fixed list: rows written with them stay valid whatever the list says now.
LEGACY = ("Espèces", "Mobile Money", "Carte", "Virement", "Chèque")
_TAIL = ("Carte", "Virement", "Chèque")
#: Defaults by country (ISO 3166): the operators people use there (DESIGN.md, mobile money).
BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "TG": (CASH, "Mixx by Yas", "Flooz", *_TAIL),
    "SN": (CASH, "Wave", "Orange Money", "Mixx by Yas", *_TAIL),
    "CI": (CASH, "Orange Money", "MTN MoMo", "Moov Money", "Wave", *_TAIL),
}
DEFAULT = (CASH, "Mobile Money", *_TAIL)
#: Former names people still type: read as the operator's current name.
ALIASES = {"tmoney": "Mixx by Yas", "t money": "Mixx by Yas", "free money": "Mixx by Yas", "yas": "Mixx by Yas",
           "moov africa": "Flooz", "momo": "MTN MoMo", "mtn": "MTN MoMo", "om": "Orange Money"}
DECLARED, VERIFIED = "Déclaré", "Vérifié"
MAX_REFERENCE = 40


def methods(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The business's payment methods, in the order the forms show them (Espèces first)."""
    raw = str(settings.get("payment_methods") or "").strip()
    if not raw:
        return BY_COUNTRY.get(str(settings.get("country") or "").upper(), DEFAULT)
    return tuple(parse_list(raw))


def parse_list(text: str) -> list[str]:
    """One method per line or comma-separated; duplicates (ignoring case and accents) dropped."""
    out: list[str] = []
    for part in re.split(r"[\n,;]", text or ""):
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > 30:
            raise InvalidInputError(f"Moyens de paiement : « {name[:20]}… » est trop long (30 caractères au plus).",
                                    field="payment_methods", code="too_long")
        if fold(name) not in {fold(m) for m in out}:
            out.append(name)
    if not out:
        raise InvalidInputError("Moyens de paiement : indiquez au moins un moyen (Espèces…).",
                                field="payment_methods", code="empty")
    return out


def accepted(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """What the Moyen column may hold: the business's list, then the former values."""
    mine = methods(settings)
    return mine + tuple(m for m in LEGACY if fold(m) not in {fold(x) for x in mine})


def choose(settings: Mapping[str, Any], method: str | None) -> str:
    """The method as spelled in the business's list (case, accents and former names forgiven); refused with
    the list when it is not one of them. Empty is Espèces."""
    text = " ".join(str(method or "").split()) or CASH
    allowed = accepted(settings)
    by_fold = {fold(m): m for m in allowed}
    found = by_fold.get(fold(text))
    alias = ALIASES.get(fold(text).replace("-", " ")) or ALIASES.get(fold(text).replace("-", ""))
    if found is None and alias is not None:
        found = by_fold.get(fold(alias))
    if found is None:
        raise InvalidInputError(f"Moyen de paiement « {text[:30]} » inconnu. Choisissez parmi : "
                                f"{', '.join(methods(settings))} (liste modifiable dans Paramètres).",
                                field="method", code="bad_method")
    return found


def is_mobile(method: Any) -> bool:
    return bool(str(method or "").strip()) and str(method).strip() not in NOT_MOBILE


def reference(value: Any) -> str:
    """A transaction reference as typed: spaces removed, upper case (operators print them so)."""
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if len(text) > MAX_REFERENCE:
        raise InvalidInputError(f"Référence : {MAX_REFERENCE} caractères au plus.", field="reference", code="too_long")
    if text and not re.fullmatch(r"[A-Z0-9._/:#-]+", text):
        raise InvalidInputError("Référence : lettres, chiffres et . _ / : # - seulement (recopiez celle du SMS).",
                                field="reference", code="bad_reference")
    return text


def check_reference(book: Book, method: str, ref: str, pending: Iterable[Mapping[str, Any]] = (),
                    rows: Iterable[Any] | None = None) -> None:
    """Refuse a reference already recorded for the same operator (in ``rows``, the Caisse by default, or this
    same change)."""
    if not ref:
        return
    rows = [*(book.all_rows("caisse") if rows is None else rows), *pending]
    for row in rows:
        if re.sub(r"\s+", "", str(row["reference"] or "")).upper() == ref and fold(str(row["method"] or "")) == fold(method):
            when = row["date"]
            day = when.strftime("%d/%m/%Y") if isinstance(when, date) else ""
            raise InvalidInputError(
                f"Référence « {ref} » déjà enregistrée pour {method}" + (f" le {day}" if day else "") +
                f" (Caisse {row['id']}) : un même paiement ne se compte pas deux fois. Vérifiez le SMS ou le relevé "
                "de l'opérateur. Rien n'a été enregistré.", field="reference", code="duplicate_reference")


def payment_fields(book: Book, method: str | None, ref: Any, pending: Iterable[Mapping[str, Any]] = ()
                   ) -> dict[str, Any]:
    """The Caisse fields of a payment: the method as listed, its reference (checked), and « Déclaré » for
    a mobile-money payment (until the owner checks it)."""
    chosen = choose(book.settings, method)
    text = reference(ref)
    check_reference(book, chosen, text, pending)
    out: dict[str, Any] = {"method": chosen, "reference": text or None}
    if is_mobile(chosen):
        out["check"] = DECLARED
    return out


def verify(book: Book, ctx: Ctx, caisse_id: str, note: str = "") -> Change:
    """The owner has seen the payment in the operator's wallet: the row's « Contrôle » becomes Vérifié."""
    row = require(book, "caisse", caisse_id)
    if not is_mobile(row["method"]):
        raise InvalidInputError(f"Caisse {row.id} n'est pas un paiement mobile money : rien à vérifier.")
    if row["check"] == VERIFIED:
        raise InvalidInputError(f"Caisse {row.id} est déjà vérifié.")
    note = " ".join(str(note or "").split())[:200]
    change = Change(updates=[RowUpdate("caisse", row, {"check": VERIFIED}, check=("check",))])
    summary = f"Contrôle : {row['check'] or '∅'} → {VERIFIED} ({row['method']}"
    summary += f", réf. {row['reference']})" if row["reference"] else ")"
    change.journal.append(JournalEntry("vérifié", "caisse", row.id, summary + (f" ; Remarque : {note}" if note else "")))
    change.result["caisse_id"] = row.id
    return change


@dataclass(frozen=True)
class VerifyPayment(Command):
    """« Vérifié » : a declared mobile-money payment checked against the operator's wallet."""

    name: ClassVar[str] = "vérifié"
    tabs: ClassVar[tuple[str, ...]] = ("settings", "caisse")
    caisse_id: str
    note: str = ""

    def apply(self, book: Book, ctx: Ctx) -> Change:
        return verify(book, ctx, self.caisse_id, self.note)


@dataclass(frozen=True)
class OperatorDay:
    """One method's money of a day: in, out, the net to compare with the operator's statement, and how much of
    it is still only declared."""

    method: str
    money_in: Decimal
    money_out: Decimal
    declared: Decimal
    count: int

    @property
    def net(self) -> Decimal:
        return self.money_in - self.money_out


def day_totals(caisse: Iterable[Record], day: date) -> list[OperatorDay]:
    """Each method's totals of ``day`` (Espèces first, then by name)."""
    acc: dict[str, list[Any]] = {}
    for row in caisse:
        when = row["date"]
        if not isinstance(when, date) or (when.date() if hasattr(when, "date") else when) != day:
            continue
        signed = ledger.signed_cash(row)
        if not signed:
            continue
        method = str(row["method"] or CASH)
        a = acc.setdefault(method, [Decimal(0), Decimal(0), Decimal(0), 0])
        if signed > 0:
            a[0] += signed
        else:
            a[1] -= signed
        if row["check"] == DECLARED:
            a[2] += signed
        a[3] += 1
    order = sorted(acc, key=lambda m: (m != CASH, fold(m)))
    return [OperatorDay(m, acc[m][0], acc[m][1], acc[m][2], acc[m][3]) for m in order]


def declared_rows(caisse: Iterable[Record], limit: int = 50) -> list[Record]:
    """Mobile-money rows still « Déclaré », newest first."""
    return [r for r in reversed(list(caisse)) if r["check"] == DECLARED][:limit]


__all__ = ["ALIASES", "BY_COUNTRY", "CASH", "DECLARED", "LEGACY", "VERIFIED", "OperatorDay", "VerifyPayment",
           "accepted", "check_reference", "choose", "day_totals", "declared_rows", "is_mobile", "methods",
           "parse_list", "payment_fields", "reference", "verify"]
