"""TRIX in the web app (Blueprint ``bp``), registered by the web shell.

* ``GET /trix`` (logged in): the chat page — suggested questions, the answer streamed, Markdown rendered
  safely by the server at the end of the answer; ``GET /trix/trix.js`` its script (public, no CDN).
* ``POST /trix/chat`` (``"server"``: checked here): a logged-in user (``TTR_CURRENT_USER(request)`` hook of
  the shell, or its ``g.user``) sending JSON with the CSRF header, or ``Authorization: Bearer
  <TTR_SERVER_TOKEN>`` (a server; ``{"espace": id}`` picks the workspace). Body ``{"messages": [...]}``
  or ``{"question": "…"}``; answer: Server-Sent Events (``functions.trix.edge``).
* ``POST /trix/image/<article_id>`` (logged in, stock module): generate the article's image and link it.
* ``GET /trix/images/<name>`` (public): a product image, so the sheet's ``Image`` link opens anywhere; from
  the folder, or streamed from the private Cloud Storage bucket (``TRIX_IMAGE_BUCKET``) with the service
  account.

Config keys read: ``TTR_BUSINESS``, ``TTR_BUSINESSES``, ``TTR_ENV``, optional ``TTR_CURRENT_USER``,
``TRIX_CLIENT`` (an ``openai``-shaped client, for tests and benchmarks) and ``TRIX_STORAGE_SESSION`` (the
``httpx.Client`` for Cloud Storage, see ``functions.http``; default: Application Default Credentials).
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request, send_file

from functions.business import Business
from functions.errors import InvalidInputError, NotFoundError, TTRError
from functions.templating import TEMPLATE_DIR
from functions.trix.config import TrixSettings
from functions.trix.edge import bearer_ok, chat_response, error_response

bp = Blueprint("trix", __name__)

SUGGESTIONS = [
    ("Augmenter mes ventes", "Comment augmenter mes ventes ? Regarde mes chiffres du mois d'abord."),
    ("Comprendre mon stock", "Aide-moi à comprendre mon stock : qu'est-ce qui est bas, qu'est-ce qui se vend ?"),
    ("Écrire à un client", "Rédige un message WhatsApp poli pour le client qui me doit le plus d'argent."),
    ("Améliorer ma trésorerie", "Comment améliorer ma trésorerie ? Analyse ma caisse de ce mois."),
]


class LoginRequiredError(TTRError):
    """Connectez-vous pour parler à TRIX (ou envoyez le jeton serveur)."""

    status = 401


def settings() -> TrixSettings:
    return TrixSettings.from_env(current_app.config.get("TTR_ENV") or {})


def env() -> dict[str, str]:
    return dict(current_app.config.get("TTR_ENV") or {})


def _session_user() -> Any:
    hook = current_app.config.get("TTR_CURRENT_USER")
    return hook(request) if callable(hook) else g.get("user")


def _csrf_ok() -> bool:
    """A browser call must be JSON (no cross-site form can send it) and carry the session's CSRF token."""
    if not request.is_json:
        return False
    session = g.get("session")
    expected = session.get("csrf") if isinstance(session, dict) else None
    if not expected:
        return True
    return hmac.compare_digest(request.headers.get("X-CSRF-Token", "").encode(), str(expected).encode())


@bp.get("/trix")
def page() -> Any:
    s = settings()
    return render_template("trix/chat.html", configured=bool(s.api_key), suggestions=SUGGESTIONS, model=s.model)


@bp.get("/trix/trix.js")
def script() -> Any:
    return Response((TEMPLATE_DIR / "trix" / "trix.js").read_text(encoding="utf-8"),
                    mimetype="application/javascript", headers={"Cache-Control": "public, max-age=3600"})


@bp.post("/trix/chat")
def chat() -> Any:
    server = bearer_ok(request, env())
    if not server and (_session_user() is None or not _csrf_ok()):
        return error_response(LoginRequiredError())

    def business(body: dict[str, Any]) -> Business:
        space = body.get("espace")
        if server and space:
            found = current_app.config["TTR_BUSINESSES"]().get(str(space))
            if found is None:
                raise NotFoundError(f"Espace « {str(space)[:40]} » introuvable.")
            return found
        return current_app.config["TTR_BUSINESS"]()

    return chat_response(request, business, settings(), current_app.config.get("TRIX_CLIENT"),
                         allowed=None if server else _allowed_for_session())


def _allowed_for_session() -> set[str] | None:
    """An employee's TRIX sees only the figures of the modules they may open (admin: everything)."""
    from functions.accounts import permissions
    from functions.trix.tools import allowed_tools

    if g.get("role") == "admin":
        return None
    settings_ = current_app.config["TTR_BUSINESS"]().book().settings
    modules = {m for m in permissions.MODULES if permissions.allowed(g.get("role") or "", m, settings_)}
    return allowed_tools(modules)


@bp.post("/trix/image/<article_id>")
def image(article_id: str) -> Any:
    from functions.trix.images import generate

    e = env()
    user = g.get("user") or _session_user() or {}
    from functions.accounts.identity import Actor

    named = isinstance(user, dict) and (user.get("name") or user.get("email"))
    actor = Actor(str(named), user.get("id")) if named else "TRIX"  # the account's id kept (one identity)
    base = (e.get("TTR_PUBLIC_URL") or request.host_url).rstrip("/")
    try:
        result = generate(current_app.config["TTR_BUSINESS"](), article_id, settings(), actor=actor, public_url=base,
                          client=current_app.config.get("TRIX_CLIENT"), env=e,
                          storage_session=current_app.config.get("TRIX_STORAGE_SESSION"))
    except TTRError as exc:
        if _from_form():  # the article page's button: a French page that says what to do, and the way back
            return render_template("web/error.html", message=exc.message, title="Image de l'article",
                                   back=f"/stock/{article_id}", back_label="Retour à l'article"), exc.status
        return error_response(exc)
    if _from_form():
        from functions.web.guard import notify

        notify("Image générée et enregistrée dans la colonne « Image » de l'article.")
        return redirect(f"/stock/{article_id}", 303)
    return jsonify(result)


def _from_form() -> bool:
    """A browser's form post (the « Générer l'image (IA) » button), not an API call that wants JSON."""
    return request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
        and request.accept_mimetypes.best != "application/json"


@bp.get("/trix/images/<name>")
def image_file(name: str) -> Any:
    from functions.trix.images import MIME, check_name, image_store
    from functions.trix.storage import read_all

    try:
        check_name(name)
    except InvalidInputError as exc:
        return error_response(NotFoundError(exc.message))
    s, e, session = settings(), env(), current_app.config.get("TRIX_STORAGE_SESSION")
    current = current_app.config["TTR_BUSINESS"]()
    candidates = [current, *[b for b in current_app.config["TTR_BUSINESSES"]().values() if b is not current]]
    asked: set[str] = set()
    failure: TTRError | None = None
    for biz in candidates:
        try:
            store = image_store(biz, s, e, session=session)
        except TTRError:
            continue  # this business has nowhere to keep images (said when one is generated)
        if store.key in asked:
            continue
        asked.add(store.key)
        try:
            found = store.open(name)
        except TTRError as exc:  # the storage failed: a 503 that says so, unless another place has the image
            failure = failure or exc
            continue
        if found is None:
            continue
        mimetype, week = MIME[name.rsplit(".", 1)[1]], 7 * 86400
        if found.path is not None:
            return send_file(found.path, mimetype=mimetype, max_age=week)
        res = Response(read_all(found), mimetype=mimetype, headers={"Cache-Control": f"public, max-age={week}"})
        res.call_on_close(found.close)  # also when the body is never read (HEAD, client gone)
        if found.size is not None:
            res.content_length = found.size
        return res
    return error_response(failure or NotFoundError("Image introuvable."))


chat.ttr_access = "server"  # type: ignore[attr-defined]
script.ttr_access = "public"  # type: ignore[attr-defined]
image_file.ttr_access = "public"  # type: ignore[attr-defined]
image.ttr_module = "stock"  # type: ignore[attr-defined]
