"""The invoice actions of the web app, and the public pages (``functions.invoices.pages``) registered with them.

The actions (``POST /factures/<row id>/proforma``, ``…/facture``, an admin's
``POST /factures/document/<id>/annuler`` and ``POST /factures/parametres``) go through ``functions.invoices.issue``
and ``Business.set_settings``; the prestation page lists a row's documents with ``invoice_documents(row_id)``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, request, url_for

from functions.errors import InvalidInputError, TTRError
from functions.invoices import issue, pages, store

bp = Blueprint("invoices", __name__)
bp.register_blueprint(pages.bp)  # /f/<id>: endpoint ``invoices.pages.show``
SETTINGS = {"tax_id": ("NIF / NCC / NINEA", 60), "rccm": ("RCCM", 60), "legal_mention": ("Mention légale", 500),
            "fne_number": ("N° FNE", 60), "proforma_days": ("Validité des proformas (jours)", 3)}
NEXT_SHORT = {"invoice": "confirmée par la facture", "proforma": "remplacée par", "credit": "annulée par l'avoir"}


# -- actions (logged in) ------------------------------------------------------------------------------------
def _biz() -> Any:
    return current_app.config["TTR_BUSINESS"]()


def _actor() -> str:
    from functions.web.office_common import actor

    return actor()


def _done(document: store.Document) -> Any:
    _biz().forget()
    return redirect(url_for("invoices.pages.show", doc_id=document.id), 303)


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
                            "url": url_for("invoices.pages.show", doc_id=d.id), "next": NEXT_SHORT.get(d.next_kind, ""),
                            "next_number": d.next_number, "live": not d.next_kind})
        return out

    def invoice_settings() -> dict[str, str]:
        biz = current_app.config["TTR_BUSINESS"]()
        s = biz.book().settings
        return {k: s.get(k, "") for k in SETTINGS}

    return {"invoice_documents": invoice_documents, "invoice_settings": invoice_settings,
            "invoice_admin": lambda: g.get("role") == "admin"}
