"""The mobile web app: ``create_app(business_factory, env)``, a Flask factory.

``business_factory`` returns the default workspace's ``Business`` (its state store is the global one:
accounts, sessions, workspaces). Views of every module reach the data through ``app.config``:

* ``TTR_BUSINESS()``   the ``Business`` of the current request's workspace (the default one outside a
  logged-in request);
* ``TTR_BUSINESSES()`` ``{workspace id: Business}``: the current user's workspaces in a logged-in request,
  every registered workspace outside one (scheduled jobs);
* ``TTR_ENV``          the environment settings (dict);
* ``TTR_IS_ADMIN()``   True when the current user is an admin of the current workspace.

Access rules, CSRF, the session cookie and security headers: ``guard``. A ``TTRError`` answers with its
status and French message, once, here (JSON for ``/api`` and JSON requests, a page otherwise).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, g, has_request_context, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from functions.business import Business
from functions.errors import TTRError
from functions.store.workbook import Workbook

log = logging.getLogger(__name__)


def sync_token(biz: Business, env: dict[str, str]) -> str:
    from functions.state.base import shared_token

    return shared_token(biz.state, "sync_token", env.get("TTR_SYNC_TOKEN"))


def create_app(business: Callable[[], Business], env: dict[str, str] | None = None, *,
               open_workbook: Callable[[str], Workbook] | None = None,
               blueprints: list[str] | None = None) -> Flask:
    from functions.accounts import permissions, users
    from functions.accounts.workspaces import DEFAULT, Workspaces
    from functions.templating import TEMPLATE_DIR, install_filters
    from functions.web import admin, assets, auth, guard, modules

    app = Flask(__name__, template_folder=str(TEMPLATE_DIR), static_folder=None)
    install_filters(app.jinja_env)
    env = dict(env or {})
    registry = Workspaces(business, env, open_workbook)

    def current() -> Business:
        if has_request_context() and g.get("workspace"):
            return registry.business(g.workspace)
        return registry.business(DEFAULT)

    def every() -> dict[str, Business]:
        if has_request_context() and g.get("user") is not None:
            ids = [w for w, m in g.user.get("workspaces", {}).items() if m.get("active") and registry.get(w)]
        else:
            ids = [str(w["id"]) for w in registry.all()]
        return {w: registry.business(w) for w in ids}

    app.config.update(TTR_BUSINESS=current, TTR_BUSINESSES=every, TTR_ENV=env, TTR_WORKSPACES=registry,
                      TTR_IS_ADMIN=lambda request=None: bool(has_request_context() and g.get("role") == "admin"),
                      MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    assets.install(app)  # before the guard: its after-request function runs after the guard's
    guard.install(app)

    @app.context_processor
    def shell() -> dict[str, Any]:
        user = g.get("user")
        nav = []
        if user is not None:
            for label, endpoint in modules.NAV:
                view = app.view_functions.get(endpoint)
                if view is None:
                    continue
                access = getattr(view, "ttr_access", None)
                module = getattr(view, "ttr_module", None)
                if access not in (None, "login", "public") and g.role != "admin":
                    continue
                if module and g.role != "admin" and not permissions.allowed(g.role, module, guard.current_settings()):
                    continue
                if endpoint == "sales.prestations":  # the title follows the business type
                    label = current().book().title("prestations")
                nav.append((label, endpoint))
        space = registry.get(g.get("workspace") or DEFAULT) if user is not None else None
        return {"csrf_token": guard.csrf_token, "me": user, "role": g.get("role"), "nav": nav,
                "offline_app": "offline" in app.blueprints,  # the installable counter (functions.web.offline)
                "space": space, "notice": g.get("notice"), "role_label": users.ROLES.get(g.get("role") or "", ""),
                "country": guard.current_settings().get("country", "") if user is not None else ""}

    def wants_json() -> bool:
        return request.path.startswith("/api") or request.is_json or request.accept_mimetypes.best == "application/json"

    @app.errorhandler(TTRError)
    def ttr_error(exc: TTRError) -> Any:
        if wants_json():
            return jsonify({"erreur": exc.message}), exc.status
        return render_template("web/error.html", message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        messages = {404: "Page introuvable.", 405: "Méthode non autorisée.", 413: "Envoi trop volumineux.",
                    400: "Requête invalide."}
        message = messages.get(exc.code or 500, "La requête n'a pas pu aboutir.")
        if wants_json():
            return jsonify({"erreur": message}), exc.code
        return render_template("web/error.html", message=message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("Erreur inattendue")
        message = TTRError().message
        if wants_json():
            return jsonify({"erreur": message}), 500
        return render_template("web/error.html", message=message), 500

    def health() -> Any:
        return jsonify({"ok": True})

    health.ttr_access = "public"  # type: ignore[attr-defined]
    app.add_url_rule("/sante", "health", health)

    def home() -> Any:
        from functions.web.sales_home import dashboard  # the Tableau de bord and its Vente Rapide

        return dashboard(current())

    app.add_url_rule("/", "home", home)

    def sync() -> Any:
        biz = current()
        given = request.headers.get("X-TTR-Token", "")
        if not hmac.compare_digest(given.encode(), sync_token(biz, env).encode()):
            return jsonify({"erreur": "Jeton de synchronisation invalide."}), 401
        report = biz.sync()
        return jsonify({"ecritures": report.writes, "journal": report.journal_rows,
                        "ids": len(report.ids_assigned), "erreurs": [e.message for e in report.errors],
                        "heure": datetime.now().isoformat(timespec="seconds")})

    sync.ttr_access = "server"  # type: ignore[attr-defined]
    app.add_url_rule("/sync", "sync", sync, methods=["POST"])

    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    modules.register(app, blueprints)
    return app
