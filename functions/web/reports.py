"""Rapports: the business over a period (``functions.reports``), as a page with inline SVG charts and as
``.xlsx`` / CSV / PDF downloads. For the admin, and for employees when « Employés : Rapports » is « Oui »."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from functions.errors import InvalidInputError, TTRError

bp = Blueprint("reports", __name__)
PAGE_ROWS = 15  # rows of a long list on the page (the exports hold them all)


def _report() -> tuple[Any, Any, str]:
    from functions.reports import figures, periods

    biz = current_app.config["TTR_BUSINESS"]()
    book = biz.book()
    today = biz.now().date()
    choice = (request.args.get("periode") or "this_month").strip()
    error = ""
    try:
        if choice == "custom":
            p = periods.period(None, today, request.args.get("du") or None, request.args.get("au") or today)
        else:
            p = periods.period(choice, today)
    except InvalidInputError as exc:
        error, choice = exc.message, "this_month"
        p = periods.period("this_month", today)
    from functions.reports.history import period_book

    return figures.compute(period_book(biz, p.start, book), p, today), book, error or choice  # closed years too


def page() -> Any:
    from functions.reports import periods, view

    report, book, choice = _report()
    error = "" if choice in dict(periods.CHOICES) else choice
    return render_template("web/reports/page.html", r=report, charts=view.svgs(report), tables=view.tables(report, limit=PAGE_ROWS),
                           k=view.key_figures(report), cell=view.cell, choices=periods.CHOICES, choice=choice if not error else "",
                           error=error, args=request.args, cur=report.currency)


page.ttr_module = "rapports"  # type: ignore[attr-defined]
bp.add_url_rule("/rapports", "page", page)


def download(fmt: str) -> Any:
    from functions.reports import exports

    if fmt not in exports.FORMATS:
        raise TTRError("Format inconnu : xlsx, csv ou pdf.")
    report, book, _ = _report()
    body = exports.export(report, fmt, book.settings)
    return Response(body, mimetype=exports.FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(report, fmt)}"'})


download.ttr_module = "rapports"  # type: ignore[attr-defined]
bp.add_url_rule("/rapports/export.<fmt>", "download", download)
