"""The promo routes of the web app (Blueprint ``bp``), registered by the web shell.

* ``POST /promo/check`` (public, CORS for ``TTR_ALLOWED_ORIGINS``) ``{businessId, promoCode}``;
* ``POST /promo/approve`` (server only: admin session via ``TTR_IS_ADMIN`` or
  ``Authorization: Bearer <TTR_SERVER_TOKEN>``) ``{businessId, promoCode, amount, idempotencyKey}``;
* ``GET /promo/config`` (public): ``{"checkUrl": …}``, where the setup page's script posts its check
  (our own route, or the external proxy of ``NEXT_PUBLIC_CLOUDFLARE_PROXY_URL``).

Config keys read: ``TTR_ENV`` (dict), ``TTR_BUSINESS`` (callable → Business: state store and Journal),
``TTR_IS_ADMIN`` (optional callable(request) → bool), ``TTR_PROMO_CLIENT`` (optional callable(Upstream)
→ AbtClient, e.g. with other timeouts).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from functions.errors import TTRError
from functions.promo.config import PromoSettings
from functions.promo.edge import Deps, answer, approve_response, check_response, failure

bp = Blueprint("promo", __name__)


def deps() -> Deps:
    config = current_app.config
    business = config["TTR_BUSINESS"]
    out = Deps(PromoSettings.from_env(config.get("TTR_ENV") or {}), state=lambda: business().state,
               business=business, is_admin=config.get("TTR_IS_ADMIN"))
    if config.get("TTR_PROMO_CLIENT"):
        out.client = config["TTR_PROMO_CLIENT"]
    return out


@bp.route("/promo/check", methods=["POST", "OPTIONS"])
def check() -> Any:
    return check_response(request, deps())


@bp.route("/promo/approve", methods=["POST", "OPTIONS"])
def approve() -> Any:
    return approve_response(request, deps())


@bp.get("/promo/config")
def config() -> Any:
    try:
        return answer({"checkUrl": deps().settings.browser_check_url("/promo/check")})
    except TTRError as exc:
        return failure(exc, {})


check.ttr_access = "public"  # type: ignore[attr-defined]
approve.ttr_access = "server"  # type: ignore[attr-defined]
config.ttr_access = "public"  # type: ignore[attr-defined]
