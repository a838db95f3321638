"""Paramètres additions (admin): types de prestations / chambres (tab ``Types``), expense categories, and
the link to open the Google Sheet. Profile, permissions, PIN and workspaces live in the shell's pages."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, g, render_template, request

from functions.config import is_google_sheet
from functions.errors import InvalidInputError, TTRError
from functions.store.workbook import Record
from functions.web.guard import registry
from functions.web.office_common import actor, bp, business, done, field_errors

TYPE_FIELDS = ("name", "price", "purchase_price", "vat_rate")
TYPE_LABELS = {"name": ["Nom"], "price": ["Prix"], "purchase_price": ["Prix d'achat"], "vat_rate": ["TVA %"]}
_SHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]{20,})")


def sheet_link(spec: str) -> str | None:
    """The https link that opens the Google Sheet of ``spec`` (URL or id); None for an .xlsx."""
    spec = (spec or "").strip()
    if not spec or not is_google_sheet(spec):
        return None
    match = _SHEET_URL.search(spec)
    sheet_id = match.group(1) if match else spec
    return f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit"


def current_workbook_spec() -> str:
    space = registry().get(g.get("workspace") or "") or {}
    return str(space.get("workbook") or current_app.config["TTR_ENV"].get("TTR_WORKBOOK") or "")


def parse_categories(text: str) -> list[str]:
    """One category per line (or comma-separated); duplicates (ignoring case) dropped."""
    out: list[str] = []
    for raw in re.split(r"[\n,]", text or ""):
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > 60:
            raise InvalidInputError(f"Catégories : « {name[:30]}… » est trop long (60 caractères au plus).")
        if name.casefold() not in {c.casefold() for c in out}:
            out.append(name)
    if not out:
        raise InvalidInputError("Catégories : indiquez au moins une catégorie.")
    if len(out) > 60:
        raise InvalidInputError("Catégories : 60 au plus.")
    return out


def _page(errors: dict[str, str] | None = None, form: dict[str, str] | None = None, which: str = "",
          status: int = 200) -> Any:
    book = business().book()
    cats = [c.strip() for c in (book.settings.get("expense_categories") or "").split(",") if c.strip()]
    form = form or {}
    if which != "categories":
        form = {**form, "categories": "\n".join(cats)}
    return render_template("web/office/settings.html", book=book, cur=book.settings.get("currency") or "XOF",
                           types=book.rows("types"), errors=errors or {}, form=form, which=which,
                           sheet=sheet_link(current_workbook_spec()),
                           edit=request.args.get("type", ""), title=book.title("prestations"),
                           year_close="year_close" in current_app.blueprints), status


@bp.get("/parametres/activite")
def settings() -> Any:
    return _page()


@bp.post("/parametres/categories")
def categories() -> Any:
    form = request.form.to_dict()
    try:
        names = parse_categories(form.get("categories", ""))
        changed = business().set_setting("expense_categories", ", ".join(names), actor())
    except TTRError as exc:
        return _page({"categories": exc.message}, form, "categories", 400)
    return done("Catégories de dépenses enregistrées." if changed else "Catégories inchangées.", "office.settings")


def _type_data(form: dict[str, str]) -> dict[str, str]:
    return {k: form.get(k, "").strip() for k in TYPE_FIELDS}


@bp.post("/parametres/types")
def type_add() -> Any:
    form = request.form.to_dict()
    try:
        business().add("types", {k: v for k, v in _type_data(form).items() if v}, actor())
    except TTRError as exc:
        return _page(field_errors(exc, TYPE_LABELS), form, "type-new", 400)
    return done(f"Type « {form.get('name', '').strip()} » ajouté.", "office.settings")


def _type(type_id: str) -> Record:
    record = business().book().find("types", type_id)
    if record is None or record.deleted:
        abort(404)
    return record


@bp.post("/parametres/types/<type_id>")
def type_edit(type_id: str) -> Any:
    record = _type(type_id)
    form = request.form.to_dict()
    try:
        business().update("types", record.id, _type_data(form), actor())
    except TTRError as exc:
        return _page(field_errors(exc, TYPE_LABELS), form, f"type-{record.id}", 400)
    return done("Type enregistré.", "office.settings")


@bp.post("/parametres/types/<type_id>/supprimer")
def type_delete(type_id: str) -> Any:
    record = _type(type_id)
    business().delete("types", record.id, actor())
    return done(f"Type « {record['name']} » supprimé.", "office.settings")


for view in (settings, categories, type_add, type_edit, type_delete):
    view.ttr_access = "admin"  # type: ignore[attr-defined,union-attr]
