"""Password resets: single-use links whose token is stored only as a hash (``resets/<sha256>``), with a TTL.

Three ways in:

* **the admin resets an employee** (``by_admin``): the old password stops working at once, every session
  and remembered device (PIN) of the account ends, and the admin gets a link valid ``VALID_MINUTES["admin"]``
  to send by WhatsApp;
* **``ttr admin reset``** on the machine that holds the state (``issue`` with kind ``cli``): a link valid
  30 minutes, or a new password typed there (``set_new_password``);
* **« Mot de passe oublié »** (``request_by_email``), when SMTP is configured: a link valid 30 minutes sent
  to the account's email. The answer is the same whether the email exists or not; requests are counted
  per address and per email typed (whether or not such an account exists), so the limit tells nothing.

The token has 256 bits and appears only in the link. A newer link replaces the older ones. ``peek`` reads
only (WhatsApp fetches links to draw a preview); ``complete`` spends the link in one state-store
transaction (of two concurrent uses exactly one wins), sets the new password and ends every session and
device opened before. What the Journal says is in ``TEXTS``: never a token, a hash or a password.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from functions.accounts import passwords, sessions, users
from functions.accounts.users import Moment
from functions.errors import InvalidInputError, NotFoundError, TTRError
from functions.state.base import Doc, StateStore

log = logging.getLogger(__name__)

PATH = "/reinitialiser/"  # the page of a link: PATH + token
VALID_MINUTES = {"admin": 24 * 60, "cli": 30, "email": 30}
KEEP_DAYS = 7  # used and expired links stay readable this long (a clear page), then vanish
EMAIL_LIMIT = 3  # requests per email typed, per hour
ADDRESS_LIMIT = 10  # requests per caller address, per hour
WINDOW = 3600

TEXTS = {
    "admin": "Mot de passe réinitialisé par l'administrateur : ancien mot de passe, sessions et appareils "
             "(PIN) annulés ; lien de réinitialisation créé (valable 24 h, une seule fois)",
    "cli": "Lien de réinitialisation créé par « ttr admin reset » (valable 30 min, une seule fois)",
    "email": "Mot de passe oublié : lien de réinitialisation envoyé par email (valable 30 min, une seule fois)",
    "done": "Nouveau mot de passe choisi avec le lien de réinitialisation ; sessions et appareils précédents fermés",
    "typed": "Nouveau mot de passe défini avec « ttr admin reset » ; sessions et appareils précédents fermés",
}


class ResetLinkInvalidError(NotFoundError):
    """Ce lien de réinitialisation n'est plus valable : il a déjà servi, il a été remplacé par un plus récent,
    ou il a expiré. Demandez un nouveau lien à l'administrateur (ou « Mot de passe oublié » sur la page de
    connexion)."""

    status = 410


class TooManyRequestsError(TTRError):
    """Trop de demandes depuis cette connexion. Réessayez dans une heure."""

    status = 429


def _key(token: str) -> str | None:
    if not isinstance(token, str) or not (30 <= len(token) <= 100):
        return None
    return passwords.digest(token)


def _pending(doc: Doc | None, when: Moment) -> bool:
    return doc is not None and doc.get("status") == "pending" and when.epoch < float(doc["expires"])


def issue(state: StateStore, user: Doc, *, kind: str, by: str, when: Moment) -> tuple[str, Doc]:
    """A new link for ``user`` (earlier pending links of the account stop working); returns (token, record)."""
    minutes = VALID_MINUTES[kind]
    for key, doc in state.list("resets"):
        if doc.get("user_id") == user["id"] and doc.get("status") == "pending":
            state.update("resets", key, lambda d: None if d is None else {**d, "status": "replaced"})
    token = secrets.token_urlsafe(32)
    doc = {"id": passwords.digest(token)[:16], "user_id": user["id"], "kind": kind, "by": by,
           "created_at": when.local, "expires": when.epoch + minutes * 60, "minutes": minutes,
           "status": "pending", "claim": None}
    state.put("resets", passwords.digest(token), doc, ttl_seconds=minutes * 60 + KEEP_DAYS * 86400)
    return token, doc


def by_admin(state: StateStore, user_id: str, workspace: str, admin: Doc, when: Moment) -> tuple[str, Doc, Doc]:
    """The admin resets a member of ``workspace``: the old password and every session and device end now.
    Only an admin of every workspace the account may open can (the link opens them all). Returns (token,
    link record, account)."""
    user = users.get(state, user_id)
    if user is None or workspace not in user.get("workspaces", {}):
        raise NotFoundError("Membre introuvable dans cet espace.")
    if user_id == admin["id"]:
        raise InvalidInputError("Pour votre propre mot de passe, utilisez « Mot de passe oublié » sur la page de "
                                "connexion, ou « ttr admin reset » sur l'ordinateur qui garde les données.")
    outside = [w for w, m in user.get("workspaces", {}).items()
               if m.get("active") and (users.membership(admin, w) or {}).get("role") != "admin"]
    if outside:  # the link would open workspaces this admin does not run: never a way into another's business
        raise InvalidInputError("Ce compte a aussi accès à des espaces dont vous n'êtes pas administrateur : "
                                "seul un administrateur de tous ses espaces peut réinitialiser son mot de passe.")
    user = users.revoke_password(state, user_id, when)
    sessions.end_all(state, user_id)
    token, doc = issue(state, user, kind="admin", by=admin["id"], when=when)
    return token, doc, user


def peek(state: StateStore, token: str, when: Moment) -> tuple[Doc, Doc]:
    """The pending link of ``token`` and its account (read only); ``ResetLinkInvalidError`` otherwise."""
    key = _key(token)
    doc = state.get("resets", key) if key else None
    user = users.get(state, str(doc["user_id"])) if doc else None
    if doc is None or user is None or not _pending(doc, when):
        raise ResetLinkInvalidError()
    return doc, user


def complete(state: StateStore, token: str, password: str, confirm: str, when: Moment) -> Doc:
    """Spend the link and set ``password``; every earlier session and device of the account ends."""
    peek(state, token, when)
    passwords.check_password(password)
    if password != confirm:
        raise InvalidInputError("Les deux mots de passe ne sont pas identiques.", field="password2")
    key = _key(token)
    assert key is not None
    claim = secrets.token_hex(16)

    def fn(doc: Doc | None) -> Doc | None:
        if not _pending(doc, when):
            return doc
        return {**(doc or {}), "status": "used", "claim": claim, "used_at": when.local}

    after = state.update("resets", key, fn)
    if after is None or after.get("claim") != claim:
        raise ResetLinkInvalidError()
    return set_new_password(state, str(after["user_id"]), password, when)


def set_new_password(state: StateStore, user_id: str, password: str, when: Moment) -> Doc:
    """The new password; every earlier session and remembered device of the account ends."""
    user = users.set_password(state, user_id, password, when)
    sessions.end_all(state, user_id)
    return user


def request_by_email(state: StateStore, email: str, address: str, when: Moment,
                     send: Callable[[Doc, str, Doc], None]) -> Doc | None:
    """« Mot de passe oublié »: counts the request, then sends a link when an active account has that email.

    Returns the account a link went to (for the Journal), else None; the caller answers the same either way.
    ``TooManyRequestsError`` past ``ADDRESS_LIMIT`` requests from one address in an hour; past
    ``EMAIL_LIMIT`` for one email, nothing more is sent (silently: the answer must not differ)."""
    email = passwords.normalize_email(email)
    if state.hit(f"reset.ip.{passwords.digest(address or '-')[:40]}", WINDOW) > ADDRESS_LIMIT:
        raise TooManyRequestsError()
    if state.hit(f"reset.email.{passwords.digest(email)[:40]}", WINDOW) > EMAIL_LIMIT:
        return None
    user = users.find(state, email=email)
    if user is None or not any(m.get("active") for m in user.get("workspaces", {}).values()):
        return None
    token, doc = issue(state, user, kind="email", by="email", when=when)
    try:
        send(user, token, doc)
    except Exception:  # noqa: BLE001 - the answer must not tell: logged for the operator
        log.exception("Mot de passe oublié : l'email n'a pas pu partir")
        return None
    return user


def email_text(business: str, link: str, minutes: int) -> tuple[str, str]:
    """(subject, body) of the « mot de passe oublié » email."""
    subject = f"{business or 'TTR Gestion'} : réinitialiser votre mot de passe"
    body = (f"Bonjour,\n\nVous avez demandé à réinitialiser votre mot de passe TTR Gestion"
            f"{' pour ' + business if business else ''}.\nChoisissez-en un nouveau avec ce lien (valable "
            f"{minutes} minutes, une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : "
            f"votre mot de passe actuel reste valable.\n")
    return subject, body


def whatsapp_text(business: str, url: str, hours: int) -> str:
    return (f"Bonjour, votre mot de passe TTR Gestion{' (' + business + ')' if business else ''} a été "
            f"réinitialisé. Choisissez-en un nouveau avec ce lien (valable {hours} heures, une seule fois) : {url}")


def journal(workspaces: Any, user: Doc, kind: str, actor: str) -> list[str]:
    """The Journal row ``TEXTS[kind]`` in every workspace where ``user`` has a role (``workspaces``: the
    registry); returns the names of those whose workbook could not be written (said to the person)."""
    from functions.accounts import team

    failed = []
    for workspace in sorted(user.get("workspaces", {})):
        record = workspaces.get(workspace)
        if record is None:
            continue
        try:
            team.journal_account(workspaces.business(workspace), user["id"], "mot de passe", TEXTS[kind], actor)
        except TTRError as exc:
            log.warning("Journal de %s : %s", workspace, exc.message)
            failed.append(str(record.get("name") or workspace))
    return failed
