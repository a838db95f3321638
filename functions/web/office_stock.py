"""Stock: articles with their derived quantity, margin and image; add and edit an article; adjustments
(entrée, sortie, perte, inventaire) through ``Business.stock_adjust``; each article's movements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, render_template, request

from functions.books import ledger
from functions.books.commands import NewArticle
from functions.errors import InvalidInputError, TTRError
from functions.store.schema import fold
from functions.store.workbook import Book, Record
from functions.web.office_common import (
    actor,
    bp,
    business,
    done,
    field_errors,
    form_key,
    new_key,
    paginate,
)

ARTICLE_FIELDS = ("article", "unit", "threshold", "for_sale", "sale_price", "purchase_price", "vat_rate", "image",
                  "notes")
LABELS = {"article": ["Article"], "unit": ["Unité"], "threshold": ["Seuil d'alerte"], "for_sale": ["À vendre"],
          "sale_price": ["Prix de vente"], "purchase_price": ["Prix d'achat"], "vat_rate": ["TVA %"], "image": ["Image"],
          "notes": ["Notes"], "initial": ["Quantité initiale"]}
ADJUST_FIELDS = {"quantity": ["Quantité", "Le stock de", "Stock insuffisant"], "kind": ["Type d'ajustement"],
                 "reason": ["Motif", "Texte trop long"]}
KINDS = ("Entrée", "Sortie", "Perte", "Inventaire")
UNITS = ("pièces", "kg", "g", "litres", "bouteilles", "paquets", "cartons", "sacs", "mètres")


def margin(article: Record) -> tuple[Decimal, Decimal | None] | None:
    """(sale − purchase, that as a % of the sale price) when both prices are set."""
    sale, cost = article["sale_price"], article["purchase_price"]
    if sale is None or cost is None:
        return None
    rate = ((sale - cost) * 100 / sale).quantize(Decimal("0.1")) if sale else None
    return sale - cost, rate


def quantities(book: Book) -> dict[str, Decimal]:
    return ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))


def is_low(article: Record, qty: Decimal) -> bool:
    return article["threshold"] is not None and qty <= article["threshold"]


@bp.get("/stock")
def stock() -> Any:
    book = business().book()
    qty = quantities(book)
    q, low_only = request.args.get("q", "").strip(), request.args.get("bas") == "1"
    rows = [a for a in book.rows("stock") if (not q or fold(q) in fold(str(a["article"] or "")))
            and (not low_only or is_low(a, qty[a.id]))]
    rows.sort(key=lambda a: (not is_low(a, qty[a.id]), fold(str(a["article"] or ""))))
    page, pager = paginate(rows)
    low = sum(1 for a in book.rows("stock") if is_low(a, qty[a.id]))
    return render_template("web/office/stock.html", book=book, cur=book.settings.get("currency") or "XOF",
                           rows=page, pager=pager, qty=qty, is_low=is_low, margin=margin, q=q, low_only=low_only,
                           low=low)


def _article_form(article: Record | None, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                  status: int = 200) -> Any:
    book = business().book()
    if form is None:
        form = {}
        if article is not None:
            for k in ARTICLE_FIELDS:
                v = article[k]
                form[k] = "" if v is None else (format(v, "f") if isinstance(v, Decimal) else str(v))
        else:
            form = {"unit": "pièces", "for_sale": "Non"}
    return render_template("web/office/article_form.html", book=book, article=article, form=form,
                           errors=errors or {}, units=UNITS, key=new_key()), status


def _article_data(form: dict[str, str]) -> dict[str, str]:
    return {k: form.get(k, "").strip() for k in ARTICLE_FIELDS}


@bp.route("/stock/nouveau", methods=["GET", "POST"])
def stock_new() -> Any:
    if request.method == "GET":
        return _article_form(None)
    biz = business()
    form = request.form.to_dict()
    data = {k: v for k, v in _article_data(form).items() if v}  # blanks take the column's default
    initial = form.get("initial", "")
    try:
        result = biz.submit(NewArticle(data, initial), actor(), idempotency_key=form_key())
    except TTRError as exc:
        return _article_form(None, field_errors(exc, LABELS), form, 400)
    return done(f"Article « {data.get('article', '')} » ajouté.", "office.article", article_id=result["id"])


def _require(article_id: str) -> Record:
    article = business().book().find("stock", article_id)
    if article is None or article.deleted:
        abort(404)
    return article


@bp.route("/stock/<article_id>/modifier", methods=["GET", "POST"])
def stock_edit(article_id: str) -> Any:
    article = _require(article_id)
    if request.method == "GET":
        return _article_form(article)
    form = request.form.to_dict()
    try:
        business().update("stock", article.id, _article_data(form), actor())
    except TTRError as exc:
        return _article_form(article, field_errors(exc, LABELS), form, exc.status if exc.status < 500 else 400)
    return done("Article enregistré.", "office.article", article_id=article.id)


def _article_page(article: Record, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                  status: int = 200) -> Any:
    book = business().book()
    moves = [m for m in reversed(book.all_rows("movements")) if m["article_id"] == article.id]
    page, pager = paginate(moves)
    return render_template("web/office/article.html", book=book, cur=book.settings.get("currency") or "XOF",
                           a=article, qty=quantities(book)[article.id], is_low=is_low, margin=margin(article),
                           moves=page, pager=pager, kinds=KINDS, errors=errors or {}, form=form or {},
                           key=new_key()), status


@bp.get("/stock/<article_id>")
def article(article_id: str) -> Any:
    return _article_page(_require(article_id))


@bp.post("/stock/<article_id>/ajuster")
def stock_adjust(article_id: str) -> Any:
    article = _require(article_id)
    form = request.form.to_dict()
    kind, reason = form.get("kind", ""), form.get("reason", "").strip()
    try:
        if kind in ("Sortie", "Perte", "Inventaire") and not reason:
            raise InvalidInputError(f"Motif : indiquez la raison de cette {kind.lower()}.")
        business().stock_adjust(article.id, kind, form.get("quantity", ""), actor(), reason,
                                idempotency_key=form_key())
    except TTRError as exc:
        return _article_page(article, field_errors(exc, ADJUST_FIELDS), form,
                             exc.status if exc.status < 500 else 400)
    return done(f"Stock de « {article['article']} » ajusté ({kind}).", "office.article", article_id=article.id)


for view in (stock, stock_new, stock_edit, article, stock_adjust):
    view.ttr_module = "stock"  # type: ignore[attr-defined,union-attr]
