"""The receipt function's handler: ``receipt_http(request)`` serves ``/r/<id>`` under functions-framework.

Cold start matters here (every shared link is a cold start in waiting): this module imports Flask and the
receipt blueprint only; the workbook, the state store and the PDF library are imported on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Flask, Response

from functions.errors import TTRError
from functions.invoices.pages import bp as invoice_pages
from functions.receipts.web import bp, not_found

_app: Flask | None = None


def create_app(business: Callable[[], Any], env: dict[str, str]) -> Flask:
    """A Flask app that serves only the receipt and invoice pages (for the function, and for tests)."""
    app = Flask(__name__)
    app.config.update(TTR_BUSINESS=business, TTR_BUSINESSES=lambda: {"default": business()}, TTR_ENV=env)
    app.register_blueprint(bp)
    app.register_blueprint(invoice_pages)  # /f/<id>: proformas, invoices and credit notes, same rules

    @app.errorhandler(404)
    def unknown(_: Any) -> Response:
        return not_found()

    @app.errorhandler(TTRError)
    def failed(exc: TTRError) -> Any:
        if exc.status == 404:
            return not_found()
        return Response(exc.message, status=exc.status, mimetype="text/plain")

    return app


def _business_factory() -> Callable[[], Any]:
    cache: dict[str, Any] = {}

    def business() -> Any:
        if "biz" not in cache:
            from functions.config import open_business

            cache["biz"] = open_business()
        return cache["biz"]

    return business


def receipt_http(request: Any) -> Any:
    """Entry point: answer one request for a receipt page or PDF (GET only; nothing is written)."""
    global _app
    if _app is None:
        _app = create_app(_business_factory(), dict(os.environ))
    with _app.request_context(request.environ):
        return _app.full_dispatch_request()
