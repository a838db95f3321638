"""Edges of the reminder run: a CloudEvent (Pub/Sub from Cloud Scheduler) and an HTTP trigger.

* ``handle_cloud_event(event)``: the payload is informative only. A workbook or state-store failure is
  raised so that Pub/Sub redelivers; the run is idempotent (every reminder is claimed once), so a
  redelivery sends nothing twice. A channel failure is not raised: it is in the summary and the Journal,
  and the next runs of the day retry it.
* ``handle_http(request)``: ``POST`` with ``X-TTR-Token: <TTR_REMINDER_TOKEN>`` (under ``ttr serve`` the
  token is generated into the state store and printed), or the OIDC identity token of Cloud Scheduler in
  ``Authorization: Bearer …``, verified here whatever runs in front (the web app is public): Google's
  signature, issuer, expiry, audience = this endpoint (``TTR_REMINDER_AUDIENCE``, else the address called)
  and ``email`` = ``TTR_REMINDER_INVOKER`` with ``email_verified`` (no invoker configured: no token accepted).
  ``?date=AAAA-MM-JJ`` runs the reminders of that day now; ``?essai=1`` (or ``dry_run=1``) sends nothing.
* ``bp``: the same trigger as ``POST /rappels`` in the web app (``ttr serve``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import os
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from functions.errors import InvalidInputError, TTRError
from functions.reminders import oidc
from functions.reminders.channels import Channels
from functions.reminders.oidc import IdTokenVerifier
from functions.reminders.run import run

log = logging.getLogger("ttr.reminders")
TOKEN_HEADER = "X-TTR-Token"


def _default_business() -> Any:
    from functions.config import open_business

    return open_business()


def reminder_token(biz: Any, env: Mapping[str, str]) -> str:
    from functions.state.base import shared_token

    return shared_token(biz.state, "reminder_token", env.get("TTR_REMINDER_TOKEN"))


def authorized(headers: Mapping[str, str], biz: Any, env: Mapping[str, str], *, url: str = "",
               verifier: IdTokenVerifier | None = None) -> bool:
    """The shared token (constant-time comparison, never an empty one), or a Google-signed ID token of
    ``TTR_REMINDER_INVOKER`` whose audience is this endpoint (``TTR_REMINDER_AUDIENCE``, else ``url``)."""
    given = headers.get(TOKEN_HEADER, "").strip()
    if given:
        expected = reminder_token(biz, env)
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    invoker = (env.get("TTR_REMINDER_INVOKER") or "").strip()
    if scheme.lower() != "bearer" or not token.strip() or not invoker:
        return False
    accepted = oidc.audiences(url, env.get("TTR_REMINDER_AUDIENCE"))
    return (verifier or oidc.default_verifier()).verify(token.strip(), accepted, invoker)


def parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"Date « {text} » invalide : utilisez AAAA-MM-JJ (ex. 2026-03-14).") from None


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "oui", "true", "yes")


def handle_cloud_event(cloud_event: Any, business: Callable[[], Any] | None = None,
                       env: Mapping[str, str] | None = None, channels: Channels | None = None) -> dict[str, Any]:
    data = getattr(cloud_event, "data", None) or {}
    message = data.get("message", {}) if isinstance(data, dict) else {}
    if message.get("data"):
        try:
            json.loads(base64.b64decode(message["data"]) or b"{}")
        except (binascii.Error, ValueError):
            log.warning("Rappels : contenu du message Pub/Sub ignoré (pas du JSON).")
    env = dict(os.environ) if env is None else dict(env)
    summary = run((business or _default_business)(), channels, env=env)
    for line in summary.lines():
        log.info(line)
    return summary.to_dict()


def handle_http(req: Any, business: Callable[[], Any] | None = None, env: Mapping[str, str] | None = None,
                channels: Channels | None = None, verifier: IdTokenVerifier | None = None,
                spaces: Any = None) -> tuple[dict[str, Any], int]:
    """Every workspace's reminders (``spaces``: the deployment's ``Workspaces``; built from ``business``)."""
    env = dict(os.environ) if env is None else dict(env)
    try:
        biz = (business or _default_business)()
        if not authorized(req.headers, biz, env, url=getattr(req, "base_url", ""), verifier=verifier):
            return {"erreur": "Jeton des rappels invalide (en-tête X-TTR-Token ou jeton OIDC de Google)."}, 401
        day = parse_day(req.args.get("date"))
        dry = _yes(req.args.get("essai")) or _yes(req.args.get("dry_run"))
        return remind_every(spaces or _spaces(business, env), channels, day=day, dry_run=dry, env=env), 200
    except TTRError as exc:
        return {"erreur": exc.message}, exc.status


def _spaces(business: Callable[[], Any] | None, env: Mapping[str, str]) -> Any:
    from functions.accounts.workspaces import Workspaces

    return Workspaces(business or _default_business, dict(env))


def remind_every(spaces: Any, channels: Channels | None, *, day: date | None, dry_run: bool,
                 env: Mapping[str, str]) -> dict[str, Any]:
    """The reminders of every workspace of the deployment, each at its own hour in its own time zone, one
    failing not stopping the others: the default workspace's summary, with one entry per workspace."""
    from functions.accounts.workspaces import DEFAULT
    from functions.fleet import run_each

    summaries: dict[str, dict[str, Any]] = {}

    def work(biz: Any) -> list[str]:
        summary = run(biz, channels, day=day, dry_run=dry_run, env=dict(env))
        summaries[str(id(biz))] = summary.to_dict()
        return summary.lines()

    by_space: dict[str, dict[str, Any]] = {}
    for doc in spaces.all():
        space = str(doc.get("id") or "")
        report = run_each(spaces, "Rappels", work, only=space)
        outcome = report.outcomes[0] if report.outcomes else None
        key = str(id(spaces.business(space)))
        by_space[space] = {"id": space, "nom": str(doc.get("name") or space), "ok": bool(outcome and outcome.ok),
                           **(summaries.get(key, {}) if outcome and outcome.ok else {"resume": outcome.lines if outcome else []})}
    body = dict(by_space.get(DEFAULT, {}))
    body["espaces"] = list(by_space.values())
    return body


bp = Blueprint("reminders", __name__)


@bp.post("/rappels")
def reminders_http() -> Any:
    """Run the reminders from the web app (``ttr serve``), with the shared token."""
    env = current_app.config.get("TTR_ENV") or {}
    body, status = handle_http(request, current_app.config["TTR_BUSINESS"], env,
                               current_app.config.get("TTR_REMINDER_CHANNELS"),
                               current_app.config.get("TTR_ID_TOKEN_VERIFIER"),
                               current_app.config.get("TTR_WORKSPACES"))
    return jsonify(body), status


reminders_http.ttr_access = "server"  # type: ignore[attr-defined]
