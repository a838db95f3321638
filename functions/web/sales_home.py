"""The Tableau de bord: this month's figures, today's arrivals, low stock, unpaid balances, recent
activity, and the Vente Rapide (the « À vendre » articles as large buttons).

After a sale the page comes back as ``/?vente=<Caisse id>`` and shows that sale with its receipt link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, g, render_template, request

from functions.accounts import permissions
from functions.books import dashboard as kpi
from functions.business import Business
from functions.store.workbook import Book
from functions.templating import sort_key
from functions.web import sales_forms as sf

RECENT = 8


def for_sale(book: Book) -> list[tuple[Any, Any]]:
    qty = sf.figures(book).stock
    items = [(s, qty.get(s.id)) for s in book.rows("stock") if s["for_sale"] == "Oui" and s["sale_price"] is not None]
    return sorted(items, key=lambda x: sort_key(x[0]["article"]))


#: Journal fields that say nothing new in a one-line summary (the line already shows who and when).
_NOISE = ("Date :", "Créé le :", "Créé par :", "Prestation ID :", "Client ID :", "Article ID :", "Reçu :",
          "Solde caisse :")


def _gist(changes: str) -> str:
    parts = [p for p in changes.split(" ; ") if not p.strip().startswith(_NOISE)]
    return " ; ".join(parts) or changes


def recent(book: Book, n: int = RECENT) -> list[dict[str, Any]]:
    """The latest Journal entries: who, what, when (the tab by its title, the row by its label)."""
    from functions.web.office_journal import column_types, sentence

    titles = {key: book.title(key) for key in book.tabs}
    by_title = {t.tab.title: key for key, t in book.tabs.items()}
    types = column_types(book)
    out = []
    for j in reversed(book.all_rows("journal")[-n:]):
        tab = by_title.get(str(j["tab"] or ""), str(j["tab"] or ""))
        changes = _gist(str(j["changes"] or ""))
        out.append({"when": j["time"], "who": j["actor"], "action": j["action"], "tab": titles.get(tab, j["tab"]),
                    "what": changes if len(changes) <= 90 else changes[:89] + "…", "sentence": sentence(book, j, types)})
    return out


def dashboard(biz: Business, *, sale_form: dict[str, str] | None = None, error: str = "", status: int = 200,
              errors: dict[str, str] | None = None) -> Any:
    book = biz.book()
    now = biz.now()
    show = permissions.dashboard_sections(g.get("role"), book.settings)  # only what the switches open
    k = sf.cached(book, f"kpis:{now.date().isoformat()}", lambda b: kpi.kpis(b, None, {}, now))
    sale = None
    sale_id = request.args.get("vente", "")
    if sale_id and not error:
        row = book.find("caisse", sale_id)
        if row is not None and row["type"] == "Vente":
            sale = row
    form = sale_form or {"quantity": "1", "method": "Espèces"}
    html = render_template("web/home.html", book=book, k=k, now=now, recent=recent(book) if "recent" in show else [],
                           articles=for_sale(book), show=show,
                           unpaid=k.unpaid[:5] if "unpaid" in show else [], sale=sale, form=form, error=error, errors=errors or {}, methods=sf.method_choices(),
                           idem=sf.idempotency_token(), name=book.settings.get("business_name"),
                           title=book.title("prestations"), month=_month(now),
                           sales="sales" in current_app.blueprints, size=_size(biz, book),
                           trend=_trend(book, now) if "cash" in show else None,
                           outbox=_outbox(biz, book, now), today=now.date())
    return html, status


def _trend(book: Book, now: datetime) -> Any:
    """The last 30 days' recettes as inline SVG, for whoever sees the month's figures (no pandas: ``books.trend``)."""
    from functions.reports.view import dashboard_trend

    return sf.cached(book, f"trend:{now.date().isoformat()}", lambda b: dashboard_trend(b, now.date()))


def _size(biz: Business, book: Book) -> str | None:
    """For the admin: Google Sheets past 70 % of its cell limit, and the close suggestion (cells on Google
    Sheets, rows elsewhere: ``archive_read``). Neither costs a request."""
    from functions.archive_read import workbook_size

    if g.get("role") != "admin":
        return None
    from functions.store.capacity import cell_limit_warning

    hints = [h for h in (cell_limit_warning(biz.workbook.backend), workbook_size(biz, book).suggestion()) if h]
    return " ".join(hints) or None


def _outbox(biz: Business, book: Book, now: datetime) -> list[Any]:
    """« À envoyer » on the dashboard too: the reminder links ready, for whoever may open the Agenda."""
    if "office" not in current_app.blueprints or not permissions.allowed(g.get("role"), "agenda", book.settings):
        return []
    from functions.reminders.outbox import pending

    return pending(biz.state, now.date(), admin=g.get("role") == "admin", country=book.settings.get("country") or "TG")


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def _month(now: datetime) -> str:
    return f"{MONTHS[now.month - 1]} {now.year}"
