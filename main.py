"""Cloud Functions entry points: thin, named functions; the work is in ``functions/``.

Deployed from one source (see deploy.sh); run locally with ``functions-framework --target=<name>``
or all at once with ``ttr serve``.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import functions_framework

from functions.errors import TTRError


def _business() -> Any:
    from functions.config import open_business

    return open_business()


@functions_framework.http
def sync_http(request: Any) -> Any:
    """HTTP trigger of the sync (Cloud Scheduler with OIDC, or the Apps Script onEdit with X-TTR-Token)."""
    import hmac

    from flask import jsonify

    from functions.web.app import sync_token

    try:
        biz = _business()
        given = request.headers.get("X-TTR-Token", "")
        if not hmac.compare_digest(given.encode(), sync_token(biz, dict(os.environ)).encode()):
            return jsonify({"erreur": "Jeton de synchronisation invalide."}), 401
        report = biz.sync()
        return jsonify({"ecritures": report.writes, "journal": report.journal_rows,
                        "erreurs": [e.message for e in report.errors]})
    except TTRError as exc:
        return jsonify({"erreur": exc.message}), exc.status


@functions_framework.cloud_event
def sync_pubsub(cloud_event: Any) -> None:
    """Pub/Sub trigger of the sync (Cloud Scheduler every few minutes). An error is raised so that
    Pub/Sub redelivers; the sync is idempotent (a second run with nothing new writes nothing)."""
    data = cloud_event.data or {}
    message = data.get("message", {}) if isinstance(data, dict) else {}
    if message.get("data"):
        json.loads(base64.b64decode(message["data"]) or b"{}")  # the payload is informative only
    _business().sync()


_WEB_APP: Any = None


@functions_framework.http
def web(request: Any) -> Any:
    """The web app: setup, login, team, dashboard and every module page (built once per instance)."""
    global _WEB_APP
    if _WEB_APP is None:
        from functions.web.app import create_app

        biz = _business()
        _WEB_APP = create_app(lambda: biz, dict(os.environ))
    import io

    body = request.get_data()  # functions-framework has read the stream already: hand the app the bytes
    environ = dict(request.environ, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    with _WEB_APP.request_context(environ):
        return _WEB_APP.full_dispatch_request()


@functions_framework.http
def promo_check(request: Any) -> Any:
    """Public promo-code check (CORS for the allowed origins only), proxied to TTR Ambassadeur."""
    from functions.promo.entry import check

    return check(request)


@functions_framework.http
def promo_approve(request: Any) -> Any:
    """Server-only approval of a payment with a promo code (admin session or server token), exactly once."""
    from functions.promo.entry import approve

    return approve(request)


@functions_framework.cloud_event
def reminders_pubsub(cloud_event: Any) -> None:
    """Cloud Scheduler → Pub/Sub: the reminders (redelivered on a workbook/state error; never sends twice)."""
    from functions.reminders.entry import handle_cloud_event

    handle_cloud_event(cloud_event, _business)


@functions_framework.http
def reminders_http(request: Any) -> Any:
    """Cloud Scheduler (OIDC) or a shared X-TTR-Token: the reminders."""
    from flask import jsonify

    from functions.reminders.entry import handle_http

    body, status = handle_http(request, _business)
    return jsonify(body), status


@functions_framework.http
def receipt(request: Any) -> Any:
    """Public receipt pages: /r/<id> (?format=80mm|58mm, .pdf)."""
    from functions.receipts.entry import receipt_http

    return receipt_http(request)


@functions_framework.http
def trix_chat(request: Any) -> Any:
    """TRIX for servers (Authorization: Bearer <TTR_SERVER_TOKEN>), streamed as Server-Sent Events."""
    from functions.trix.entry import chat

    return chat(request)
