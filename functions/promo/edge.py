"""The HTTP edge of the promo proxy, without Flask routing: ``check_response`` and ``approve_response``
take a request and their dependencies, so the blueprint (``web``) and the cloud functions (``entry``)
answer exactly alike. Errors are mapped here, once, to ``{"valid": false, "message": …}`` in French.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from flask import Request, Response

from functions.books.commands import Command
from functions.errors import InvalidInputError, TTRError
from functions.promo import service
from functions.promo.client import AbtClient
from functions.promo.config import PromoSettings, Upstream
from functions.promo.cors import Cors
from functions.promo.errors import (
    PayloadTooLargeError,
    PromoForbiddenError,
    PromoUnauthorizedError,
    RateLimitedError,
    UnsupportedMediaError,
)
from functions.promo.limits import FailureLimiter
from functions.state.base import StateStore
from functions.store.workbook import Change, JournalEntry

log = logging.getLogger(__name__)

MAX_BODY = 4096
BROWSER_HEADERS = ("Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode")


@dataclass
class Deps:
    settings: PromoSettings
    state: Callable[[], StateStore]
    business: Callable[[], Any] | None = None  # the Business whose Journal records approvals
    is_admin: Callable[[Request], bool] | None = None
    client: Callable[[Upstream], AbtClient] = AbtClient


def answer(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def failure(exc: TTRError, headers: dict[str, str]) -> Response:
    headers = dict(headers)
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, PromoUnauthorizedError):
        headers["WWW-Authenticate"] = 'Bearer realm="ttr-promo"'
    return answer({"valid": False, "message": exc.message}, exc.status, headers)


def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object: size first (413, before reading it all), then type (415), then syntax."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise PayloadTooLargeError()
    if request.mimetype != "application/json":
        raise UnsupportedMediaError()
    raw = b""
    while len(raw) <= MAX_BODY:
        chunk = request.stream.read(MAX_BODY + 1 - len(raw))
        if not chunk:
            break
        raw += chunk
    if len(raw) > MAX_BODY:
        raise PayloadTooLargeError()
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInputError("Requête invalide : un objet JSON est attendu.") from None
    if not isinstance(body, dict):
        raise InvalidInputError("Requête invalide : un objet JSON est attendu.")
    return body


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def client_ip(request: Request, trusted_proxies: int) -> str:
    """The caller's address: with N trusted relays in front, the N-th X-Forwarded-For entry from the right
    (the one the outermost trusted relay saw); never a value the client could choose."""
    from functions.accounts.throttle import client_address

    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies)


# -- POST /promo/check ------------------------------------------------------------------------------------
def check_response(request: Request, deps: Deps) -> Response:
    cors = Cors.from_env(deps.settings.allowed_origins_raw)
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        status, headers = cors.preflight(request.headers)
        return Response(b"", status=status, headers=headers)
    headers = cors.headers(origin)
    try:
        if origin is not None and not cors.allows(origin):
            raise PromoForbiddenError("Origine non autorisée pour la vérification des codes promo.")
        if request.method != "POST":
            return answer({"valid": False, "message": "Méthode non autorisée : utilisez POST."}, 405,
                          {**headers, "Allow": "POST, OPTIONS"})
        body = read_json(request)
        upstream = deps.settings.upstream()
        state = deps.state()
        limiter = FailureLimiter(state, deps.settings)
        ip = client_ip(request, deps.settings.trusted_proxies)
        try:  # normalised once, here: the limits, the counting and ABT all see the same value
            business: str | None = service.business_id(body.get("businessId"))
            malformed = None
        except InvalidInputError as exc:
            business, malformed = None, exc
        limiter.check(ip, business)
        if malformed is not None or business is None:
            raise malformed or InvalidInputError()
        name, email = service.client_fields(body)
        try:
            code = service.normalize_code(body.get("promoCode"))
        except InvalidInputError:
            limiter.failed(ip, business)
            raise
        result = service.check_code(deps.client(upstream), business, code, name, email)
        if not result.valid:
            limiter.failed(ip, business)
        return answer(result.answer, 200, headers)
    except TTRError as exc:
        return failure(exc, headers)
    except Exception:  # noqa: BLE001 - one edge maps everything; the detail goes to the log only
        log.exception("Erreur inattendue pendant la vérification d'un code promo")
        return failure(TTRError(), headers)


# -- POST /promo/approve ----------------------------------------------------------------------------------
def authorize(request: Request, deps: Deps) -> str:
    """The actor of a server-side approval, or an error: browsers are refused outright (no CORS here)."""
    if any(request.headers.get(h) is not None for h in BROWSER_HEADERS):
        raise PromoForbiddenError("L'approbation des paiements se fait côté serveur, jamais depuis un navigateur.")
    if deps.is_admin is not None and deps.is_admin(request):
        return "administrateur"
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if deps.settings.token_usable() and scheme.lower() == "bearer" and given:
        if hmac.compare_digest(given.strip().encode(), deps.settings.server_token.encode()):
            return "serveur (jeton)"
    raise PromoUnauthorizedError()


def approve_response(request: Request, deps: Deps) -> Response:
    headers = {"Vary": "Origin"}
    try:
        if request.method != "POST":
            raise PromoForbiddenError("Méthode non autorisée : l'approbation se fait par POST, côté serveur.")
        actor = authorize(request, deps)
        body = read_json(request)
        approval = service.Approval.parse(body, deps.settings.max_amount)
        upstream = deps.settings.upstream()
        result = service.approve_payment(deps.state(), deps.client(upstream), approval,
                                         lambda a, r: journal_approval(deps, a, actor))
        return answer(result, 200, headers)
    except TTRError as exc:
        return failure(exc, headers)
    except Exception:  # noqa: BLE001
        log.exception("Erreur inattendue pendant l'approbation d'un paiement promo")
        return failure(TTRError(), headers)


def journal_approval(deps: Deps, approval: service.Approval, actor: str) -> None:
    """One Journal row per approved payment (written once: the Business action is idempotent too)."""
    if deps.business is None:
        log.warning("Approbation promo sans classeur : rien n'est écrit au Journal")
        return
    biz = deps.business()
    text = (f"Paiement d'abonnement approuvé par TTR Ambassadeur : code {approval.promo_code}, "
            f"entreprise {approval.business_id}, montant {approval.amount} (unités mineures)")
    biz.submit(ApprovalNote(text, approval.fingerprint()), actor,
               idempotency_key=f"promo-approval:{approval.key()[:48]}")


@dataclass(frozen=True)
class ApprovalNote(Command):
    """The Journal row of an approved promo payment (nothing else changes in the workbook)."""

    text: str
    approval: str  # the approval's own fingerprint: a redelivered approval is the same command
    tabs: ClassVar[tuple[str, ...]] = ("settings",)

    def apply(self, book: Any, ctx: Any) -> Change:
        return Change(journal=[JournalEntry("promo", "settings", "", self.text)], result={"approved": True})
