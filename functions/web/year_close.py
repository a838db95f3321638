"""Paramètres › Clôture d'exercice (admin): the preview of what a close moves (counts per tab, the « À nouveau »
opening rows), then the close itself, confirmed by a button (CSRF, idempotency key). The work is
``functions.archive.close_year``; ``ttr cloture`` is the same from the command line."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from functions.archive import archive_target, close_year
from functions.archive_read import closings
from functions.books import year_end
from functions.config import is_google_sheet, open_backend
from functions.errors import InvalidInputError, TTRError
from functions.web.office_common import actor, business, done, form_key, new_key
from functions.web.office_settings import current_workbook_spec

bp = Blueprint("year_close", __name__)


def _year(raw: str | None) -> int:
    text = (raw or "").strip()
    if not (text.isdigit() and len(text) == 4):
        raise InvalidInputError("Année : indiquez l'exercice à clôturer sur quatre chiffres (ex. 2025).")
    return int(text)


def _target(year: int, form: dict[str, str], preview: bool = False) -> tuple[str, str]:
    spec = current_workbook_spec()
    google = is_google_sheet(spec)
    if google and preview and not form.get("archive"):  # the preview writes nothing: the URL can come later
        return "", "la Google Sheet d'archive (URL à indiquer)"
    target = archive_target(spec, year, form.get("archive") or None, google)
    return target, (target if google else target.rsplit("/", 1)[-1])


def _page(form: dict[str, str], error: str = "", report: Any = None, status: int = 200) -> Any:
    biz = business()
    book = biz.book()
    suggested = year_end.closable_year(book, biz.now())
    form = {"annee": str(suggested or biz.now().year - 1), **{k: v for k, v in form.items() if v}}
    return render_template("web/office/year_close.html", form=form, error=error, report=report, key=new_key(),
                           google=is_google_sheet(current_workbook_spec()), done=closings(biz.state),
                           cur=book.settings.get("currency") or "XOF", now=biz.now()), status


@bp.get("/parametres/cloture")
def page() -> Any:
    form = {k: request.args.get(k, "").strip() for k in ("annee", "archive")}
    if not form["annee"]:
        return _page({})
    try:
        year = _year(form["annee"])
        target, name = _target(year, form, preview=True)
        report = close_year(business(), year, lambda: open_backend(target), name, dry_run=True, spec=target)
    except TTRError as exc:
        return _page(form, exc.message, status=400)
    return _page(form, report=report)


@bp.post("/parametres/cloture")
def confirm() -> Any:
    form = {k: request.form.get(k, "").strip() for k in ("annee", "archive")}
    biz = business()
    key = form_key()
    if key and (seen := biz.state.get("closing_keys", key)):  # a double tap: the close already ran
        return done(f"Exercice {seen['year']} clôturé.", "year_close.page")
    try:
        year = _year(form["annee"])
        target, name = _target(year, form)
        report = close_year(biz, year, lambda: open_backend(target), name, actor=actor(), spec=target)
    except TTRError as exc:
        return _page(form, exc.message, status=400)
    if key:
        biz.state.put("closing_keys", key, {"year": year})
    moved = sum(n for k, n in report.moved.items() if k != "journal")
    return done(f"Exercice {year} clôturé : {moved} ligne(s) archivées dans « {name} », {report.openings} ligne(s) "
                f"« À nouveau {year} » ajoutées. Les soldes sont inchangés.", "year_close.page")


for view in (page, confirm):
    view.ttr_access = "admin"  # type: ignore[attr-defined]
