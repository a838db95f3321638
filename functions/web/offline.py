"""Selling without a network: the installable counter (``/comptoir``), its service worker, the copy of
the figures a device keeps, and the replay of actions queued while offline.

* ``/manifest.webmanifest``, ``/sw.js``, ``/app.js``, ``/comptoir.js``, ``/icone.svg`` — public, static.
* ``GET /comptoir`` — the counter shell (no figures in it: the service worker may keep it).
* ``GET /comptoir/donnees`` — the figures a device may keep (articles, prices, stock, open prestations,
  clients with a balance, payment methods, categories), only what the user's permissions open, with the
  time they were read. ``401`` when the session has ended: the device then drops its copy.
* ``POST /comptoir/envoyer`` — one queued action ``{cle, type, champs, fait_le, lien, hors_ligne}`` (JSON, CSRF header
  of the session that queued it). It runs through ``Business.submit`` like an online action, with the
  idempotency key made on the device (a replay after a lost answer returns the first result) and the time
  it was really made (its Journal rows say "saisi hors ligne"). ``lien`` binds it to the session that
  queued it: another session's action is refused, never run under someone else's name.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

from functions.accounts import permissions
from functions.books import commands as cmd
from functions.books import ledger
from functions.errors import InvalidInputError, TTRError
from functions.store.codec import SYMBOLS
from functions.templating import TEMPLATE_DIR

bp = Blueprint("offline", __name__)

ONLINE_WITHIN = timedelta(seconds=90)  # an action sent this soon after it was made was not made offline
KINDS = ("vente", "depense", "revenu", "paiement", "stock")
MAX_ITEMS = 50
STATIC = {  # file under templates/web/offline -> (url, content type)
    "sw.js": ("/sw.js", "text/javascript"),
    "app.js": ("/app.js", "text/javascript"),
    "counter.js": ("/comptoir.js", "text/javascript"),
    "icon.svg": ("/icone.svg", "image/svg+xml"),
}


def _business() -> Any:
    return current_app.config["TTR_BUSINESS"]()


def _actor() -> str:
    from functions.web.office_common import actor

    return actor()


def _may(module: str | None) -> bool:
    from functions.web.guard import current_settings

    return permissions.allowed(g.role, module, current_settings())


def binding() -> str:
    """Names the session that queued an action (not the session token itself, which never leaves the cookie)."""
    from functions.web.guard import secret

    session = g.get("session") or {}
    token = str(g.cookie.get("s") or "")
    body = f"{session.get('user_id', '')}|{g.get('workspace', '')}|{token}".encode()
    return hmac.new(secret(), body, hashlib.sha256).hexdigest()[:32]


# -- static files of the installable app -------------------------------------------------------------------
def _static(name: str) -> Any:
    url, mime = STATIC[name]

    def view() -> Response:
        body = (TEMPLATE_DIR / "web" / "offline" / name).read_bytes()
        response = Response(body, mimetype=mime)
        response.headers["Cache-Control"] = "no-cache"  # revalidated: a new version reaches phones at once
        if name == "sw.js":
            response.headers["Service-Worker-Allowed"] = "/"
        return response

    view.ttr_access = "public"  # type: ignore[attr-defined]
    view.__name__ = "static_" + name.replace(".", "_")
    bp.add_url_rule(url, view.__name__, view)
    return view


for _name in STATIC:
    _static(_name)


def manifest() -> Response:
    body = {
        "name": "TTR Gestion", "short_name": "TTR", "lang": "fr", "dir": "ltr",
        "description": "Vente rapide, caisse et stock, même sans réseau.",
        "start_url": "/comptoir", "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1f5f8b",
        "icons": [{"src": "/icone.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any maskable"},
                  {"src": "/icone-192.png", "sizes": "192x192", "type": "image/png"},
                  {"src": "/icone-512.png", "sizes": "512x512", "type": "image/png"}],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


manifest.ttr_access = "public"  # type: ignore[attr-defined]
bp.add_url_rule("/manifest.webmanifest", "manifest", manifest)


def _png(size: int) -> Any:
    def view() -> Response:
        response = Response(icon_png(size), mimetype="image/png")
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    view.ttr_access = "public"  # type: ignore[attr-defined]
    view.__name__ = f"icon_{size}"
    bp.add_url_rule(f"/icone-{size}.png", view.__name__, view)


def icon_png(size: int) -> bytes:
    """The app icon as PNG (Android asks for 192 and 512 px): "TTR" white on blue, drawn with Pillow."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (size, size), "#1f5f8b")
    draw = ImageDraw.Draw(image)
    try:
        font: Any = ImageFont.truetype("DejaVuSans-Bold.ttf", size // 3)
    except OSError:
        font = ImageFont.load_default()
    draw.text((size / 2, size / 2), "TTR", fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


for _size in (192, 512):
    _png(_size)


# -- the counter -------------------------------------------------------------------------------------------
@bp.get("/comptoir")
def counter() -> Any:
    return render_template("web/offline/counter.html")


@bp.get("/comptoir/donnees")
def data() -> Any:
    """The copy of the figures this device may keep (see the module docstring)."""
    biz = _business()
    book = biz.book()
    codec = book.codec
    from functions.templating import money

    currency = codec.currency
    stock = ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))
    can = {"vente": True, "depense": _may("caisse"), "revenu": _may("caisse"), "paiement": _may("clients"),
           "stock": _may("stock")}
    articles = []
    for a in book.rows("stock"):
        sellable = a["for_sale"] == "Oui" and a["sale_price"] is not None
        if not sellable and not can["stock"]:
            continue
        articles.append({"id": a.id, "nom": str(a["article"] or ""), "unite": str(a["unit"] or ""),
                         "prix": _num(a["sale_price"]), "prix_texte": money(a["sale_price"], currency)
                         if a["sale_price"] is not None else "", "a_vendre": sellable,
                         "quantite": _num(stock.get(a.id, Decimal(0)))})
    articles.sort(key=lambda x: x["nom"].casefold())
    prestations, clients = [], []
    if can["paiement"]:
        prestations_rows = book.rows("prestations")
        totals = ledger.prestation_totals(book.all_rows("prestations"), book.rows("lines"), book.all_rows("caisse"),
                                          codec.quantum)
        for p in prestations_rows:
            t = totals.get(p.id)
            if t is None or t.balance <= 0 or p["status"] == "Annulée":
                continue
            prestations.append({"id": p.id, "libelle": f"{p['number'] or p.id} · {p['client'] or ''}".strip(" ·"),
                                "solde": _num(t.balance), "solde_texte": money(t.balance, currency)})
        prestations = prestations[-200:]
        clients = [{"id": c.id, "nom": str(c["name"] or "")} for c in book.rows("clients")][:500]
    from functions.web import office_caisse, sales_forms

    body = {
        "utilisateur": {"id": str((g.user or {}).get("id", "")), "nom": _actor()},
        "espace": g.get("workspace"), "lien": binding(), "csrf": g.session["csrf"] if g.get("session") else "",
        "lu_le": int(biz.clock().timestamp() * 1000), "devise": currency,
        "symbole": SYMBOLS.get(currency, currency), "decimales": codec.exponent,
        "moyens": list(sales_forms.method_choices()),
        "categories": office_caisse.categories(book) if can["depense"] else [],
        "permis": can, "articles": articles, "prestations": prestations, "clients": clients,
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _num(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else ("" if value is None else str(value))


@bp.post("/comptoir/envoyer")
def send() -> Any:
    """Run one queued action (see the module docstring)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refused("Opération illisible.", 400)
    key, kind, fields = body.get("cle"), body.get("type"), body.get("champs")
    if not isinstance(key, str) or not (8 <= len(key) <= 100) or kind not in KINDS or not isinstance(fields, dict):
        return _refused("Opération illisible (clé, type ou champs).", 400)
    if not hmac.compare_digest(str(body.get("lien") or ""), binding()):
        return _refused("Cette opération a été saisie dans une autre session : elle n'a pas été enregistrée. "
                        "Vérifiez-la puis renvoyez-la si elle est juste.", 403)
    module = {"vente": None, "depense": "caisse", "revenu": "caisse", "paiement": "clients", "stock": "stock"}[kind]
    if not _may(module):
        return _refused("Ce module n'est plus ouvert à votre compte : l'opération n'a pas été enregistrée.", 403)
    biz = _business()
    try:
        command = build(kind, fields)
        made_at = _made_at(biz, body.get("fait_le"), body.get("hors_ligne") is True)
        result = biz.submit(command, _actor(), idempotency_key=f"comptoir:{key}", made_at=made_at)
    except TTRError as exc:
        return _refused(exc.message, exc.status)
    return jsonify({"ok": True, "rejoue": bool(result.get("replayed")), "message": _done(kind, result, biz),
                    "recu": _receipt(biz, result)})


def _refused(message: str, status: int) -> Any:
    # 409 "peut-être enregistrée" and 5xx may succeed later; anything else is final for this action.
    final = status < 500 and status not in (401, 408, 429)
    return jsonify({"ok": False, "erreur": message, "definitif": final}), status


def _made_at(biz: Any, value: Any, offline: bool) -> datetime | None:
    """When the action was made, if it was made offline (flagged by the device, or sent late)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise InvalidInputError("Heure de l'opération manquante.")
    try:
        instant = datetime.fromtimestamp(float(value) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidInputError("Heure de l'opération invalide.") from None
    local = biz.local_time(instant)
    return local if offline or abs(biz.now() - local) > ONLINE_WITHIN else None


def _text(fields: dict[str, Any], name: str, limit: int = 200) -> str:
    value = fields.get(name, "")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise InvalidInputError(f"Champ « {name} » invalide.")
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInputError(f"Champ « {name} » trop long.")
    return text


def build(kind: str, fields: dict[str, Any]) -> cmd.Command:
    """The command of a queued action, from the fields the counter page sends."""
    method = _text(fields, "moyen") or None
    if kind == "vente":
        items = fields.get("articles")
        if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
            raise InvalidInputError("Choisissez au moins un article à vendre.")
        pairs = []
        for item in items:
            if not isinstance(item, dict):
                raise InvalidInputError("Article invalide.")
            pairs.append((_text(item, "id", 40), _text(item, "quantite", 30) or "1"))
        remise = _text(fields, "remise", 20)  # a discount on the whole sale, with its reason (books.discounts)
        discount = {"value": remise, "reason": _text(fields, "motif_remise"), "employee": g.get("role") != "admin"}
        return cmd.QuickSale(tuple(pairs), method, _text(fields, "client", 40), _text(fields, "reference", 40),
                             discount if remise else {})
    if kind == "depense":
        return cmd.Expense(_text(fields, "montant", 40), _text(fields, "categorie"), _text(fields, "description", 500),
                           method)
    if kind == "revenu":
        return cmd.Revenue(_text(fields, "montant", 40), _text(fields, "description", 500), method)
    if kind == "paiement":
        where = {"prestation_id": _text(fields, "prestation", 40)} if _text(fields, "prestation", 40) else {
            "client_id": _text(fields, "client", 40)}
        return cmd.RecordPayment(_text(fields, "montant", 40), {**where, "method": method,
                                                                "reference": _text(fields, "reference", 40)})
    return cmd.AdjustStock(_text(fields, "article", 40), _text(fields, "mouvement", 40), _text(fields, "quantite", 30),
                           _text(fields, "motif", 200))


def _done(kind: str, result: dict[str, Any], biz: Any) -> str:
    if kind == "vente" and result.get("total") is not None:
        # the amount the Caisse holds, at the sheet's prices when it ran: a price typed in the sheet since the
        # device read its copy shows here, next to the total the device computed
        from functions.templating import money

        currency = biz.book().settings.get("currency") or "XOF"
        return f"Vente enregistrée : {money(Decimal(str(result['total'])), currency)}."
    return {"vente": "Vente enregistrée.", "depense": "Dépense enregistrée.", "revenu": "Revenu enregistré.",
            "paiement": "Paiement enregistré.", "stock": "Mouvement de stock enregistré."}[kind]


def _receipt(biz: Any, result: dict[str, Any]) -> str:
    """The receipt link of the Caisse row the action wrote (numbered when the action reached the server), from
    the receipts' index in the state store: no workbook read per replayed action."""
    from functions.receipts import store
    from functions.web.sales_forms import public_base

    row_id = str(result.get("caisse_id") or "")
    receipt = store.for_row(biz.state, "caisse", row_id) if row_id else None
    return store.link(public_base(), receipt.id) if receipt is not None else ""


__all__ = ["bp", "binding", "build", "icon_png"]
