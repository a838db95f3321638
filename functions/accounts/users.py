"""Admins and employees: accounts in the state store, a role in each workspace, login with throttling.

``users/<id>``: name, email, phone, argon2id hash, created/last login, and ``workspaces``:
``{workspace id: {"role": "admin" | "employee", "active": bool}}``. Two index collections make an
email or a phone number unique (``user_email/<sha256>``, ``user_phone/<digits>``), claimed with
``create`` so two concurrent sign-ups cannot share one.

``revoked_at`` (epoch) is when the account's credentials were last reset: a session opened before it is
refused (``sessions.still_valid``), even one whose login was in flight while the reset ran. A role or
membership change that would leave a workspace without an active admin is refused, under one lock per
workspace so two admins demoting each other at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.accounts import passwords, throttle
from functions.books.records import random_id
from functions.errors import InvalidInputError, TTRError
from functions.state.base import Doc, StateStore

ROLES = {"admin": "Administrateur", "employee": "Employé"}


@dataclass(frozen=True)
class Moment:
    """Now, as an epoch (expiry, delays) and as the business's local time (what people read)."""

    epoch: float
    local: str


class InvalidCredentialsError(TTRError):
    """Identifiants incorrects. Vérifiez puis réessayez."""

    status = 401


class AccountExistsError(InvalidInputError):
    """Un compte existe déjà avec cet email ou ce numéro."""


class LastAdminError(InvalidInputError):
    """C'est le dernier administrateur actif de cet espace : nommez d'abord un autre administrateur."""


def get(state: StateStore, user_id: str) -> Doc | None:
    if not user_id or not isinstance(user_id, str):
        return None
    try:
        return state.get("users", user_id)
    except InvalidInputError:
        return None


def _email_key(email: str) -> str:
    return passwords.digest(email)


def _phone_key(phone: str) -> str:
    return phone.lstrip("+")


def find(state: StateStore, *, email: str | None = None, phone: str | None = None) -> Doc | None:
    ref = state.get("user_email", _email_key(email)) if email else \
        state.get("user_phone", _phone_key(phone)) if phone else None
    return get(state, str(ref["user_id"])) if ref else None


def create(state: StateStore, *, name: str, password: str, when: Moment, workspace: str, role: str,
           email: str | None = None, phone: str | None = None) -> Doc:
    name = " ".join((name or "").split())
    if not (2 <= len(name) <= 80):
        raise InvalidInputError("Indiquez un nom de 2 à 80 caractères.")
    if role not in ROLES:
        raise InvalidInputError("Rôle inconnu.")
    email = passwords.normalize_email(email) if email else ""
    phone = passwords.normalize_phone(phone) if phone else ""
    if not email and not phone:
        raise InvalidInputError("Indiquez un email ou un numéro de téléphone.")
    hashed = passwords.hash_password(password)
    user_id = "U" + random_id(9)
    claimed: list[tuple[str, str]] = []
    try:
        for collection, key in (("user_email", _email_key(email) if email else ""),
                                ("user_phone", _phone_key(phone) if phone else "")):
            if key:
                if not state.create(collection, key, {"user_id": user_id}):
                    raise AccountExistsError()
                claimed.append((collection, key))
        doc = {"id": user_id, "name": name, "email": email, "phone": phone, "password": hashed,
               "created_at": when.local, "last_login": None, "workspaces": {workspace: {"role": role, "active": True}}}
        if not state.create("users", user_id, doc):  # pragma: no cover - 45 bits of randomness
            raise AccountExistsError()
        return doc
    except Exception:
        for collection, key in claimed:
            state.delete(collection, key)
        raise


def authenticate(state: StateStore, *, password: str, address: str, when: Moment,
                 email: str | None = None, phone: str | None = None) -> Doc:
    """The account whose email (or phone) and password match; else one message whatever went wrong."""
    try:
        identifier = passwords.normalize_email(email) if email is not None else passwords.normalize_phone(phone or "")
    except InvalidInputError:
        identifier = (email or phone or "").strip().lower()
    attempt = throttle.begin(state, identifier, address, when.epoch)  # counted before the password is seen
    user = None
    if identifier:
        try:
            user = find(state, email=identifier) if email is not None else find(state, phone=identifier)
        except InvalidInputError:
            user = None
    ok = passwords.verify_password(user["password"] if user else None, password or "")
    if not ok or user is None:
        attempt.failed()
        raise InvalidCredentialsError()
    attempt.succeeded()
    if not any(m.get("active") for m in user.get("workspaces", {}).values()):
        raise InvalidCredentialsError("Ce compte est désactivé. Demandez à l'administrateur de le réactiver.")
    if passwords.HASHER.check_needs_rehash(user["password"]):
        user = _set(state, user["id"], password=passwords.HASHER.hash(password))
    return user


def _set(state: StateStore, user_id: str, **values: Any) -> Doc:
    def fn(doc: Doc | None) -> Doc | None:
        return None if doc is None else {**doc, **values}

    out = state.update("users", user_id, fn)
    if out is None:
        raise InvalidInputError("Compte introuvable.")
    return out


def record_login(state: StateStore, user_id: str, when: Moment) -> Doc:
    return _set(state, user_id, last_login=when.local)


def membership(user: Doc | None, workspace: str) -> dict[str, Any] | None:
    if user is None:
        return None
    m = user.get("workspaces", {}).get(workspace)
    return m if m and m.get("active") else None


def set_membership(state: StateStore, user_id: str, workspace: str, *, role: str | None = None,
                   active: bool | None = None) -> Doc:
    """Give ``user_id`` a role in ``workspace``, or (de)activate it there. Refused with ``LastAdminError``
    when the workspace would be left without an active admin."""
    if role is not None and role not in ROLES:
        raise InvalidInputError("Rôle inconnu.")

    def fn(doc: Doc | None) -> Doc | None:
        if doc is None:
            return None
        spaces = dict(doc.get("workspaces", {}))
        current = dict(spaces.get(workspace) or {"role": role or "employee", "active": True})
        if role is not None:
            current["role"] = role
        if active is not None:
            current["active"] = active
        spaces[workspace] = current
        return {**doc, "workspaces": spaces}

    with state.lock(f"admins.{workspace}", ttl_seconds=10, timeout_seconds=20):
        before = get(state, user_id)
        if before is None:
            raise InvalidInputError("Compte introuvable.")
        after = fn(before) or {}
        if _is_active_admin(before, workspace) and not _is_active_admin(after, workspace) and not any(
                _is_active_admin(u, workspace) for u in members(state, workspace) if u["id"] != user_id):
            raise LastAdminError()
        out = state.update("users", user_id, fn)
    if out is None:
        raise InvalidInputError("Compte introuvable.")
    return out


def _is_active_admin(user: Doc, workspace: str) -> bool:
    m = user.get("workspaces", {}).get(workspace) or {}
    return bool(m.get("active")) and m.get("role") == "admin"


def set_password(state: StateStore, user_id: str, password: str, when: Moment) -> Doc:
    """A new password; every session opened before now is refused from here on."""
    return _set(state, user_id, password=passwords.hash_password(password), revoked_at=when.epoch)


def revoke_password(state: StateStore, user_id: str, when: Moment) -> Doc:
    """No password works any more (the admin sends a reset link); sessions opened before now are refused."""
    return _set(state, user_id, password=None, revoked_at=when.epoch)


def members(state: StateStore, workspace: str) -> list[Doc]:
    """Every account with a role in ``workspace`` (active or not), by name."""
    out = [d for _, d in state.list("users") if workspace in d.get("workspaces", {})]
    return sorted(out, key=lambda d: str(d.get("name", "")).lower())


def public(user: Doc, workspace: str) -> dict[str, Any]:
    """What may be shown or mirrored: never the hash."""
    m = user.get("workspaces", {}).get(workspace, {})
    return {"id": user["id"], "name": user.get("name", ""), "email": user.get("email", ""),
            "phone": user.get("phone", ""), "role": m.get("role", "employee"),
            "role_label": ROLES.get(m.get("role", "employee"), "Employé"), "active": bool(m.get("active")),
            "created_at": user.get("created_at"), "last_login": user.get("last_login")}


def admin_exists(state: StateStore) -> bool:
    return state.get("accounts", "setup") is not None
