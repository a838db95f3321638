"""Prestations (titled after the business type), the Vente Rapide action, and (``sales_clients``) Clients.

Pages read ``biz.book()`` (one cached read, refreshed after writes); actions call the ``Business``
methods, each one atomic change with its Journal rows. A refused action re-renders its form with the
French message next to the field and the person's input kept. Creating a prestation, a payment and a
quick sale carry an idempotency key generated per page render, so a double tap acts once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, send_file, url_for

from functions.books.commands import EditPrestation
from functions.errors import NotFoundError, TTRError
from functions.templating import TEMPLATE_DIR, money
from functions.web import sales_forms as sf
from functions.web.guard import notify

bp = Blueprint("sales", __name__)
CSS = TEMPLATE_DIR / "web" / "sales" / "sales.css"


@bp.get("/ventes.css")
def stylesheet() -> Any:
    return send_file(CSS, mimetype="text/css", max_age=3600)


stylesheet.ttr_access = "public"  # type: ignore[attr-defined]


def _prestation(book: Any, pid: str) -> Any:
    p = book.find("prestations", pid)
    if p is None or p.deleted:
        raise NotFoundError(f"{book.title('prestations')} : aucun élément avec l'ID « {pid[:40]} ».")
    return p


# -- list ------------------------------------------------------------------------------------------------
@bp.get("/prestations")
def prestations() -> Any:
    book = sf.business().book()
    f = sf.figures(book)
    a = request.args
    words = sf.search_words(a.get("q", ""))
    status, client_id = a.get("statut", ""), a.get("client", "")
    d1, d2 = sf.parse_day(a.get("du")), sf.parse_day(a.get("au"))
    unpaid = a.get("impaye") == "1"
    index = sf.prestation_index(book)
    rows = []
    for p in index.rows:
        if status and p["status"] != status:
            continue
        if client_id and p["client_id"] != client_id:
            continue
        start = p["start"]
        if d1 and (start is None or start < d1):
            continue
        if d2 and (start is None or start > d2):
            continue
        if unpaid:
            t = f.prestations.get(p.id)
            if t is None or t.balance <= 0 or p["status"] == "Annulée":
                continue
        if words and not sf.matches(words, index.hay[p.id]):
            continue
        rows.append(p)
    page = sf.paginate(rows)
    chosen = book.find("clients", client_id) if client_id else None
    return render_template("web/sales/prestations.html", book=book, f=f, page=page, args=a, statuses=sf.STATUSES,
                           chosen=chosen, title=book.title("prestations"))


# -- create / edit ---------------------------------------------------------------------------------------
def _form_page(book: Any, form: dict[str, str], errors: dict[str, str], *, p: Any = None, error: str = "",
               status: int = 200) -> Any:
    chosen = book.find("clients", form.get("client_id", "")) if form.get("client_id") else None
    html = render_template("web/sales/prestation_form.html", book=book, form=form, errors=errors, p=p, error=error,
                           chosen=chosen, names=sf.recent_clients(book), types=book.rows("types"), catalogue=sf.catalogue(book),
                           statuses=sf.STATUSES, methods=sf.method_choices(), slots=range(sf.LINE_SLOTS),
                           title=book.title("prestations"), idem=form.get("idem") or sf.idempotency_token())
    return html, status


@bp.route("/prestations/nouvelle", methods=["GET", "POST"])
def new_prestation() -> Any:
    biz = sf.business()
    book = biz.book()
    if request.method == "GET":
        chosen = book.find("clients", request.args.get("client", "")) if request.args.get("client") else None
        form = {"client_id": chosen.id if chosen else "", "client_name": chosen["name"] if chosen else "", "start": biz.now().date().isoformat(),
                "status": "En attente", "method": "Espèces"}
        return _form_page(book, form, {})
    form = request.form.to_dict()
    data, lines, errors = sf.parse_prestation(book, form, new=True)
    paid = sf.amount_or_error(book, form.get("paid_now", ""), "paid_now", "Montant payé", errors)
    if paid is not None and data.get("total") is not None and not lines and paid > data["total"]:
        errors["paid_now"] = "Le montant payé dépasse le montant total."
    if errors:
        return _form_page(book, form, errors, error="Vérifiez les champs signalés : rien n'a été enregistré.",
                          status=400)
    try:
        result = _add_prestation(biz, data, lines, paid, form.get("method") or None, form.get("idem") or None)
    except TTRError as exc:
        errors = sf.field_errors(exc.message, sf.PRESTATION_FIELDS)
        name = getattr(exc, "field", "")
        if name in ("discount", "discount_reason", "reference"):
            errors[name] = exc.message
        return _form_page(biz.book(), form, errors, error=exc.message, status=exc.status)
    notify(_created(biz.book(), result["id"], paid) + (f" Attention : {result['warning']}." if result.get("warning") else ""))
    return redirect(url_for("sales.prestation", pid=result["id"]), 303)


def _add_prestation(biz: Any, data: dict[str, Any], lines: list[dict[str, Any]], paid: Any, method: str | None,
                    key: str | None) -> dict[str, Any]:
    """``AddPrestation`` (a client created on the spot keeps the phone typed with it), with the reference of the
    first payment and the discount asked."""
    from functions.books.commands import AddPrestation

    command = AddPrestation(dict(data), tuple(lines), paid, method, sf.reference_of(request.form),
                            sf.discount_of(request.form))
    return biz.submit(command, sf.actor(), idempotency_key=key)


@bp.route("/prestations/<pid>/modifier", methods=["GET", "POST"])
def edit_prestation(pid: str) -> Any:
    biz = sf.business()
    book = biz.book()
    p = _prestation(book, pid)
    if request.method == "GET":
        return _form_page(book, sf.prestation_form(p), {}, p=p)
    form = request.form.to_dict()
    data, _, errors = sf.parse_prestation(book, form, new=False)
    if sf.figures(book).lines_of.get(p.id):
        data.pop("total", None)  # the total of a prestation with lines is their sum
    if errors:
        return _form_page(book, form, errors, p=p, error="Vérifiez les champs signalés : rien n'a été enregistré.",
                          status=400)
    try:  # a new client name typed is linked or created, as the sheet does
        result = biz.submit(EditPrestation(p.id, data), sf.actor())
    except TTRError as exc:
        return _form_page(biz.book(), form, sf.field_errors(exc.message, sf.PRESTATION_FIELDS), p=p,
                          error=exc.message, status=exc.status)
    if result.get("warning"):  # a total below what was paid: the difference went to the client's credit
        book = biz.book()
        return _detail(book, _prestation(book, pid), notice=str(result["warning"]))
    notify(f"Modification enregistrée : {_name(biz.book(), p, lower=True)}.")
    return redirect(url_for("sales.prestation", pid=p.id), 303)


def _name(book: Any, p: Any, *, lower: bool = False) -> str:
    """« La réservation 00103 »: a prestation named the way the business names them."""
    from functions.templating import SINGULAR

    article, noun, _ = SINGULAR.get(book.title("prestations"), ("la", "prestation", ""))
    return f"{article if lower else article.capitalize()} {noun} {p['number'] or p.id}"


def _created(book: Any, pid: str, paid: Any) -> str:
    p = _prestation(book, pid)
    cur = book.codec.currency
    told = f"Enregistré : {_name(book, p, lower=True)} pour {p['client'] or '?'} ({money(p['total'] or 0, cur)})"
    if paid:
        told += f", {money(paid, cur)} encaissés"
    return told + "."


def money_parse(book: Any, raw: str) -> Any:
    from functions.money import parse_amount

    return parse_amount(raw, book.codec.currency)


# -- detail, status, payment -----------------------------------------------------------------------------
def _detail(book: Any, p: Any, *, pay: dict[str, str] | None = None, error: str = "", status: int = 200,
            errors: dict[str, str] | None = None, notice: str = "") -> Any:
    f = sf.figures(book)
    totals = f.prestations[p.id]
    client = book.find("clients", str(p["client_id"] or ""))
    cur = book.codec.currency
    share = ""
    phone = client["phone"] if client is not None else None
    if p["receipt"] or phone:
        text = (f"Bonjour {p['client'] or ''}, voici votre reçu {p['number'] or ''} : {p['receipt'] or ''}\n"
                f"Total : {money(totals.total, cur)} — payé : {money(totals.paid, cur)} — "
                f"reste : {money(totals.balance, cur)}.")
        share = sf.whatsapp(book, phone, text)
    pay = pay or {"amount": str(totals.balance) if totals.balance > 0 else "", "method": "Espèces"}
    html = render_template("web/sales/prestation.html", book=book, p=p, t=totals, client=client,
                           lines=f.lines_of.get(p.id, []), payments=f.cash_of_prestation.get(p.id, []),
                           statuses=sf.STATUSES, methods=sf.method_choices(), share=share, pay=pay, error=error,
                           notice=notice or g.get("notice"), errors=errors or {}, idem=pay.get("idem") or sf.idempotency_token(), title=book.title("prestations"))
    return html, status


@bp.get("/prestations/<pid>")
def prestation(pid: str) -> Any:
    book = sf.business().book()
    return _detail(book, _prestation(book, pid))


@bp.post("/prestations/<pid>/statut")
def prestation_status(pid: str) -> Any:
    biz = sf.business()
    p = _prestation(biz.book(), pid)
    try:
        biz.set_status(p.id, request.form.get("status", ""), sf.actor())
    except TTRError as exc:
        book = biz.book()
        return _detail(book, _prestation(book, pid), error=exc.message, status=exc.status)
    notify(f"Statut de {_name(biz.book(), p, lower=True)} : {request.form.get('status', '').strip()}.")
    return redirect(url_for("sales.prestation", pid=p.id), 303)


@bp.post("/prestations/<pid>/paiement")
def prestation_payment(pid: str) -> Any:
    biz = sf.business()
    p = _prestation(biz.book(), pid)
    form = request.form.to_dict()
    try:
        biz.record_payment(form.get("amount", ""), sf.actor(), prestation_id=p.id, method=form.get("method") or None,
                           reference=sf.reference_of(form), idempotency_key=form.get("idem") or None)
    except TTRError as exc:
        book = biz.book()
        top, errors = sf.placed(exc, "amount", "reference", "method")
        return _detail(book, _prestation(book, pid), pay=form, error=top, errors=errors, status=exc.status)
    book = biz.book()
    notify(f"Paiement enregistré : {money(money_parse(book, form.get('amount', '')), book.codec.currency)}. Reste à "
           f"payer : {money(sf.figures(book).prestations[p.id].balance, book.codec.currency)}.")
    return redirect(url_for("sales.prestation", pid=p.id), 303)


# -- Vente Rapide (from the dashboard) -------------------------------------------------------------------
@bp.post("/vente-rapide")
def quick_sale() -> Any:
    from functions.books.commands import QuickSale
    from functions.web.sales_home import dashboard

    biz = sf.business()
    form = request.form.to_dict()
    article = form.get("article", "").strip()
    if not article:
        return dashboard(biz, sale_form=form, error="Touchez l'article à vendre.", status=400)
    key = form.get("idem", "").strip()
    try:
        command = QuickSale(((article, form.get("quantity") or "1"),), form.get("method") or None, "",
                            sf.reference_of(form), sf.discount_of(form))
        result = biz.submit(command, sf.actor(), idempotency_key=f"{key}:{article}" if key else None)
    except TTRError as exc:
        top, errors = sf.placed(exc, "quantity", "discount", "discount_reason", "reference", "method")
        return dashboard(biz, sale_form=form, error=top, errors=errors, status=exc.status)
    if result.get("warning"):  # an admin sold below cost: recorded, and said
        notify(f"Attention : {result['warning']}.")
    return redirect(url_for("home", vente=result["caisse_id"]) + "#vente-rapide", 303)


from functions.web import sales_clients  # noqa: E402,F401  - registers the Clients views on ``bp``
