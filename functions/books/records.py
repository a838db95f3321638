"""Input validation and the generic record operations: add, update, soft-delete, restore.

Everything returns a ``Change`` (rows to append or update, and the Journal entries) computed from a
``Book`` as read; nothing is written here. Bad input raises ``InvalidInputError`` with every problem
named in French, and so changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from functions import money, phones
from functions.errors import ConflictError, InvalidInputError, NotFoundError
from functions.store.schema import Tab
from functions.store.workbook import Book, Change, JournalEntry, Record, RowUpdate

ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed on phones
PREFIX = {"clients": "C", "prestations": "P", "lines": "L", "caisse": "K", "stock": "S", "movements": "M",
          "agenda": "A", "investments": "I", "types": "T", "team": "U"}
LEDGERS = frozenset({"caisse", "movements"})


@dataclass
class Ctx:
    """Who acts, when (naive local time of the business), and where ids and numbers come from."""

    actor: str
    now: datetime
    next_number: Callable[[str], int]
    random_id: Callable[[int], str] | None = None

    def new_id(self, tab: str, taken: set[str]) -> str:
        for _ in range(100):
            body = (self.random_id or random_id)(7)
            candidate = PREFIX.get(tab, "X") + body
            if candidate not in taken:
                taken.add(candidate)
                return candidate
        raise ConflictError("Impossible de générer un identifiant unique. Réessayez.")  # pragma: no cover


def random_id(n: int) -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(n))


def taken_ids(book: Book, key: str) -> set[str]:
    return {r.id for r in book.all_rows(key) if r.id}


def display(value: Any) -> str:
    """A value as the Journal shows it."""
    if value is None or value == "":
        return "∅"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:79] + "…"


def describe(tab: Tab, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> str:
    """``Champ : ancien → nouveau ; …`` for the fields that differ (all fields of a new row)."""
    parts = []
    for col in tab.columns:
        if col.key not in new or col.key == "id":
            continue
        before = None if old is None else old.get(col.key)
        after = new[col.key]
        if old is None:
            if after not in (None, ""):
                parts.append(f"{col.header} : {display(after)}")
        elif _differs(before, after):
            parts.append(f"{col.header} : {display(before)} → {display(after)}")
    return " ; ".join(parts)


def _differs(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return False
    return bool(a != b)


def validate(book: Book, key: str, data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Typed values for the input fields of a tab; every problem in one French message."""
    tab = book.schema.tab(key)
    codec = book.codec
    known = {c.key: c for c in tab.columns}
    problems: list[str] = []
    out: dict[str, Any] = {}
    for k, raw in data.items():
        col = known.get(k)
        if col is None:
            problems.append(f"champ inconnu « {k} »")
            continue
        if col.computed:
            problems.append(f"« {col.header} » est calculé automatiquement et ne peut pas être saisi")
            continue
        if k in ("id", "deleted_at", "created_at", "created_by"):
            continue
        try:
            if isinstance(raw, str):
                raw = raw.strip()
            value: Any
            if col.type == "money" and isinstance(raw, str) and raw:  # the message names the column, once
                value = money.parse_amount(raw, codec.currency, field=k, what=f"« {col.header} »")
            else:
                value = codec.to_value(col.type, raw)
            if col.type == "choice" and value:
                value = codec.parse_choice(col.choices, str(value))
            if col.type == "email" and value:
                value = codec.check_email(str(value))
            if col.type == "phone" and value:  # one stored form, E.164 (functions/phones.py); else as typed
                value = phones.e164(value, book.settings.get("country")) or value
            if col.type in ("money", "int") and isinstance(value, (int, Decimal)) and value < 0:
                raise InvalidInputError("le montant ne peut pas être négatif")
            out[k] = value
        except InvalidInputError as exc:
            text = exc.message.rstrip(".")
            for generic in ("Nombre : ", "Montant : ", "Quantité : "):  # the column's own name says it better
                text = text.removeprefix(generic)
            label = f"« {col.header} »"
            problems.append(text if text.startswith(label) else f"{label} : {text}")
    if not partial:
        for col in tab.columns:
            if col.computed or col.key in out or col.key == "id":
                continue
            if col.default is not None:
                out[col.key] = codec.to_value(col.type, col.default)
        for col in tab.columns:
            if col.required and out.get(col.key) in (None, ""):
                problems.append(f"« {col.header} » est obligatoire")
    else:
        for col in tab.columns:
            if col.required and col.key in out and out[col.key] in (None, ""):
                problems.append(f"« {col.header} » ne peut pas être vide")
    if problems:
        raise InvalidInputError(f"{book.title(key)} : " + " ; ".join(problems) + ". Rien n'a été enregistré.")
    return out


def add(book: Book, key: str, data: Mapping[str, Any], ctx: Ctx, *, action: str = "ajout") -> Change:
    if key in LEDGERS:
        raise InvalidInputError(f"{book.title(key)} : utilisez l'opération dédiée (paiement, dépense, vente…).")
    values = validate(book, key, data)
    tab = book.schema.tab(key)
    values["id"] = ctx.new_id(key, taken_ids(book, key))
    if "created_at" in {c.key for c in tab.columns}:
        values["created_at"] = ctx.now
    if "created_by" in {c.key for c in tab.columns}:
        values["created_by"] = ctx.actor
    change = Change(appends=[(key, values)])
    change.journal.append(JournalEntry(action, key, values["id"], describe(tab, None, values)))
    change.result["id"] = values["id"]
    return change


def require(book: Book, key: str, record_id: str, *, live: bool = True) -> Record:
    record = book.find(key, (record_id or "").strip())
    if record is None or (live and record.deleted):
        raise NotFoundError(f"{book.title(key)} : aucun élément avec l'ID « {str(record_id)[:40]} ».")
    return record


def update(book: Book, key: str, record_id: str, data: Mapping[str, Any], ctx: Ctx,
           *, action: str = "modification") -> Change:
    if key in LEDGERS:
        raise InvalidInputError(
            f"{book.title(key)} est un registre : une ligne ne se modifie pas. Enregistrez une écriture de "
            "correction (remboursement, dépense ou mouvement inverse)."
        )
    record = require(book, key, record_id)
    values = validate(book, key, data, partial=True)
    changed = {k: v for k, v in values.items() if _differs(record[k], v)}
    if not changed:
        return Change(result={"id": record.id, "unchanged": True})
    tab = book.schema.tab(key)
    change = Change(updates=[RowUpdate(key, record, changed, check=tuple(changed))])
    change.journal.append(JournalEntry(action, key, record.id, describe(tab, record.values, changed)))
    change.result["id"] = record.id
    return change


def soft_delete(book: Book, key: str, record_id: str, ctx: Ctx) -> Change:
    if key in LEDGERS:
        raise InvalidInputError(f"{book.title(key)} est un registre : enregistrez une écriture inverse.")
    record = require(book, key, record_id)
    change = Change(updates=[RowUpdate(key, record, {"deleted_at": ctx.now}, check=("deleted_at",))])
    change.journal.append(JournalEntry("suppression", key, record.id, f"Supprimé le : {display(ctx.now)}"))
    change.result["id"] = record.id
    return change


def restore(book: Book, key: str, record_id: str, ctx: Ctx) -> Change:
    record = require(book, key, record_id, live=False)
    if not record.deleted:
        raise InvalidInputError(f"{book.title(key)} : « {record.id} » n'est pas supprimé.")
    change = Change(updates=[RowUpdate(key, record, {"deleted_at": None}, check=("deleted_at",))])
    change.journal.append(JournalEntry("restauration", key, record.id,
                                       f"Supprimé le : {display(record['deleted_at'])} → ∅"))
    change.result["id"] = record.id
    return change
