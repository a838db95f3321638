"""Server-side sessions and remembered devices (the PIN), and the secret key that signs the cookie.

The browser holds one signed cookie (``__session``: the only name Firebase Hosting forwards) carrying
random tokens; the state store keeps only their SHA-256 (``sessions/<hash>``, ``devices/<hash>``), so a
copy of the state lets nobody log in. A session lasts ``SESSION_HOURS``; a device token lasts
``DEVICE_DAYS`` and, once a PIN is set on it, opens a new session with the PIN. Five wrong PINs delete the
device: the password is required again.

A password reset ends everything at once (``end_all``): the user's sessions and remembered devices are
deleted, and ``still_valid`` refuses any session opened before the reset (``users.revoked_at``).
"""

from __future__ import annotations

import secrets
from typing import Any

from functions.accounts import passwords
from functions.errors import InvalidInputError, StateError, TTRError
from functions.state.base import Doc, StateStore

SESSION_HOURS = 12
DEVICE_DAYS = 90
PIN_TRIES = 5


class PinError(TTRError):
    """Code PIN incorrect."""

    status = 401


def secret_key(state: StateStore, env: dict[str, str]) -> bytes:
    """``TTR_SECRET_KEY``, else a key generated once into the state store (local use only)."""
    if env.get("TTR_SECRET_KEY"):
        if len(env["TTR_SECRET_KEY"]) < 32:
            raise StateError("TTR_SECRET_KEY est trop courte : au moins 32 caractères aléatoires.")
        return env["TTR_SECRET_KEY"].encode()
    if env.get("K_SERVICE"):
        raise StateError("TTR_SECRET_KEY est obligatoire dans le cloud : définissez-la dans les réglages du service.")
    state.create("secrets", "session_key", {"key": secrets.token_urlsafe(48)})
    doc = state.get("secrets", "session_key")
    if doc is None:  # pragma: no cover
        raise StateError()
    return str(doc["key"]).encode()


def _key(token: str) -> str:
    return passwords.digest(token)


# -- sessions ----------------------------------------------------------------------------------------------
def open_session(state: StateStore, user: Doc, workspace: str, epoch: float, device: str | None = None) -> str:
    """A new session (new random id: never one the browser brought) for ``user`` in ``workspace``."""
    token = secrets.token_urlsafe(32)
    state.put("sessions", _key(token), {"user_id": user["id"], "workspace": workspace, "created": epoch,
                                        "csrf": secrets.token_urlsafe(32), "device": device},
              ttl_seconds=SESSION_HOURS * 3600)
    return token


def load_session(state: StateStore, token: str | None, epoch: float) -> Doc | None:
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    doc = state.get("sessions", _key(token))
    if doc is None or epoch - float(doc.get("created", 0)) > SESSION_HOURS * 3600:
        return None
    return doc


def still_valid(session: Doc, user: Doc) -> bool:
    """False for a session opened before the user's last credentials reset (a login in flight during it)."""
    return float(session.get("created", 0)) >= float(user.get("revoked_at") or 0)


def end_all(state: StateStore, user_id: str) -> int:
    """Delete every session and remembered device (PIN) of ``user_id``; returns how many went."""
    gone = 0
    for collection in ("sessions", "devices"):
        for key, doc in state.list(collection):
            if doc.get("user_id") == user_id:
                state.delete(collection, key)
                gone += 1
    return gone


def switch_workspace(state: StateStore, token: str, workspace: str) -> None:
    def fn(doc: Doc | None) -> Doc | None:
        return None if doc is None else {**doc, "workspace": workspace}

    state.update("sessions", _key(token), fn)


def close_session(state: StateStore, token: str | None) -> None:
    if token and isinstance(token, str) and len(token) <= 100:
        state.delete("sessions", _key(token))


# -- devices (PIN) -----------------------------------------------------------------------------------------
def new_device(state: StateStore, user: Doc, epoch: float) -> str:
    token = secrets.token_urlsafe(32)
    state.put("devices", _key(token), {"user_id": user["id"], "created": epoch, "pin": None, "failures": 0},
              ttl_seconds=DEVICE_DAYS * 86400)
    return token


def load_device(state: StateStore, token: str | None) -> Doc | None:
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    return state.get("devices", _key(token))


def set_pin(state: StateStore, key: bytes, token: str, user_id: str, pin: str) -> None:
    pin = passwords.check_pin(pin)
    device = load_device(state, token)
    if device is None or device["user_id"] != user_id:
        raise InvalidInputError("Appareil non reconnu : reconnectez-vous avec votre mot de passe.")
    digest = passwords.pin_hash(key, user_id, _key(token), pin)

    def fn(doc: Doc | None) -> Doc | None:
        return None if doc is None else {**doc, "pin": digest, "failures": 0}

    state.update("devices", _key(token), fn)


def forget_device(state: StateStore, token: str | None) -> None:
    if token and isinstance(token, str) and len(token) <= 100:
        state.delete("devices", _key(token))


def check_pin(state: StateStore, key: bytes, token: str, pin: str) -> str:
    """The user id the PIN unlocks on this device; ``PinError`` otherwise (the 5th error forgets it).

    The attempt is counted on the device, in one state-store transaction, *before* the PIN is compared:
    of any number of parallel tries, at most ``PIN_TRIES`` are ever evaluated."""
    import hmac

    device = load_device(state, token)
    if device is None or not device.get("pin"):
        raise PinError("Connexion rapide indisponible sur cet appareil : connectez-vous avec votre mot de passe.")
    claim = secrets.token_hex(8)

    def count(doc: Doc | None) -> Doc | None:
        if doc is None or not doc.get("pin"):
            return doc
        n = int(doc.get("failures", 0))
        if n >= PIN_TRIES:
            return None  # every try spent: the device is forgotten
        return {**doc, "failures": n + 1, "claim": claim}

    counted = state.update("devices", _key(token), count)
    if counted is None or counted.get("claim") != claim:
        raise PinError("Trop d'erreurs : la connexion rapide est désactivée sur cet appareil. "
                       "Connectez-vous avec votre mot de passe.")
    given = passwords.pin_hash(key, str(counted["user_id"]), _key(token), (pin or "").strip())
    if hmac.compare_digest(given, str(counted["pin"])):
        state.update("devices", _key(token), lambda d: None if d is None else {**d, "failures": 0})
        return str(counted["user_id"])
    n = int(counted["failures"])
    if n >= PIN_TRIES:
        forget_device(state, token)
        raise PinError("Trop d'erreurs : la connexion rapide est désactivée sur cet appareil. "
                       "Connectez-vous avec votre mot de passe.")
    left = PIN_TRIES - n
    raise PinError(f"Code PIN incorrect. Encore {left} essai{'s' if left > 1 else ''}.")


def device_summary(device: Doc | None) -> dict[str, Any]:
    return {"known": device is not None, "has_pin": bool(device and device.get("pin"))}
