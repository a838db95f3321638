"""The web app factory. This issue's part: a home page with the key figures, health, and the sync endpoint.

Errors are mapped once, here: a ``TTRError`` answers with its status and its French message.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, jsonify, render_template, request

from functions.business import Business
from functions.errors import TTRError


def sync_token(biz: Business, env: dict[str, str]) -> str:
    if env.get("TTR_SYNC_TOKEN"):
        return env["TTR_SYNC_TOKEN"]
    doc = biz.state.get("secrets", "sync_token")
    if doc is None:
        biz.state.create("secrets", "sync_token", {"token": secrets.token_urlsafe(32)})
        doc = biz.state.get("secrets", "sync_token")
    assert doc is not None
    return str(doc["token"])


def create_app(business: Callable[[], Business], env: dict[str, str] | None = None) -> Flask:
    from functions.templating import TEMPLATE_DIR, install_filters

    app = Flask(__name__, template_folder=str(TEMPLATE_DIR))
    install_filters(app.jinja_env)
    env = env or {}

    @app.errorhandler(TTRError)
    def ttr_error(exc: TTRError) -> Any:
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api") or \
                request.method == "POST":
            return jsonify({"erreur": exc.message}), exc.status
        return render_template("web/error.html", message=exc.message), exc.status

    @app.get("/sante")
    def health() -> Any:
        return jsonify({"ok": True})

    @app.get("/")
    def home() -> Any:
        from functions.books import dashboard
        from functions.books.derive import derive

        biz = business()
        book = biz.load()
        now = biz.now()
        k = dashboard.kpis(book, derive(book), {}, now)
        recent = list(reversed(book.all_rows("journal")[-8:]))
        return render_template("web/home.html", book=book, k=k, now=now, recent=recent,
                               name=book.settings.get("business_name"), title=book.title("prestations"))

    @app.post("/sync")
    def sync() -> Any:
        biz = business()
        given = request.headers.get("X-TTR-Token", "")
        if not hmac.compare_digest(given.encode(), sync_token(biz, env).encode()):
            return jsonify({"erreur": "Jeton de synchronisation invalide."}), 401
        report = biz.sync()
        return jsonify({"ecritures": report.writes, "journal": report.journal_rows,
                        "ids": len(report.ids_assigned), "erreurs": [e.message for e in report.errors],
                        "heure": datetime.now().isoformat(timespec="seconds")})

    return app
