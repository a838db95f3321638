"""Invitations: a single-use link, valid 72 hours, revocable, whose token is stored only as a hash.

The token has 256 bits (``secrets.token_urlsafe(32)``) and appears only in the link given to the admin
once. Reading an invitation (``peek``) changes nothing — WhatsApp fetches links to draw a preview. Spending
it (``spend``) is one transaction: of two concurrent acceptances exactly one wins.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from functions.accounts import passwords
from functions.accounts.users import ROLES, Moment
from functions.errors import InvalidInputError, NotFoundError
from functions.state.base import Doc, StateStore

VALID_HOURS = 72
KEEP_DAYS = 30  # spent, revoked and expired invitations stay visible this long, then vanish


class InvitationInvalidError(NotFoundError):
    """Cette invitation n'est plus valable (déjà utilisée, annulée ou expirée). Demandez un nouveau lien."""

    status = 410


def create(state: StateStore, *, workspace: str, phone: str, role: str, invited_by: str, when: Moment) -> tuple[str, Doc]:
    """A new invitation; returns (token, record). The token is never stored."""
    phone = passwords.normalize_phone(phone)
    if role not in ROLES:
        raise InvalidInputError("Rôle inconnu.")
    token = secrets.token_urlsafe(32)
    key = passwords.digest(token)
    doc = {"id": key[:16], "workspace": workspace, "phone": phone, "role": role, "invited_by": invited_by,
           "created_at": when.local, "expires": when.epoch + VALID_HOURS * 3600, "status": "pending",
           "claim": None}
    state.put("invites", key, doc, ttl_seconds=KEEP_DAYS * 86400)
    return token, doc


def _key(token: str) -> str | None:
    if not isinstance(token, str) or not (30 <= len(token) <= 100):
        return None
    return passwords.digest(token)


def peek(state: StateStore, token: str, when: Moment) -> Doc:
    """The pending invitation of ``token`` (read only); ``InvitationInvalidError`` otherwise."""
    key = _key(token)
    doc = state.get("invites", key) if key else None
    if doc is None or doc.get("status") != "pending" or when.epoch >= float(doc["expires"]):
        raise InvitationInvalidError()
    return doc


def spend(state: StateStore, token: str, when: Moment) -> Doc:
    """Mark the invitation used, atomically; the winner gets it, anyone else ``InvitationInvalidError``."""
    peek(state, token, when)
    key = _key(token)
    assert key is not None
    claim = secrets.token_hex(16)

    def fn(doc: Doc | None) -> Doc | None:
        if doc is None or doc.get("status") != "pending" or when.epoch >= float(doc["expires"]):
            return doc
        return {**doc, "status": "used", "claim": claim, "used_at": when.local}

    after = state.update("invites", key, fn)
    if after is None or after.get("claim") != claim:
        raise InvitationInvalidError()
    return after


def unspend(state: StateStore, token: str) -> None:
    """Give back an invitation whose acceptance failed after it was spent (e.g. the account exists)."""
    key = _key(token)
    if key:
        state.update("invites", key, lambda d: None if d is None else {**d, "status": "pending", "claim": None})


def pending(state: StateStore, workspace: str, when: Moment) -> list[Doc]:
    out = [d for _, d in state.list("invites") if d.get("workspace") == workspace and d.get("status") == "pending"
           and when.epoch < float(d["expires"])]
    return sorted(out, key=lambda d: str(d.get("created_at")))


def revoke(state: StateStore, workspace: str, invite_id: str) -> None:
    for key, doc in state.list("invites"):
        if doc.get("id") == invite_id and doc.get("workspace") == workspace:
            state.update("invites", key, lambda d: None if d is None else {**d, "status": "revoked"})
            return
    raise NotFoundError("Invitation introuvable.")


def whatsapp_link(phone: str, business: str, url: str) -> str:
    text = (f"Bonjour, vous êtes invité(e) à rejoindre l'équipe de {business} sur TTR Gestion. "
            f"Créez votre compte avec ce lien (valable {VALID_HOURS} heures, une seule fois) : {url}")
    return f"https://wa.me/{phone.lstrip('+')}?text={quote(text)}"


def summary(doc: Doc) -> dict[str, Any]:
    return {"id": doc["id"], "phone": doc["phone"], "role": ROLES.get(doc["role"], doc["role"]),
            "created_at": doc.get("created_at"), "expires": doc["expires"]}
