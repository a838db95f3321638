"""Caisse: the cash ledger with its running balance, filters, month totals by category; expenses, quick
revenues, refunds, and the clôture de caisse (``functions.books.closing``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import render_template, request

from functions.books import closing, ledger, methods
from functions.books.commands import CloseCash
from functions.errors import TTRError
from functions.store.workbook import Book, Record
from functions.templating import money
from functions.web.office_common import (
    actor,
    bp,
    business,
    distinct,
    done,
    field_errors,
    form_key,
    new_key,
    paginate,
    period,
)

TYPES = ("Encaissement", "Vente", "Revenu", "Dépense", "Remboursement", ledger.OPENING)
FIELDS = {"amount": ["Montant"], "category": ["Catégorie"], "target": ["Indiquez la prestation", "Client",
                                                                      "Prestations", "Réservations"],
          "reason": ["Indiquez le motif", "Texte trop long"], "method": ["Moyen"]}


def _closing_line(entry: Record, book: Book) -> dict[str, Any]:
    """A past closing as the page shows it: amounts formatted for the currency, the note apart."""
    import re

    from functions.templating import money

    cur = book.settings.get("currency") or "XOF"
    parts = dict(p.split(" : ", 1) for p in str(entry["changes"] or "").split(" ; ") if " : " in p)

    def fmt(key: str) -> str:
        raw = parts.get(key, "")
        if not re.fullmatch(r"[+-]?\d+(\.\d+)?", raw):
            return raw
        text = money(Decimal(raw), cur)
        return ("+" + text) if raw.startswith("+") else text

    return {"time": entry["time"], "actor": entry["actor"], "expected": fmt("Attendu"), "counted": fmt("Compté"),
            "difference": fmt("Écart"), "note": parts.get("Remarque", ""), "raw": entry["changes"]}


def categories(book: Book) -> list[str]:
    return [c.strip() for c in (book.settings.get("expense_categories") or "").split(",") if c.strip()]


def _when(row: Record) -> datetime:
    return ledger.when(row, datetime.min)


def month_totals(rows: list[Record], year: int, month: int) -> list[tuple[str, Decimal, Decimal]]:
    """(category, money in, money out) of one month, biggest first."""
    ins: dict[str, Decimal] = defaultdict(Decimal)
    outs: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        when = _when(r)
        if (when.year, when.month) != (year, month):
            continue
        cat = str(r["category"] or r["type"] or "—")
        if r["type"] in ledger.MONEY_IN:
            ins[cat] += ledger.amount(r)
        elif r["type"] in ledger.MONEY_OUT:
            outs[cat] += ledger.amount(r)
    cats = set(ins) | set(outs)
    return sorted(((c, ins[c], outs[c]) for c in cats), key=lambda t: (-(t[1] + t[2]), t[0]))


def refund_targets(book: Book) -> list[tuple[str, str]]:
    """Prestations and clients that have paid something, newest first (at most 200 of each)."""
    caisse = book.all_rows("caisse")
    prestations = book.all_rows("prestations")
    totals = ledger.prestation_totals(prestations, book.rows("lines"), caisse)
    cur = book.settings.get("currency") or "XOF"
    out = [(f"p:{p.id}", f"{book.title('prestations')} {p['number'] or p.id} — {p['client'] or ''} "
            f"(payé {money(totals[p.id].paid, cur)})") for p in reversed(prestations) if totals[p.id].paid > 0][:200]
    ct = ledger.client_totals(book.all_rows("clients"), prestations, caisse, totals)
    out += [(f"c:{c.id}", f"Client {c['name']} (payé {money(ct[c.id].paid, cur)})")
            for c in book.all_rows("clients") if ct[c.id].paid > 0][:200]
    return out


def _page(errors: dict[str, str] | None = None, form: dict[str, str] | None = None, which: str = "",
          status: int = 200) -> Any:
    biz = business()
    book = biz.book()
    now = biz.now()
    args = request.args
    per = period(args, now.date())
    rows = book.all_rows("caisse")
    balances = ledger.running_cash(rows)
    kind, cat = args.get("type", ""), args.get("categorie", "")
    shown = [r for r in rows if (not kind or r["type"] == kind) and (not cat or r["category"] == cat)
             and per.holds(r["date"])]
    order = sorted(range(len(shown)), key=lambda i: (_when(shown[i]), i), reverse=True)
    shown = [shown[i] for i in order]
    page, pager = paginate(shown)
    try:
        year, month = (int(x) for x in args.get("mois", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = now.year, now.month
    totals = month_totals(rows, year, month)
    return render_template(
        "web/office/caisse.html", book=book, cur=book.settings.get("currency") or "XOF", rows=page, pager=pager,
        balances=balances, cash=ledger.cash_balance(rows), args=args, period=per, types=TYPES,
        categories=categories(book), used_categories=distinct(r["category"] for r in rows),
        methods=methods.methods(book.settings), declared=methods.declared_rows(rows), verify_key=new_key(),
        totals=totals, month=f"{year:04d}-{month:02d}", refund_targets=refund_targets(book),
        errors=errors or {}, form=form or {}, which=which,
        keys={name: new_key() for name in ("depense", "revenu", "remboursement")},  # one per form, not per page
    ), status


@bp.get("/caisse")
def caisse() -> Any:
    return _page()


def _act(which: str, fn: Any, message: Any) -> Any:
    form = request.form.to_dict()
    try:
        result = fn(form)
    except TTRError as exc:
        return _page(field_errors(exc, FIELDS), form, which, exc.status if exc.status < 500 else 400)
    return done(message(result, form), "office.caisse")


@bp.post("/caisse/depense")
def expense() -> Any:
    biz = business()
    return _act("depense", lambda f: biz.expense(f.get("amount", ""), f.get("category", ""), actor(),
                                                  f.get("description", ""), f.get("method"), idempotency_key=form_key()),
                lambda r, f: f"Dépense enregistrée ({f.get('category', '')}).")


@bp.post("/caisse/revenu")
def revenue() -> Any:
    biz = business()
    return _act("revenu", lambda f: biz.revenue(f.get("amount", ""), actor(), f.get("description", ""),
                                                 f.get("method"), idempotency_key=form_key()),
                lambda r, f: "Revenu enregistré.")


@bp.post("/caisse/remboursement")
def refund() -> Any:
    biz = business()

    def run(f: dict[str, str]) -> Any:
        from functions.errors import InvalidInputError

        target = f.get("target", "")
        kind, _, ident = target.partition(":")
        if kind not in ("p", "c") or not ident:
            raise InvalidInputError("Indiquez la prestation ou le client remboursé.")
        where = {"prestation_id": ident} if kind == "p" else {"client_id": ident}
        return biz.refund(f.get("amount", ""), actor(), method=f.get("method"), reason=f.get("reason", ""),
                          idempotency_key=form_key(), **where)

    return _act("remboursement", run, lambda r, f: "Remboursement enregistré.")


@bp.post("/caisse/verifier/<caisse_id>")
def verify(caisse_id: str) -> Any:
    """« Vérifié » : the owner saw this mobile-money payment in the operator's wallet."""
    biz = business()
    try:
        biz.submit(methods.VerifyPayment(caisse_id), actor(), idempotency_key=form_key())
    except TTRError as exc:
        return done(exc.message, "office.caisse")
    return done(f"Paiement {caisse_id} vérifié sur le compte de l'opérateur.", "office.caisse")


for view in (caisse, expense, revenue, refund, verify):
    view.ttr_module = "caisse"  # type: ignore[attr-defined,union-attr]
verify.ttr_access = "admin"  # type: ignore[attr-defined,union-attr]


# -- clôture de caisse ---------------------------------------------------------------------------------------
def _closing_page(errors: dict[str, str] | None = None, form: dict[str, str] | None = None, status: int = 200) -> Any:
    biz = business()
    book = biz.book()
    exp = closing.expected(book.all_rows("caisse"))
    past = [_closing_line(j, book) for j in reversed(book.all_rows("journal")) if j["action"] == closing.ACTION][:10]
    now = biz.now()
    return render_template("web/office/cloture.html", book=book, cur=book.settings.get("currency") or "XOF",
                           expected=exp, past=past, errors=errors or {}, form=form or {}, key=new_key(),
                           now=now, operators=methods.day_totals(book.all_rows("caisse"), now.date())), status


@bp.get("/caisse/cloture")
def closing_page() -> Any:
    return _closing_page()


@bp.post("/caisse/cloture")
def close_cash() -> Any:
    biz = business()
    form = request.form.to_dict()
    counted, note, seen = form.get("counted", ""), form.get("note", ""), form.get("expected", "")
    try:
        result = biz.submit(CloseCash(counted, note, seen), actor(), idempotency_key=form_key())
    except TTRError as exc:
        fields = {"counted": ["Montant compté"], "note": ["Remarque"]}
        return _closing_page(field_errors(exc, fields), form, exc.status if exc.status < 500 else 400)
    cur = biz.book().settings.get("currency") or "XOF"
    diff = Decimal(result["difference"])
    verdict = "aucun écart" if not diff else (
        f"excédent de {money(diff, cur)}" if diff > 0 else f"manquant de {money(-diff, cur)}")
    return done(f"Caisse clôturée : compté {money(result['counted'], cur)}, attendu {money(result['expected'], cur)}"
                f" — {verdict}.", "office.closing_page")


closing_page.ttr_module = "caisse"  # type: ignore[attr-defined]
close_cash.ttr_module = "caisse"  # type: ignore[attr-defined]


# -- moyens de paiement, remises et TVA (admin) ------------------------------------------------------------
PAYMENT_SETTINGS = ("payment_methods", "discount_max_employee", "vat_enabled", "vat_rate", "vat_prices")


def payment_settings(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The Paramètres values of the page's form, and the errors by field (nothing saved when there is one)."""
    from functions import money
    from functions.books import tax
    from functions.errors import InvalidInputError

    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    try:
        values["payment_methods"] = ", ".join(methods.parse_list(form.get("payment_methods", "")))
    except InvalidInputError as exc:
        errors["payment_methods"] = exc.message
    try:
        limit = money.parse_number(form.get("discount_max_employee", ""), field="discount_max_employee",
                                   what="Remise maximale des employés")
        if limit is None or not 0 <= limit <= 100:
            raise InvalidInputError("Remise maximale des employés : un pourcentage entre 0 et 100.")
        values["discount_max_employee"] = money.format_number(limit).replace("\u00a0", "")
    except InvalidInputError as exc:
        errors["discount_max_employee"] = exc.message
    values["vat_enabled"] = "Oui" if form.get("vat_enabled") == "Oui" else "Non"
    values["vat_prices"] = "HT" if form.get("vat_prices") == "HT" else "TTC"
    try:
        rate = tax.parse_rate(form.get("vat_rate", ""))
        values["vat_rate"] = str(rate if rate is not None else tax.DEFAULT_RATE)
    except InvalidInputError as exc:
        errors["vat_rate"] = exc.message
    return values, errors


def _payments_page(form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    book = business().book()
    s = book.settings
    current = {"payment_methods": "\n".join(methods.methods(s)), "discount_max_employee": s.get("discount_max_employee")
               or "10", "vat_enabled": s.get("vat_enabled") or "Non", "vat_rate": s.get("vat_rate") or "18",
               "vat_prices": s.get("vat_prices") or "TTC"}
    return render_template("web/office/payments.html", book=book, form=form or current, errors=errors or {},
                           country=s.get("country", ""), defaults=methods.BY_COUNTRY), status


@bp.get("/caisse/moyens")
def payments_settings() -> Any:
    return _payments_page()


@bp.post("/caisse/moyens")
def payments_save() -> Any:
    form = request.form.to_dict()
    values, errors = payment_settings(form)
    if errors:
        return _payments_page(form, errors, 400)
    changed = business().set_settings(values, actor())
    return done("Moyens de paiement, remises et TVA enregistrés." if changed else "Rien n'a changé.",
                "office.payments_settings")


for view in (payments_settings, payments_save):
    view.ttr_access = "admin"  # type: ignore[attr-defined]
