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


def _spaces() -> Any:
    """Every workspace of the deployment (the default one and those created in the web app)."""
    from functions.accounts.workspaces import Workspaces

    return Workspaces(_business, dict(os.environ))


def _tokens(biz: Any) -> list[str]:
    """The accepted sync tokens: ``TTR_SYNC_TOKEN`` may hold "new,old" while the token is rotated."""
    from functions.web.app import sync_token

    return [t.strip() for t in sync_token(biz, dict(os.environ)).split(",") if t.strip()]


@functions_framework.http
def sync_http(request: Any) -> Any:
    """HTTP trigger of the sync (the Apps Script of a sheet with X-TTR-Token, or a person with curl).

    The body may name the sheet (``classeur``: its spreadsheet id) and who edited it (``editeur``): the
    workspace of that sheet is synced, the Journal names that person; without ``classeur``, the default
    workspace. Each workspace checks its own token."""
    import hmac

    from flask import jsonify

    from functions.fleet import space_for_sheet

    try:
        payload = request.get_json(silent=True) or {}
        payload = payload if isinstance(payload, dict) else {}
        spaces = _spaces()
        space = space_for_sheet(spaces, str(payload.get("classeur") or "")) or "principal"
        biz = spaces.business(space)
        given = request.headers.get("X-TTR-Token", "").encode()
        if not any(hmac.compare_digest(given, t.encode()) for t in _tokens(biz)):
            return jsonify({"erreur": "Jeton de synchronisation invalide."}), 401
        editor = str(payload.get("editeur") or "").strip()[:120]
        if editor:
            biz.editor = lambda: editor  # the person the Apps Script saw, not a guess from Drive
        report = biz.sync()
        return jsonify({"espace": space, "ecritures": report.writes, "journal": report.journal_rows,
                        "erreurs": [e.message for e in report.errors]})
    except TTRError as exc:
        return jsonify({"erreur": exc.message}), exc.status


def _raise_for_redelivery(report: Any) -> None:
    """A passing failure of one workspace (after every workspace was served): raised so that Pub/Sub
    redelivers the event (deploy.sh deploys with --retry); the jobs are idempotent."""
    if report.retry:
        from functions.errors import BackendError

        raise BackendError("; ".join(f"{o.name} : {o.lines[0]}" for o in report.failed if o.passing))


def _payload(cloud_event: Any) -> dict[str, Any]:
    data = getattr(cloud_event, "data", None) or {}
    message = data.get("message", {}) if isinstance(data, dict) else {}
    try:
        decoded = json.loads(base64.b64decode(message["data"]) or b"{}") if message.get("data") else {}
    except ValueError:
        decoded = {}
    return decoded if isinstance(decoded, dict) else {}


@functions_framework.cloud_event
def sync_pubsub(cloud_event: Any) -> None:
    """Pub/Sub trigger of the sync (Cloud Scheduler every few minutes), for every workspace."""
    from functions.fleet import sync_all

    _payload(cloud_event)  # informative only
    _raise_for_redelivery(sync_all(_spaces()))


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
    """Cloud Scheduler → Pub/Sub, hourly: the reminders of every workspace, each at its own hour in its
    own time zone (redelivered on a passing failure; a reminder is never sent twice)."""
    from functions.fleet import remind_all

    _payload(cloud_event)  # informative only
    _raise_for_redelivery(remind_all(_spaces(), env=dict(os.environ)))


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
