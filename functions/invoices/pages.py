"""The public document pages: ``/f/<id>`` and ``/f/<id>.pdf`` (A4), by unguessable link, like receipts.

A page reads only the state store (the frozen content and its digest: principle 12) and never writes; unknown,
malformed and altered ids get the receipts' 404 page, and one address gets at most the receipts' rate of pages a
minute (its own counter, in the process). This module imports no workbook code: the receipt function serves it
too (``functions.receipts.entry``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from functions.invoices import store
from functions.receipts import store as receipts
from functions.receipts import web as receipt_web

bp = Blueprint("pages", __name__)
NEXT_TEXT = {"invoice": "Cette proforma a été confirmée par la facture",
             "proforma": "Cette proforma a été remplacée par la proforma",
             "credit": "Cette facture est annulée par la facture d'avoir"}


def load_view(biz: Any, doc_id: str, base: str) -> dict[str, Any] | None:
    """The page data of a document, from the state store only; None for anything that must 404."""
    from functions.invoices.render import page
    from functions.receipts.render import digest, thaw

    document = store.find(biz.state, doc_id)
    if document is None or digest(document.content) != document.digest:
        return None
    data = page(thaw(document.content), store.link(base, document.id))
    if document.next_kind:
        data["next"] = {"kind": document.next_kind, "text": NEXT_TEXT[document.next_kind],
                        "number": document.next_number, "url": store.link(base, document.next_id),
                        "on": _when(document.next_on)}
    return data


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _limiter() -> receipt_web.Limiter:
    ext = current_app.extensions
    if "ttr_invoice_limiter" not in ext:
        count, window = current_app.config.get("TTR_RECEIPT_RATE") or receipt_web.RATE
        ext["ttr_invoice_limiter"] = receipt_web.Limiter(int(count), float(window))
    return ext["ttr_invoice_limiter"]  # type: ignore[no-any-return]


def show(doc_id: str) -> Response:
    from functions.accounts.throttle import client_address

    env = current_app.config.get("TTR_ENV") or {}
    address = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                             env.get("TTR_TRUSTED_PROXIES"))
    if wait := _limiter().retry_after(address):
        return receipt_web.too_many(wait)
    pdf = request.args.get("pdf") == "1"
    if doc_id.endswith(".pdf"):
        doc_id, pdf = doc_id[:-4], True
    if not store.valid_id(doc_id):
        return receipt_web.not_found()
    base = receipts.public_url(env)
    data = load_view(current_app.config["TTR_BUSINESS"](), doc_id, base)
    if data is None:  # a document of another workspace (links carry no workspace: ids are random)
        everyone = current_app.config.get("TTR_BUSINESSES")
        for biz in (everyone().values() if everyone else ()):
            if (data := load_view(biz, doc_id, base)) is not None:
                break
    if data is None:
        return receipt_web.not_found()
    if pdf:
        from functions.invoices.pdf import render_pdf

        response = Response(render_pdf(data), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{data["number"]}.pdf"'
        return receipt_web._respond(response)
    body = receipt_web.environment().get_template("invoices/document.html").render(v=data, pdf_href=f"{doc_id}.pdf")
    return receipt_web._respond(Response(body, mimetype="text/html"))


show.ttr_access = "public"  # type: ignore[attr-defined]
bp.add_url_rule("/f/<doc_id>", "show", show, methods=["GET"])
