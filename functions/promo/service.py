"""What ABT answers, in French, and payment approvals sent exactly once.

**Assumed ABT contract** (the real one is not public here; every field is read defensively and nothing
else is ever forwarded)::

    CLIENT_SIGNUP         200 {"valid": true,  "discount"?: int (percent, 1..100)}      code usable
                          200 {"valid": false, "reason"?: "not_found" | "expired" | …}  code not usable
                          400 / 404 / 410 / 422                                          code not usable
    SUBSCRIPTION_PAYMENT  200 / 201 {"success" | "approved" | "valid": true}            payment recorded
                          200 {… false} / 400 / 404 / 409 / 410 / 422                   refused
    any event             401 / 403      our key refused        → 502 (configuration, logged)
                          429, 5xx, other, or a 2xx that is not a JSON object           → 502
                          no answer within the read timeout                             → 504

An unusable code, whatever the reason ABT gives, gets one constant answer (``INVALID``), so unknown and
expired codes are indistinguishable, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from functions.errors import ConflictError, InvalidInputError
from functions.promo.client import AbtClient, NotSent, Reply
from functions.promo.errors import PromoTimeoutError, PromoUpstreamError
from functions.state.base import StateStore

log = logging.getLogger(__name__)

CODE = re.compile(r"^[A-Z0-9-]{3,32}$")
BUSINESS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
REFUSED = {400, 404, 409, 410, 422}

VALID_MESSAGE = "Code promo valide : l'avantage sera appliqué à votre abonnement."
INVALID: dict[str, Any] = {"valid": False, "message": "Code promo invalide ou expiré."}
BAD_CODE = "Code promo mal formé : 3 à 32 caractères, lettres A à Z, chiffres et tirets."

APPROVALS = "promo_approvals"
APPROVAL_TTL = 30 * 86400
PENDING_STALE = 60.0  # seconds: longer than any call (3 s + 10 s), so a pending doc older is a dead attempt


def normalize_code(raw: Any) -> str:
    if not isinstance(raw, str):
        raise InvalidInputError(BAD_CODE)
    code = raw.strip().upper()
    if not CODE.match(code):
        raise InvalidInputError(BAD_CODE)
    return code


def business_id(raw: Any) -> str:
    if not isinstance(raw, str) or not BUSINESS_ID.match(raw.strip()):
        raise InvalidInputError("Identifiant d'entreprise (businessId) manquant ou invalide.")
    return raw.strip()


def client_fields(body: dict[str, Any]) -> tuple[str, str]:
    name = body.get("clientName") or ""
    email = body.get("clientEmail") or ""
    if not isinstance(name, str) or len(name) > 120:
        raise InvalidInputError("Nom du client invalide (120 caractères au plus).")
    if not isinstance(email, str) or (email and not EMAIL.match(email.strip())):
        raise InvalidInputError("Adresse email du client invalide.")
    return name.strip(), email.strip()


def _upstream_failure(reply: Reply) -> PromoUpstreamError:
    if reply.status in (401, 403):
        log.error("ABT refuse la clé API du serveur (statut %d) : vérifiez TTR_API_KEY.", reply.status)
        return PromoUpstreamError("Le service des codes promo refuse la configuration de ce serveur. "
                                  "Prévenez l'administrateur (clé TTR_API_KEY).")
    log.warning("ABT : réponse inattendue (statut %d)", reply.status)
    return PromoUpstreamError()


# -- check ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    valid: bool
    answer: dict[str, Any]


def check_code(client: AbtClient, business: str, code: str, name: str = "", email: str = "") -> CheckResult:
    """Ask ABT whether ``code`` (already normalised) is usable; raises 502/504 errors when ABT fails."""
    reply = client.send("CLIENT_SIGNUP", code, business, 0, name, email, retry=True)
    if reply.status in REFUSED:
        return CheckResult(False, dict(INVALID))
    if not 200 <= reply.status < 300:
        raise _upstream_failure(reply)
    if reply.body is None or not isinstance(reply.body.get("valid"), bool):
        log.warning("ABT : réponse illisible au contrôle (statut %d)", reply.status)
        raise PromoUpstreamError()
    if not reply.body["valid"]:
        return CheckResult(False, dict(INVALID))
    answer: dict[str, Any] = {"valid": True, "message": VALID_MESSAGE, "code": code}
    discount = reply.body.get("discount")
    if isinstance(discount, int | Decimal) and not isinstance(discount, bool) and discount == int(discount) \
            and 1 <= discount <= 100:
        answer["discount"] = int(discount)
        answer["message"] = f"Code promo valide : {int(discount)} % de réduction sur votre abonnement."
    return CheckResult(True, answer)


# -- approve ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Approval:
    business_id: str
    promo_code: str
    amount: int
    idempotency_key: str
    client_name: str = ""
    client_email: str = ""

    @classmethod
    def parse(cls, body: dict[str, Any], max_amount: int) -> Approval:
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= max_amount:
            raise InvalidInputError(f"Montant invalide : un nombre entier d'unités mineures de la devise, "
                                    f"entre 1 et {max_amount}.")
        key = body.get("idempotencyKey")
        if not isinstance(key, str) or not 8 <= len(key) <= 200:
            raise InvalidInputError("Clé d'idempotence (idempotencyKey) invalide : 8 à 200 caractères.")
        name, email = client_fields(body)
        return cls(business_id(body.get("businessId")), normalize_code(body.get("promoCode")), amount, key,
                   name, email)

    def fingerprint(self) -> str:
        params = [self.business_id, self.promo_code, self.amount, self.client_name, self.client_email]
        return hashlib.sha256(json.dumps(params).encode()).hexdigest()

    def key(self) -> str:
        return hashlib.sha256(self.idempotency_key.encode()).hexdigest()


Journal = Callable[[Approval, dict[str, Any]], None]


def approve_payment(state: StateStore, client: AbtClient, approval: Approval, journal: Journal,
                    clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """Send ``SUBSCRIPTION_PAYMENT`` once per idempotency key; a retry returns the first answer.

    The same key with other parameters is a 409. When ABT surely did not get the event (no connection)
    or said it failed (5xx, 429, key refused), the key is released so the same retry may go again. When
    ABT's answer is lost (read timeout, unreadable body) nobody knows whether it recorded the payment:
    the key is kept as *uncertain* and a retry is refused with a 409 that says to check in ABT first.
    An approved payment is written to the Journal; a replay writes it if it had not been written yet.
    """
    key, fingerprint = approval.key(), approval.fingerprint()
    for _ in range(2):
        doc = state.get(APPROVALS, key)
        if doc is None:
            if state.create(APPROVALS, key, {"params": fingerprint, "status": "pending", "started": clock()},
                            ttl_seconds=APPROVAL_TTL):
                break
            continue
        return _replay(state, key, doc, approval, fingerprint, journal, clock)
    else:
        raise ConflictError("Cette approbation est déjà en cours de traitement. Réessayez dans un instant.")

    try:
        reply = client.send("SUBSCRIPTION_PAYMENT", approval.promo_code, approval.business_id, approval.amount,
                            approval.client_name, approval.client_email, retry=False)
    except NotSent:
        state.delete(APPROVALS, key)
        raise
    except PromoTimeoutError:
        _uncertain(state, key, fingerprint)
        raise
    except PromoUpstreamError:  # the connection broke after the event was sent
        _uncertain(state, key, fingerprint)
        raise
    approved = _approved(reply)
    if approved is None:
        if 200 <= reply.status < 300:
            _uncertain(state, key, fingerprint)
        else:
            state.delete(APPROVALS, key)
        raise _upstream_failure(reply) if reply.status not in range(200, 300) else PromoUpstreamError()
    result = {"valid": approved, "approved": approved, "promoCode": approval.promo_code, "amount": approval.amount,
              "message": ("Paiement approuvé : la commission de l'ambassadeur est enregistrée." if approved
                          else "Paiement non approuvé : code promo invalide ou expiré.")}
    state.put(APPROVALS, key, {"params": fingerprint, "status": "done", "result": result, "journaled": not approved},
              ttl_seconds=APPROVAL_TTL)
    if approved:
        _journal(state, key, fingerprint, approval, result, journal)
    return result


def _approved(reply: Reply) -> bool | None:
    """True/False when ABT's answer is clear; None when it failed or cannot be read."""
    if reply.status in REFUSED:
        return False
    if not 200 <= reply.status < 300 or reply.body is None:
        return None
    flags = [reply.body.get(k) for k in ("success", "approved", "valid") if isinstance(reply.body.get(k), bool)]
    if not flags:
        return None
    return all(flags)


def _uncertain(state: StateStore, key: str, fingerprint: str) -> None:
    state.put(APPROVALS, key, {"params": fingerprint, "status": "uncertain"}, ttl_seconds=APPROVAL_TTL)


def _journal(state: StateStore, key: str, fingerprint: str, approval: Approval, result: dict[str, Any],
             journal: Journal) -> None:
    journal(approval, result)
    state.put(APPROVALS, key, {"params": fingerprint, "status": "done", "result": result, "journaled": True},
              ttl_seconds=APPROVAL_TTL)


def _replay(state: StateStore, key: str, doc: dict[str, Any], approval: Approval, fingerprint: str,
            journal: Journal, clock: Callable[[], float]) -> dict[str, Any]:
    if doc.get("params") != fingerprint:
        raise ConflictError("Cette clé d'idempotence a déjà servi pour une autre approbation "
                            "(autre code, entreprise ou montant). Utilisez une nouvelle clé.")
    status = doc.get("status")
    if status == "done":
        result = dict(doc["result"])
        if not doc.get("journaled"):
            _journal(state, key, fingerprint, approval, result, journal)
        return {**result, "replayed": True}
    if status == "pending" and clock() - float(doc.get("started", 0)) < PENDING_STALE:
        raise ConflictError("Cette approbation est déjà en cours de traitement. Réessayez dans un instant.")
    raise ConflictError("TTR Ambassadeur n'a pas confirmé cette approbation : vérifiez dans TTR Ambassadeur "
                        "si le paiement y figure avant de recommencer avec une nouvelle clé.")
