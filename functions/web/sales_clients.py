"""Clients: the list with balances and search, the profile (contact, notes, prestations, payments,
balance, a payment for credit sales, the statement link), and the create/edit forms.

Every view here belongs to the « Clients » module: employees open it only when its switch is « Oui ».
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import redirect, render_template, request, url_for

from functions.books import ledger
from functions.errors import NotFoundError, TTRError
from functions.templating import money
from functions.web import sales_forms as sf
from functions.web.guard import notify
from functions.web.sales import bp


def _client(book: Any, cid: str) -> Any:
    c = book.find("clients", cid)
    if c is None or c.deleted:
        raise NotFoundError(f"Clients : aucun client avec l'ID « {cid[:40]} ».")
    return c


@bp.get("/clients")
def clients() -> Any:
    book = sf.business().book()
    f = sf.figures(book)
    words = sf.search_words(request.args.get("q", ""))
    owing = request.args.get("solde") == "1"
    index = sf.client_index(book)
    rows = []
    for c in index.rows:
        if owing:
            t = f.clients.get(c.id)
            if t is None or t.balance <= 0:
                continue
        if words and not sf.matches(words, index.hay[c.id]):
            continue
        rows.append(c)
    return render_template("web/sales/clients.html", book=book, f=f, page=sf.paginate(rows), args=request.args)


def _profile(book: Any, c: Any, *, pay: dict[str, str] | None = None, error: str = "", status: int = 200,
             errors: dict[str, str] | None = None) -> Any:
    f = sf.figures(book)
    totals = f.clients[c.id]
    history = sorted(f.prestations_of_client.get(c.id, []), key=lambda p: str(p["start"] or ""), reverse=True)
    payments = sorted(f.cash_of_client.get(c.id, []), key=lambda r: r["date"] or datetime.min, reverse=True)
    pay = pay or {"amount": str(totals.balance) if totals.balance > 0 else "", "method": "Espèces"}
    credit = ledger.credits(book.all_rows("prestations"), book.all_rows("caisse")).get(c.id, Decimal(0))
    unpaid = sorted((p for p in f.prestations_of_client.get(c.id, [])
                     if p["status"] != "Annulée" and f.prestations[p.id].balance > 0),
                    key=lambda p: (str(p["created_at"] or p["start"] or ""), str(p["number"] or "")))
    title = book.title("prestations")
    html = render_template("web/sales/client.html", book=book, c=c, t=totals, f=f, history=history[:50],
                           credit=credit, unpaid=unpaid, word=title[:-1] if title.endswith("s") else title,
                           refund_idem=sf.idempotency_token(),
                           more=max(0, len(history) - 50), payments=payments[:50], methods=sf.method_choices(),
                           pay=pay, error=error, errors=errors or {}, idem=pay.get("idem") or sf.idempotency_token(),
                           title=book.title("prestations"), past=_archived(c.id))
    return html, status


def _archived(client_id: str) -> list[Any]:
    """The client's prestations of closed years, read from the archives on demand (``archive_read``)."""
    from functions.archive_read import client_history

    return client_history(sf.business(), client_id)


@bp.get("/clients/<cid>")
def client(cid: str) -> Any:
    book = sf.business().book()
    return _profile(book, _client(book, cid))


@bp.post("/clients/<cid>/paiement")
def client_payment(cid: str) -> Any:
    biz = sf.business()
    c = _client(biz.book(), cid)
    form = request.form.to_dict()
    try:
        # a prestation picked takes the payment; otherwise it is a payment on account, allocated oldest first
        target = {"prestation_id": form["prestation"]} if form.get("prestation") else {"client_id": c.id}
        picked = biz.book().find("prestations", form.get("prestation", "")) if form.get("prestation") else None
        if form.get("prestation") and (picked is None or picked["client_id"] != c.id):
            raise NotFoundError(f"{biz.book().title('prestations')} : « {form['prestation'][:40]} » n'est pas à "
                                f"{c['name']}.")
        biz.record_payment(form.get("amount", ""), sf.actor(), method=form.get("method") or None,
                           note=form.get("note", "") if "client_id" in target else "", reference=sf.reference_of(form),
                           idempotency_key=form.get("idem") or None, **target)
    except TTRError as exc:
        book = biz.book()
        top, errors = sf.placed(exc, "amount", "reference", "method")
        return _profile(book, _client(book, cid), pay=form, error=top, errors=errors, status=exc.status)
    book = biz.book()
    notify(f"Paiement de {c['name']} enregistré. Solde du client : "
           f"{money(sf.figures(book).clients[c.id].balance, book.codec.currency)}.")
    return redirect(url_for("sales.client", cid=c.id), 303)


@bp.post("/clients/<cid>/remboursement")
def client_refund(cid: str) -> Any:
    """The client's credit (avoir) paid back: a Remboursement on account, never beyond what the client paid."""
    biz = sf.business()
    c = _client(biz.book(), cid)
    form = request.form.to_dict()
    try:
        biz.refund(form.get("amount", ""), sf.actor(), client_id=c.id, method=form.get("method") or None,
                   reason=form.get("reason", ""), idempotency_key=form.get("idem") or None)
    except TTRError as exc:
        book = biz.book()
        return _profile(book, _client(book, cid), error=exc.message, status=exc.status)
    notify(f"Remboursement de {c['name']} enregistré.")
    return redirect(url_for("sales.client", cid=c.id), 303)


@bp.get("/clients/<cid>/releve")
def statement(cid: str) -> Any:
    """The client's statement (allocated on first use), or a WhatsApp message carrying its link."""
    from functions.receipts.hooks import statement_link

    biz = sf.business()
    book = biz.book()
    c = _client(book, cid)
    link = statement_link(biz, c.id, sf.public_base())
    if request.args.get("whatsapp") == "1":
        balance = sf.figures(book).clients[c.id].balance
        text = (f"Bonjour {c['name']}, voici votre relevé de compte chez {book.settings.get('business_name') or ''} : "
                f"{link}\nSolde : {money(balance, book.codec.currency)}.")
        return redirect(sf.whatsapp(book, c["phone"], text), 303)
    return redirect(link, 303)


def _form(book: Any, form: dict[str, str], errors: dict[str, str], c: Any = None, error: str = "",
          status: int = 200, same: Any = None) -> Any:
    return render_template("web/sales/client_form.html", book=book, form=form, errors=errors, c=c, error=error,
                           same=same, idem=form.get("idem") or sf.idempotency_token()), status


@bp.route("/clients/nouveau", methods=["GET", "POST"])
def new_client() -> Any:
    biz = sf.business()
    if request.method == "GET":
        return _form(biz.book(), {}, {})
    form = request.form.to_dict()
    data, errors = sf.parse_client(form)
    if errors:
        return _form(biz.book(), form, errors, error="Vérifiez les champs signalés : rien n'a été enregistré.",
                     status=400)
    same = ledger.match_client(str(data.get("name") or ""), biz.book().rows("clients"))
    if same is not None and form.get("doublon") != "1":  # a warning, not a refusal: the person chooses
        return _form(biz.book(), form, {}, same=same)
    try:
        result = biz.add("clients", data, sf.actor(), idempotency_key=form.get("idem") or None)
    except TTRError as exc:
        return _form(biz.book(), form, sf.field_errors(exc.message, sf.CLIENT_FIELDS), error=exc.message,
                     status=exc.status)
    notify(f"Client « {data.get('name')} » ajouté.")
    return redirect(url_for("sales.client", cid=result["id"]), 303)


@bp.route("/clients/<cid>/modifier", methods=["GET", "POST"])
def edit_client(cid: str) -> Any:
    biz = sf.business()
    book = biz.book()
    c = _client(book, cid)
    if request.method == "GET":
        return _form(book, sf.client_form(c), {}, c)
    form = request.form.to_dict()
    data, errors = sf.parse_client(form)
    if errors:
        return _form(book, form, errors, c, error="Vérifiez les champs signalés : rien n'a été enregistré.", status=400)
    try:
        biz.update("clients", c.id, data, sf.actor())
    except TTRError as exc:
        return _form(biz.book(), form, sf.field_errors(exc.message, sf.CLIENT_FIELDS), c, error=exc.message,
                     status=exc.status)
    notify(f"Fiche de {data.get('name') or c['name']} enregistrée.")
    return redirect(url_for("sales.client", cid=c.id), 303)


_view: Any
for _view in (clients, client, client_payment, client_refund, statement, new_client, edit_client):
    _view.ttr_module = "clients"
