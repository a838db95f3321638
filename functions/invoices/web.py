"""The invoice pages: ``/f/<id>`` (and ``/f/<id>.pdf``, A4) public by unguessable link, and the actions.

A document page reads only the state store (the frozen content and its digest: principle 12) and never writes;
unknown, malformed and altered ids get the receipts' 404 page, and one address gets at most the receipts' rate
of pages a minute (its own counter). The actions (``POST /factures/<row id>/proforma``, ``…/facture``, an admin's
``POST /factures/document/<id>/annuler`` and ``POST /factures/parametres``) go through ``functions.invoices.issue``
and ``Business.set_settings``; the prestation page lists a row's documents with ``invoice_documents(row_id)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, request, url_for

from functions.errors import InvalidInputError, TTRError
from functions.invoices import issue, store
from functions.receipts import store as receipts
from functions.receipts import web as receipt_web

bp = Blueprint("invoices", __name__)
NEXT_TEXT = {"invoice": "Cette proforma a été confirmée par la facture",
             "proforma": "Cette proforma a été remplacée par la proforma",
             "credit": "Cette facture est annulée par la facture d'avoir"}
SETTINGS = {"tax_id": ("NIF / NCC / NINEA", 60), "rccm": ("RCCM", 60), "legal_mention": ("Mention légale", 500),
            "fne_number": ("N° FNE", 60), "proforma_days": ("Validité des proformas (jours)", 3)}
NEXT_SHORT = {"invoice": "confirmée par la facture", "proforma": "remplacée par", "credit": "annulée par l'avoir"}


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


# -- actions (logged in) ------------------------------------------------------------------------------------
def _biz() -> Any:
    return current_app.config["TTR_BUSINESS"]()


def _actor() -> str:
    from functions.web.office_common import actor

    return actor()


def _done(document: store.Document) -> Any:
    _biz().forget()
    return redirect(url_for("invoices.show", doc_id=document.id), 303)


def _failed(exc: TTRError) -> Any:
    from functions.web.guard import notify

    notify(exc.message)
    return redirect(request.referrer or url_for("home"), 303)


@bp.post("/factures/<row_id>/proforma")
def make_proforma(row_id: str) -> Any:
    try:
        return _done(issue.proforma(_biz(), row_id, _actor()))
    except TTRError as exc:
        return _failed(exc)


@bp.post("/factures/<row_id>/facture")
def make_invoice(row_id: str) -> Any:
    try:
        return _done(issue.confirm(_biz(), row_id, _actor(), request.form.get("fne", "")))
    except TTRError as exc:
        return _failed(exc)


def cancel_invoice(doc_id: str) -> Any:
    try:
        return _done(issue.cancel(_biz(), doc_id, _actor(), request.form.get("reason", "")))
    except TTRError as exc:
        return _failed(exc)


cancel_invoice.ttr_access = "admin"  # type: ignore[attr-defined]
bp.add_url_rule("/factures/document/<doc_id>/annuler", "cancel", cancel_invoice, methods=["POST"])


def clean_settings(form: Any) -> dict[str, str]:
    """The identifiers typed on the Paramètres page, checked (lengths, a validity of 1 to 365 days)."""
    out: dict[str, str] = {}
    for key, (label, limit) in SETTINGS.items():
        if key not in form:
            continue
        value = str(form.get(key) or "").strip()
        value = value if key == "legal_mention" else " ".join(value.split())
        if len(value) > limit:
            raise InvalidInputError(f"{label} : {limit} caractères au plus.")
        if key == "proforma_days" and not (value.isdigit() and 1 <= int(value) <= 365):
            raise InvalidInputError("Validité des proformas : un nombre de jours de 1 à 365.")
        out[key] = value
    return out


def save_settings() -> Any:
    from functions.web.guard import notify

    try:
        _biz().set_settings(clean_settings(request.form), _actor())
    except TTRError as exc:
        notify(exc.message)
        return redirect(url_for("auth.settings"), 303)
    _biz().forget()
    notify("Identifiants des factures enregistrés.")
    return redirect(url_for("auth.settings"), 303)


save_settings.ttr_access = "admin"  # type: ignore[attr-defined]
bp.add_url_rule("/factures/parametres", "settings", save_settings, methods=["POST"])


@bp.app_context_processor
def helpers() -> dict[str, Any]:
    def invoice_documents(row_id: str) -> list[dict[str, Any]]:
        """A row's documents, newest first, for the prestation page (links on this app's address)."""
        biz = current_app.config["TTR_BUSINESS"]()
        out = []
        for tab in ("prestations", "caisse"):
            for d in store.of_row(biz.state, tab, row_id):
                out.append({"id": d.id, "kind": d.kind, "number": d.number, "title": store.TITLES[d.kind],
                            "url": url_for("invoices.show", doc_id=d.id), "next": NEXT_SHORT.get(d.next_kind, ""),
                            "next_number": d.next_number, "live": not d.next_kind})
        return out

    def invoice_settings() -> dict[str, str]:
        biz = current_app.config["TTR_BUSINESS"]()
        s = biz.book().settings
        return {k: s.get(k, "") for k in SETTINGS}

    return {"invoice_documents": invoice_documents, "invoice_settings": invoice_settings,
            "invoice_admin": lambda: g.get("role") == "admin"}
