"""Receipts in the state store: allocation, lookup by id or by row, revocation.

A receipt is named by a random id of 128 bits or more (``secrets.token_urlsafe(18)``: 144 bits, 24
characters of ``[A-Za-z0-9_-]``) and stored with what it is a receipt *of* (kind, tab, row id) and its
human number (``R-2026-00042``, from the state store's ``receipt`` counter: unique, increasing, never
reused) and, for receipts (not statements), its **frozen content** (what the document said when it was
issued, see ``functions.receipts.render``), the content's digest and the digest of its basis (what it says
about its rows). A receipt is a document: its page shows that content forever and reads nothing from the
workbook. When the rows behind it change, ``issue`` makes a new receipt (new id, new number) and the old
one records ``replaced_by`` (its page then says "Ce reçu a été remplacé par le reçu R-… du …"). A statement
stays a live view of the workbook.

Collections: ``receipts`` (key: the receipt id), ``receipt_rows`` (key: ``<tab>.<row id>``, the index
that gives a row its one live receipt, so that a row restored by the sync keeps its link; it also holds a
copy of that receipt's document, so an action learns what a row's receipt says, and replaces it, with one
read: a live receipt's document changes only when it is replaced or revoked, which moves or drops the index).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.errors import InvalidInputError, NotFoundError
from functions.state.base import Delete, Op, Put, StateStore, check_name

RECEIPTS = "receipts"
ROWS = "receipt_rows"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
ID_BYTES = 18  # 144 bits
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")

#: Caisse type -> receipt kind; a Dépense has no receipt (the business pays, it does not receive).
CASH_KINDS = {"Encaissement": "payment", "Vente": "sale", "Revenu": "revenue", "Remboursement": "refund"}
KINDS = frozenset({"prestation", "statement", *CASH_KINDS.values()})


@dataclass(frozen=True)
class Receipt:
    id: str
    kind: str  # prestation, payment, sale, revenue, refund, statement
    tab: str  # prestations, caisse, clients
    row_id: str
    number: str
    created: str = ""
    revoked: bool = False
    content: dict[str, Any] | None = field(default=None, compare=False, repr=False)  # frozen (JSON)
    digest: str = ""  # of the frozen content
    basis: str = ""  # digest of what it says about its rows
    replaced_by: str = ""  # the receipt that replaced it (its id)
    replaced_number: str = ""
    replaced_on: str = ""

    def doc(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "tab": self.tab, "row_id": self.row_id, "number": self.number,
                               "created": self.created, "revoked": self.revoked}
        if self.content is not None:
            out.update(content=self.content, digest=self.digest, basis=self.basis)
        if self.replaced_by:
            out.update(replaced_by=self.replaced_by, replaced_number=self.replaced_number,
                       replaced_on=self.replaced_on)
        return out

    @classmethod
    def from_doc(cls, rid: str, doc: dict[str, Any]) -> Receipt:
        content = doc.get("content")
        return cls(rid, str(doc.get("kind", "")), str(doc.get("tab", "")), str(doc.get("row_id", "")),
                   str(doc.get("number", "")), str(doc.get("created", "")), bool(doc.get("revoked")),
                   content if isinstance(content, dict) else None, str(doc.get("digest", "")),
                   str(doc.get("basis", "")), str(doc.get("replaced_by", "")), str(doc.get("replaced_number", "")),
                   str(doc.get("replaced_on", "")))


def public_url(env: dict[str, str] | None = None) -> str:
    """The base of shared links: ``TTR_PUBLIC_URL`` without its trailing slash."""
    source = os.environ if env is None else env
    return (source.get("TTR_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


def link(base: str, receipt_id: str) -> str:
    return f"{base.rstrip('/')}/r/{receipt_id}"


def link_pattern(base: str) -> re.Pattern[str]:
    """What a well-formed link of this base looks like (the hook trusts those: no lookup per row)."""
    return re.compile("^" + re.escape(base.rstrip("/")) + r"/r/[A-Za-z0-9_-]{22,64}$")


def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def row_key(tab: str, row_id: str) -> str:
    return f"{tab}.{row_id}"


def valid_id(receipt_id: str) -> bool:
    return isinstance(receipt_id, str) and bool(ID_PATTERN.match(receipt_id))


def find(state: StateStore, receipt_id: str) -> Receipt | None:
    """The live receipt of that id; None for a malformed, unknown or revoked id (all alike)."""
    if not valid_id(receipt_id):
        return None
    try:
        doc = state.get(RECEIPTS, receipt_id)
    except InvalidInputError:
        return None
    if doc is None or doc.get("revoked"):
        return None
    return Receipt.from_doc(receipt_id, doc)


def for_row(state: StateStore, tab: str, row_id: str) -> Receipt | None:
    """The live receipt of a row, if one was ever allocated (and not revoked)."""
    if not row_id:
        return None
    try:
        index = state.get(ROWS, row_key(tab, row_id))
    except InvalidInputError:
        return None
    return find(state, str(index["id"])) if index else None


def _index(receipt: Receipt) -> dict[str, Any]:
    """A row's index document: its live receipt's id and a copy of its document."""
    return {"id": receipt.id, "receipt": receipt.doc()}


def _from_index(doc: dict[str, Any]) -> Receipt | None:
    """The receipt an index document holds, None for an index of the former kind (the id alone: the receipt
    is read)."""
    copy = doc.get("receipt")
    return Receipt.from_doc(str(doc["id"]), copy) if isinstance(copy, dict) else None


def for_rows(state: StateStore, tab: str, row_ids: Iterable[str]) -> dict[str, Receipt]:
    """The live receipts of many rows of one tab (see ``for_many``)."""
    return {rid: r for (_, rid), r in for_many(state, [(tab, rid) for rid in row_ids]).items()}


def for_many(state: StateStore, rows: Iterable[tuple[str, str]],
             also: Iterable[tuple[str, str]] = ()) -> dict[tuple[str, str], Receipt]:
    """The live receipts of many ``(tab, row id)``: one ``get_many`` of the index, and one of the receipts
    for index documents of the former kind (a ``list`` of each collection when there are very many).
    ``also`` are documents read with the index (a session keeps them for what follows: one round trip)."""
    wanted = sorted({(t, r) for t, r in rows if r and valid_row(t, r)})
    extra = list(also)
    out: dict[tuple[str, str], Receipt] = {}
    index: dict[tuple[str, str], str] = {}  # rows whose index names only the receipt's id
    if len(wanted) <= 200:
        found = state.get_many([(ROWS, row_key(t, r)) for t, r in wanted] + extra)[: len(wanted)] \
            if wanted or extra else []
        for pair, d in zip(wanted, found, strict=True):
            if d and valid_id(str(d["id"])):
                copy = _from_index(d)
                if copy is not None:
                    out[pair] = copy
                else:
                    index[pair] = str(d["id"])
        ids = sorted(set(index.values()))
        receipts = {k: Receipt.from_doc(k, d) for k, d in zip(ids, state.get_many([(RECEIPTS, i) for i in ids]),
                                                              strict=True) if d} if ids else {}
    else:
        if extra:
            state.get_many(extra)
        named = set(wanted)
        for tab in sorted({t for t, _ in wanted}):
            prefix = row_key(tab, "")
            index.update({(tab, k[len(prefix):]): str(d["id"]) for k, d in state.list(ROWS, prefix)
                          if (tab, k[len(prefix):]) in named})
        receipts = {k: Receipt.from_doc(k, d) for k, d in state.list(RECEIPTS)} if index else {}
    for pair, receipt_id in index.items():
        receipt = receipts.get(receipt_id)
        if receipt is not None and not receipt.revoked:
            out[pair] = receipt
    return out


def _live(state: StateStore, tab: str, row_id: str) -> Receipt | None:
    """The row's live receipt, from its index (one read)."""
    return for_many(state, [(tab, row_id)]).get((tab, row_id))


def valid_row(tab: str, row_id: str) -> bool:
    """Can this row be named in the index (``for_row`` answers None for a name the store refuses)?"""
    try:
        check_name("clé", row_key(tab, row_id))
    except InvalidInputError:
        return False
    return True


def format_number(year: int, n: int) -> str:
    return f"R-{year}-{n:05d}"


def allocate(state: StateStore, kind: str, tab: str, row_id: str, now: datetime) -> Receipt:
    """The row's live receipt, or a new one (new id, next number). Safe against a concurrent allocator:
    the index is taken with ``create``, and the loser hands back the winner's receipt."""
    if kind not in KINDS:
        raise InvalidInputError(f"Type de reçu inconnu : {kind}.")
    if not row_id:
        raise InvalidInputError("Cette ligne n'a pas encore d'ID : lancez « ttr sync » puis réessayez.")
    existing = _live(state, tab, row_id)
    if existing is not None:
        return existing
    number = format_number(now.year, state.next_number("receipt"))
    receipt = Receipt(new_id(), kind, tab, row_id, number, now.isoformat(timespec="seconds"))
    while not state.create(RECEIPTS, receipt.id, receipt.doc()):  # pragma: no cover - 144 random bits
        receipt = Receipt(new_id(), kind, tab, row_id, number, receipt.created)
    key = row_key(tab, row_id)
    if not state.create(ROWS, key, _index(receipt)):
        current = _live(state, tab, row_id)
        if current is not None:
            state.delete(RECEIPTS, receipt.id)
            return current
        state.put(ROWS, key, _index(receipt))  # the index pointed at a revoked receipt
    return receipt


def issue(state: StateStore, kind: str, tab: str, row_id: str, now: datetime, content: dict[str, Any],
          basis: str, digest: Callable[[dict[str, Any]], str]) -> Receipt:
    """The row's live receipt when it says the same about its rows (same ``basis``), else a new receipt with
    ``content`` frozen (its number set in it), which replaces the old one. Called under the workbook lock."""
    if kind not in KINDS or kind == "statement":
        raise InvalidInputError(f"Type de reçu inconnu : {kind}.")
    if not row_id:
        raise InvalidInputError("Cette ligne n'a pas encore d'ID : lancez « ttr sync » puis réessayez.")
    current = _live(state, tab, row_id)
    if current is not None and current.basis == basis and current.content is not None:
        return current
    number = format_number(now.year, state.next_number("receipt"))
    frozen = {**content, "number": number}
    receipt = Receipt(new_id(), kind, tab, row_id, number, now.isoformat(timespec="seconds"), False, frozen,
                      digest(frozen), basis)
    while not state.create(RECEIPTS, receipt.id, receipt.doc()):  # pragma: no cover - 144 random bits
        receipt = Receipt(new_id(), *list(receipt.__dict__.values())[1:])
    state.put(ROWS, row_key(tab, row_id), _index(receipt))
    if current is not None:  # the old page says what replaced it (its document as the index holds it)
        state.put(RECEIPTS, current.id, {**current.doc(), "replaced_by": receipt.id, "replaced_number": number,
                                         "replaced_on": receipt.created})
    return receipt


def revoke(state: StateStore, receipt_id: str) -> Receipt:
    """Revoke one receipt: its link answers 404 from now on; other receipts are untouched."""
    receipt = find(state, receipt_id)
    if receipt is None:
        raise NotFoundError("Reçu introuvable ou déjà révoqué.")
    key = row_key(receipt.tab, receipt.row_id)
    doc, index = state.get_many([(RECEIPTS, receipt.id), (ROWS, key)])
    ops: list[Op] = [Put(RECEIPTS, receipt.id, {**(doc or receipt.doc()), "revoked": True})]
    if index and index.get("id") == receipt.id:
        ops.append(Delete(ROWS, key))  # with the receipt, in one batch: the index never names a revoked one
    state.apply_batch(ops)
    return Receipt(**{**receipt.__dict__, "revoked": True})
