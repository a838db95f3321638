"""Agenda (month view and list; create, edit, complete, cancel) and Investissements (projects with ROI %
and annualised return)."""

from __future__ import annotations

import calendar
from datetime import date, time, timedelta
from decimal import Decimal, localcontext
from typing import Any

from flask import abort, jsonify, render_template, request

from functions.books import ledger
from functions.errors import TTRError
from functions.store.workbook import Record
from functions.web.office_common import (
    actor,
    bp,
    business,
    done,
    field_errors,
    form_key,
    is_admin,
    new_key,
    paginate,
)

AGENDA_FIELDS = ("title", "date", "time", "type", "status", "reminder", "for", "notes")
AGENDA_LABELS = {"title": ["Titre"], "date": ["Date"], "time": ["Heure"], "type": ["Type"], "status": ["Statut"],
                 "reminder": ["Rappel"], "for": ["Pour"], "notes": ["Notes"]}
INVEST_FIELDS = ("project", "description", "initial", "expected_return", "months", "risk", "status")
INVEST_LABELS = {"project": ["Projet"], "description": ["Description"], "initial": ["Montant initial"],
                 "expected_return": ["Retour attendu"], "months": ["Durée (mois)", "Durée"], "risk": ["Risque"],
                 "status": ["Statut"]}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _month(arg: str, today: date) -> date:
    try:
        year, month = (int(x) for x in arg.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _sort_key(item: Record) -> tuple[date, time]:
    return (item["date"] or date.max, item["time"] or time.max)


@bp.get("/agenda")
def agenda() -> Any:
    biz = business()
    book = biz.book()
    today = biz.now().date()
    view = "liste" if request.args.get("vue") == "liste" else "mois"
    status = request.args.get("statut", "À faire" if view == "liste" else "")
    items = sorted(book.rows("agenda"), key=_sort_key)
    first = _month(request.args.get("mois", ""), today)
    weeks = calendar.Calendar().monthdatescalendar(first.year, first.month)
    counts: dict[date, int] = {}
    for item in items:
        if item["date"] and item["status"] != "Annulé":
            counts[item["date"]] = counts.get(item["date"], 0) + 1
    day = request.args.get("jour", "")
    if view == "mois":
        shown = [i for i in items if i["date"] and (i["date"].year, i["date"].month) == (first.year, first.month)]
    elif day:
        shown = [i for i in items if i["date"] and i["date"].isoformat() == day]
    else:
        shown = [i for i in items if not status or i["status"] == status]
        if status == "À faire":
            shown = [i for i in shown if not i["date"] or i["date"] >= today] + \
                    [i for i in shown if i["date"] and i["date"] < today]  # upcoming first, then overdue
    if status and view == "mois":
        shown = [i for i in shown if i["status"] == status]
    page, pager = paginate(shown)
    prev_month = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render_template("web/office/agenda.html", book=book, view=view, items=page, pager=pager, weeks=weeks,
                           first=first, counts=counts, today=today, status=status, day=day,
                           month_name=f"{MONTHS[first.month - 1]} {first.year}", prev_month=prev_month,
                           next_month=next_month, statuses=_choices("agenda", "status"), key=new_key(),
                           outbox=_outbox(biz, today, book.settings.get("country") or "TG"))


def _outbox(biz: Any, today: date, country: str) -> list[Any]:
    from functions.reminders.outbox import pending

    return pending(biz.state, today, admin=is_admin(), country=country)


@bp.post("/agenda/rappels/envoyer")
def agenda_send_reminder() -> Any:
    """« À envoyer »: record who sent the reminder (Journal), then open its wa.me link (one tap)."""
    from functions.reminders.outbox import mark_sent

    link = mark_sent(business(), request.form.get("rappel", ""), actor(), admin=is_admin())
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"lien": link})
    # A page that opens the link (a redirect would be blocked: the pages' CSP allows forms to post to 'self')
    return render_template("web/office/agenda_send.html", link=link)


def _choices(tab: str, column: str) -> tuple[str, ...]:
    return business().workbook.schema.tab(tab).column(column).choices


def _agenda_form(item: Record | None, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                 status: int = 200) -> Any:
    if form is None:
        form = {k: _text(item[k]) for k in AGENDA_FIELDS} if item else {
            "date": business().now().date().isoformat(), "type": "Tâche", "status": "À faire", "reminder": "Aucun"}
    return render_template("web/office/agenda_form.html", item=item, form=form, errors=errors or {},
                           types=_choices("agenda", "type"), statuses=_choices("agenda", "status"),
                           reminders=_choices("agenda", "reminder"), team=_team(), key=new_key()), status


def _team() -> list[str]:
    book = business().book()
    return [str(t["name"]) for t in book.rows("team") if t["name"] and t["active"] != "Non"]


def _require(tab: str, item_id: str) -> Record:
    item = business().book().find(tab, item_id)
    if item is None or item.deleted:
        abort(404)
    return item


@bp.route("/agenda/nouveau", methods=["GET", "POST"])
def agenda_new() -> Any:
    if request.method == "GET":
        return _agenda_form(None)
    form = request.form.to_dict()
    data = {k: form.get(k, "").strip() for k in AGENDA_FIELDS if form.get(k, "").strip()}  # blanks: defaults
    try:
        business().add("agenda", data, actor(), idempotency_key=form_key())
    except TTRError as exc:
        return _agenda_form(None, field_errors(exc, AGENDA_LABELS), form, exc.status if exc.status < 500 else 400)
    return done(f"« {data['title']} » ajouté à l'agenda.", "office.agenda", mois=str(data.get("date", ""))[:7] or None)


@bp.route("/agenda/<item_id>/modifier", methods=["GET", "POST"])
def agenda_edit(item_id: str) -> Any:
    item = _require("agenda", item_id)
    if request.method == "GET":
        return _agenda_form(item)
    form = request.form.to_dict()
    try:
        business().update("agenda", item.id, {k: form.get(k, "").strip() for k in AGENDA_FIELDS}, actor())
    except TTRError as exc:
        return _agenda_form(item, field_errors(exc, AGENDA_LABELS), form, exc.status if exc.status < 500 else 400)
    return done("Élément de l'agenda enregistré.", "office.agenda", vue="liste", statut="")


def _set_status(item_id: str, status: str, message: str) -> Any:
    item = _require("agenda", item_id)
    business().update("agenda", item.id, {"status": status}, actor())
    return done(message.format(title=item["title"]), "office.agenda", vue="liste")


@bp.post("/agenda/<item_id>/fait")
def agenda_done(item_id: str) -> Any:
    return _set_status(item_id, "Fait", "« {title} » marqué comme fait.")


@bp.post("/agenda/<item_id>/annuler")
def agenda_cancel(item_id: str) -> Any:
    return _set_status(item_id, "Annulé", "« {title} » annulé.")


for view in (agenda, agenda_new, agenda_edit, agenda_done, agenda_cancel, agenda_send_reminder):
    view.ttr_module = "agenda"  # type: ignore[attr-defined,union-attr]


# -- investissements -------------------------------------------------------------------------------------------
def annualised(roi: Decimal | None, months: int | None) -> Decimal | None:
    """(1 + ROI)^(12 / months) − 1, as a fraction; None without ROI or duration."""
    if roi is None or not months or months <= 0:
        return None
    base = 1 + roi
    if base <= 0:
        return Decimal(-1)
    with localcontext() as ctx:
        ctx.prec = 28
        value = base ** (Decimal(12) / Decimal(months)) - 1
    if value.adjusted() > 12:
        return None  # absurd figures (a 1-month project returning 1000×) are not shown
    return value.quantize(Decimal("0.0001"))


@bp.get("/investissements")
def investments() -> Any:
    book = business().book()
    rows = sorted(book.rows("investments"), key=lambda i: str(i["created_at"] or ""), reverse=True)
    figures = {}
    for i in rows:
        roi = ledger.roi(i)
        figures[i.id] = (roi, annualised(roi, i["months"]))
    page, pager = paginate(rows)
    active = [i for i in rows if i["status"] in ("Actif", "Planification", "En attente")]
    total = sum((i["initial"] or Decimal(0) for i in active), Decimal(0))
    expected = sum((i["expected_return"] or Decimal(0) for i in active), Decimal(0))
    return render_template("web/office/investments.html", book=book, cur=book.settings.get("currency") or "XOF",
                           rows=page, pager=pager, figures=figures, total=total, expected=expected)


def _invest_form(item: Record | None, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                 status: int = 200) -> Any:
    if form is None:
        form = {k: _text(item[k]) for k in INVEST_FIELDS} if item else {"risk": "Moyen", "status": "Planification"}
    return render_template("web/office/investment_form.html", item=item, form=form, errors=errors or {},
                           risks=_choices("investments", "risk"), statuses=_choices("investments", "status"),
                           key=new_key()), status


@bp.route("/investissements/nouveau", methods=["GET", "POST"])
def investment_new() -> Any:
    if request.method == "GET":
        return _invest_form(None)
    form = request.form.to_dict()
    data = {k: form.get(k, "").strip() for k in INVEST_FIELDS if form.get(k, "").strip()}
    try:
        business().add("investments", data, actor(), idempotency_key=form_key())
    except TTRError as exc:
        return _invest_form(None, field_errors(exc, INVEST_LABELS), form, exc.status if exc.status < 500 else 400)
    return done(f"Projet « {data.get('project', '')} » ajouté.", "office.investments")


@bp.route("/investissements/<item_id>/modifier", methods=["GET", "POST"])
def investment_edit(item_id: str) -> Any:
    item = _require("investments", item_id)
    if request.method == "GET":
        return _invest_form(item)
    form = request.form.to_dict()
    try:
        business().update("investments", item.id, {k: form.get(k, "").strip() for k in INVEST_FIELDS}, actor())
    except TTRError as exc:
        return _invest_form(item, field_errors(exc, INVEST_LABELS), form, exc.status if exc.status < 500 else 400)
    return done("Projet enregistré.", "office.investments")


for view in (investments, investment_new, investment_edit):
    view.ttr_module = "investments"  # type: ignore[attr-defined,union-attr]
