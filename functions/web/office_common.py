"""What every office page shares: the ``office`` blueprint, the business, the actor, periods, pages,
form errors next to their field, idempotency keys and the blueprint's own static files (CSS, JS).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for

from functions.business import Business
from functions.errors import TTRError
from functions.store.codec import parse_date_text
from functions.templating import TEMPLATE_DIR, sort_key
from functions.web.guard import notify

bp = Blueprint("office", __name__)

PER_PAGE = 50
STATIC = {"office.css": "text/css", "2048.js": "text/javascript"}


def business() -> Business:
    return current_app.config["TTR_BUSINESS"]()


def actor() -> str:
    """The logged-in user as the Journal records them: the name shown, with the account's id (one identity)."""
    from functions.accounts.identity import of_user

    return of_user(g.get("user"))


def is_admin() -> bool:
    return g.get("role") == "admin"


def new_key() -> str:
    """An idempotency key for one rendering of a form (a double tap sends it twice: one action)."""
    return secrets.token_urlsafe(18)


def form_key() -> str | None:
    key = (request.form.get("cle") or "").strip()
    return key if 8 <= len(key) <= 200 else None


def done(message: str, endpoint: str, **values: Any) -> Any:
    notify(message)
    return redirect(url_for(endpoint, **values), 303)


# -- errors next to their field ------------------------------------------------------------------------------
def field_errors(message: str | TTRError, fields: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """An error under its field: by the error's own ``field`` when it names one of ``fields``; else each
    part of the French message (parts are joined by `` ; ``) under the field whose label it names; what
    names no field goes under ``_form`` (shown at the top of the form)."""
    if isinstance(message, TTRError):
        name = getattr(message, "field", "")
        if name in fields:
            return {name: message.message}
        message = message.message
    out: dict[str, str] = {}
    rest: list[str] = []
    for part in (p.strip() for p in message.split(" ; ")):
        lowered = part.lower()
        name = next((n for n, labels in fields.items() for label in labels
                     if lowered.startswith(label.lower() + " :") or f"« {label.lower()} »" in lowered
                     or lowered.startswith(label.lower())), None)
        if name is None or name in out:
            rest.append(part)
        else:
            out[name] = part
    if rest:
        out["_form"] = message if not out else " ; ".join(rest)
    return out


# -- periods -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None
    error: str = ""

    def holds(self, when: Any) -> bool:
        if isinstance(when, datetime):
            when = when.date()
        if not isinstance(when, date):
            return self.start is None and self.end is None
        return (self.start is None or when >= self.start) and (self.end is None or when <= self.end)

    @property
    def active(self) -> bool:
        return self.start is not None or self.end is not None


def period(args: Mapping[str, str], today: date) -> Period:
    """From ``periode`` (jour, semaine, mois, mois-dernier) or ``du`` / ``au`` (jj/mm/aaaa or ISO)."""
    preset = (args.get("periode") or "").strip()
    if preset == "jour":
        return Period(today, today)
    if preset == "semaine":
        return Period(today - timedelta(days=today.weekday()), today)
    if preset == "mois":
        return Period(today.replace(day=1), today)
    if preset == "mois-dernier":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last)
    start = end = None
    problems = []
    for key, label in (("du", "Du"), ("au", "Au")):
        raw = (args.get(key) or "").strip()
        if not raw:
            continue
        try:
            value = parse_date_text(raw).date()
        except Exception:  # noqa: BLE001 - any unreadable date is reported in French
            problems.append(f"{label} : date invalide « {raw[:20]} » (jj/mm/aaaa).")
            continue
        if key == "du":
            start = value
        else:
            end = value
    if start and end and end < start:
        problems.append("La date de fin est avant la date de début.")
    return Period(start, end, " ".join(problems))


# -- pages ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int

    def url(self, page: int) -> str:
        args = request.args.to_dict()
        args["page"] = str(page)
        values: dict[str, Any] = {**(request.view_args or {}), **args}
        return url_for(request.endpoint or "", **values)


def paginate(items: Sequence[Any], per: int = PER_PAGE) -> tuple[Sequence[Any], Pager]:
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, math.ceil(len(items) / per))
    page = min(page, pages)
    return items[(page - 1) * per: page * per], Pager(page, pages, len(items))


def distinct(values: Iterable[Any]) -> list[str]:
    return sorted({str(v) for v in values if v not in (None, "")}, key=sort_key)


# -- static files of the blueprint -----------------------------------------------------------------------------
@bp.get("/office/static/<name>")
def static_file(name: str) -> Any:
    if name not in STATIC:
        abort(404)
    body = (TEMPLATE_DIR / "web" / "office" / name).read_text(encoding="utf-8")
    return Response(body, mimetype=STATIC[name], headers={"Cache-Control": "public, max-age=86400"})


static_file.ttr_access = "public"  # type: ignore[attr-defined]
