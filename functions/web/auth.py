"""Pages of getting in: first-run setup, login (email or phone), PIN unlock, invitation, settings, logout."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for

from functions.accounts import invitations, passwords, permissions, sessions, team, throttle, users
from functions.accounts.identity import of_user
from functions.accounts.workspaces import DEFAULT
from functions.books import opening
from functions.errors import InvalidInputError, TTRError
from functions.money import parse_amount
from functions.regional import check_country, check_currency, check_timezone, form_choices
from functions.store.codec import Codec, clean_text
from functions.templating import TEMPLATE_DIR
from functions.web.guard import (
    csrf_token,
    current_settings,
    moment,
    notify,
    registry,
    secret,
    set_cookie,
    state,
)

bp = Blueprint("auth", __name__)

BUSINESS_TYPES = ["Hôtel", "Auberge", "Restaurant", "Boutique", "Pharmacie", "Clinique", "Salon de coiffure",
                  "Prestations de services"]


def public(view: Any) -> Any:
    view.ttr_access = "public"
    return view


def admin(view: Any) -> Any:
    view.ttr_access = "admin"
    return view


def _address() -> str:
    """The client's address, through the trusted relays in front (``TTR_TRUSTED_PROXIES``: 1 on Cloud Run)."""
    env = current_app.config.get("TTR_ENV") or {}
    return throttle.client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                                   env.get("TTR_TRUSTED_PROXIES"))


def _next(default: str = "/") -> str:
    target = request.values.get("suite") or ""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else default


def start_session(user: dict[str, Any], workspace: str | None = None) -> None:
    """Log ``user`` in on this device: a fresh session id (never the one the browser brought)."""
    st = state()
    when = moment()
    spaces = [w for w, m in user.get("workspaces", {}).items() if m.get("active") and registry().get(w)]
    if workspace not in spaces:
        last = g.cookie.get("w")
        workspace = last if last in spaces else (DEFAULT if DEFAULT in spaces else (spaces[0] if spaces else None))
    if workspace is None:
        raise users.InvalidCredentialsError("Ce compte n'a accès à aucun espace. Demandez à l'administrateur.")
    sessions.close_session(st, g.cookie.get("s"))
    device = sessions.load_device(st, g.cookie.get("d"))
    token = g.cookie.get("d") if device and device["user_id"] == user["id"] else sessions.new_device(st, user, when.epoch)
    sid = sessions.open_session(st, user, workspace, when.epoch, device=token)
    users.record_login(st, user["id"], when)
    set_cookie(s=sid, d=token, w=workspace, c=None)
    g.user, g.workspace = user, workspace
    g.role = user["workspaces"][workspace]["role"]
    g.session = sessions.load_session(st, sid, when.epoch)


# -- first run ---------------------------------------------------------------------------------------------
@bp.route("/installation", methods=["GET", "POST"])
@public
def setup() -> Any:
    st = state()
    if users.admin_exists(st):
        return redirect(url_for("auth.login"))
    form = request.form if request.method == "POST" else {}
    if request.method == "GET":
        return render_template("web/setup.html", form=form, types=BUSINESS_TYPES, **form_choices())
    try:  # all or nothing: everything is checked, then the workbook is made, and only then the admin
        settings = _business_settings(form)
        passwords.check_password(form.get("password", ""))
        if form.get("password") != form.get("password2"):
            raise InvalidInputError("Les deux mots de passe ne sont pas identiques.")
        email = passwords.normalize_email(form.get("email", ""))
        admin_name = " ".join(clean_text(form.get("name", ""), "name").split())
        if not (2 <= len(admin_name) <= 80):
            raise InvalidInputError("Indiquez votre nom (2 à 80 caractères).", field="name")
        opening_balance = (form.get("opening_balance") or "").strip()
        opening.check(settings["currency"], opening_balance)
        promo = (form.get("promo_code") or "").strip()[:40]
        if promo:
            settings["promo_code"] = _check_promo(promo)
        when = moment()
        biz = registry().business(DEFAULT)
        biz.init(settings)  # a failure here leaves no admin and no set-up marker: the page can be sent again
        team.update_settings(biz, settings, admin_name)
        if opening_balance and parse_amount(opening_balance, settings["currency"]):
            biz.submit(opening.OpeningBalance(opening_balance), admin_name, idempotency_key="setup-opening-balance")
        if not st.create("accounts", "setup", {"at": when.local}):
            return redirect(url_for("auth.login"))
        try:
            user = users.create(st, name=form.get("name", ""), password=form.get("password", ""), email=email,
                                when=when, workspace=DEFAULT, role="admin")
        except TTRError:
            st.delete("accounts", "setup")
            raise
    except TTRError as exc:
        placed = str(getattr(exc, "field", "")) in SETUP_FIELDS  # shown under its field, not twice
        return render_template("web/setup.html", form=form, types=BUSINESS_TYPES, error="" if placed else exc.message,
                               errors={str(getattr(exc, "field", "")): exc.message},
                               **form_choices()), exc.status
    registry().set_default_name(settings["business_name"], user["id"])
    team.mirror_user(biz, users.public(user, DEFAULT), of_user(user))
    start_session(user, DEFAULT)
    notify("Bienvenue ! Votre entreprise est prête.")
    return redirect("/", 303)


SETUP_FIELDS = ("country", "currency", "timezone", "opening_balance")  # those whose error shows under them


def _business_settings(form: Any) -> dict[str, str]:
    name = " ".join((form.get("business_name") or "").split())
    if not (2 <= len(name) <= 80):
        raise InvalidInputError("Indiquez le nom de l'entreprise (2 à 80 caractères).")
    kind = (form.get("business_type_other") or "").strip() or (form.get("business_type") or "").strip()
    if not kind or len(kind) > 60:
        raise InvalidInputError("Choisissez un type d'activité ou écrivez le vôtre.")
    for key in ("business_name", "business_type", "business_type_other", *_LABELS):
        clean_text(str(form.get(key) or ""), key)  # a control character is refused, in French (issue 13)

    country = check_country(form.get("country") or "TG")  # chosen from lists: never a typo (issue 12)
    currency = check_currency(form.get("currency") or "XOF")
    zone = check_timezone(form.get("timezone") or "Africa/Lome")
    out = {"business_name": name, "business_type": kind, "country": country, "currency": currency,
           "timezone": zone}
    limits = {"phone": 30, "address": 200, "email": 120, "website": 200, "logo": 500, "receipt_terms": 500}
    for key, limit in limits.items():
        if key not in form:
            continue  # the first-run setup page does not ask for contacts
        value = " ".join(str(form.get(key) or "").split()) if key != "receipt_terms" else str(form.get(key) or "").strip()
        if len(value) > limit:
            raise InvalidInputError(f"{_LABELS[key]} : {limit} caractères au plus.")
        if key == "email" and value:
            Codec(currency).check_email(value)
        if key == "phone":  # one stored form, E.164, as for clients (shown national)
            from functions.phones import normalize

            value = normalize(value, country)
        if key in ("website", "logo") and value and not value.startswith(("https://", "http://")):
            raise InvalidInputError(f"{_LABELS[key]} : indiquez une adresse qui commence par https://")
        out[key] = value
    return out


_LABELS = {"phone": "Téléphone", "address": "Adresse", "email": "Email", "website": "Site web",
           "logo": "Logo (lien)", "receipt_terms": "Conditions du reçu"}


def _check_promo(code: str) -> str:
    """The code as saved: checked with ABT by ``functions.promo.validate`` when promo codes are set up;
    otherwise kept « à vérifier » (``ttr promo check CODE`` checks it and writes it clean)."""
    from functions.promo.config import PromoSettings

    promo = importlib.import_module("functions.promo")
    env = current_app.config["TTR_ENV"]
    saved = str(promo.validate(code, env))
    upstream = PromoSettings.from_env(dict(env))
    return saved if upstream.abt_url or upstream.uses_external_proxy() else f"{saved} (à vérifier)"


# -- login -------------------------------------------------------------------------------------------------
@bp.route("/connexion", methods=["GET", "POST"])
@public
def login() -> Any:
    return _login("email")


@bp.route("/connexion/telephone", methods=["GET", "POST"])
@public
def login_phone() -> Any:
    return _login("phone")


def _login(mode: str) -> Any:
    st = state()
    if not users.admin_exists(st):
        return redirect(url_for("auth.setup"))
    device = sessions.load_device(st, g.cookie.get("d"))
    pin = bool(device and device.get("pin"))
    if request.method == "GET":
        return render_template("web/login.html", mode=mode, form={}, pin=pin, suite=_next(""))
    form = request.form
    try:
        kw = {"email": form.get("email", "")} if mode == "email" else {"phone": form.get("phone", "")}
        user = users.authenticate(st, password=form.get("password", ""), address=_address(), when=moment(), **kw)
        start_session(user)
    except TTRError as exc:
        return render_template("web/login.html", mode=mode, form=form, pin=pin, suite=_next(""),
                               error=exc.message), exc.status
    return redirect(_next(), 303)


@bp.route("/pin", methods=["GET", "POST"])
@public
def pin() -> Any:
    st = state()
    token = g.cookie.get("d")
    device = sessions.load_device(st, token)
    if device is None or not device.get("pin"):
        return redirect(url_for("auth.login"))
    user = users.get(st, str(device["user_id"]))
    if request.method == "GET":
        return render_template("web/pin.html", who=user, suite=_next(""))
    try:
        user_id = sessions.check_pin(st, secret(), token, request.form.get("pin", ""))
        user = users.get(st, user_id)
        if user is None or not any(m.get("active") for m in user.get("workspaces", {}).values()):
            sessions.forget_device(st, token)
            raise users.InvalidCredentialsError("Ce compte est désactivé. Demandez à l'administrateur.")
        start_session(user)
    except TTRError as exc:
        if sessions.load_device(st, token) is None:
            set_cookie(d=None)
            notify(exc.message)
            return redirect(url_for("auth.login"), 303)
        return render_template("web/pin.html", who=user, suite=_next(""), error=exc.message), exc.status
    return redirect(_next(), 303)


@bp.post("/deconnexion")
def logout() -> Any:
    sessions.close_session(state(), g.cookie.get("s"))
    set_cookie(s=None)
    g.user = g.session = None
    notify("Vous êtes déconnecté.")
    response = redirect(url_for("auth.login"), 303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'  # the offline counter's copy goes too
    return response


# -- invitation --------------------------------------------------------------------------------------------
@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def invitation(token: str) -> Any:
    st = state()
    when = moment()
    invite = invitations.peek(st, token, when)  # GET changes nothing
    space = registry().get(invite["workspace"])
    if space is None:
        raise invitations.InvitationInvalidError()
    existing = users.find(st, phone=invite["phone"])
    context = {"invite": invite, "space": space, "existing": existing is not None}
    if request.method == "GET":
        return render_template("web/invitation.html", form={}, **context)
    form = request.form
    try:
        if existing is not None:
            user = users.authenticate(st, phone=invite["phone"], password=form.get("password", ""),
                                      address=_address(), when=when)
            invitations.spend(st, token, when)
            user = users.set_membership(st, user["id"], invite["workspace"], role=invite["role"], active=True)
        else:
            passwords.check_password(form.get("password", ""))
            if form.get("password") != form.get("password2"):
                raise InvalidInputError("Les deux mots de passe ne sont pas identiques.")
            invitations.spend(st, token, when)
            try:
                user = users.create(st, name=form.get("name", ""), password=form.get("password", ""),
                                    phone=invite["phone"], when=when, workspace=invite["workspace"],
                                    role=invite["role"])
            except TTRError:
                invitations.unspend(st, token)
                raise
    except TTRError as exc:
        return render_template("web/invitation.html", form=form, error=exc.message, **context), exc.status
    biz = registry().business(invite["workspace"])
    team.mirror_user(biz, users.public(user, invite["workspace"]), of_user(user))
    start_session(user, invite["workspace"])
    notify(f"Bienvenue dans l'équipe de {space['name']} !")
    return redirect("/", 303)


# -- settings ----------------------------------------------------------------------------------------------
@bp.get("/parametres")
def settings() -> Any:
    device = sessions.load_device(state(), g.cookie.get("d"))
    context: dict[str, Any] = {"device": sessions.device_summary(device)}
    if g.role == "admin":
        s = current_settings()
        context.update(business=s, switches=permissions.switches(s), types=BUSINESS_TYPES, **form_choices(),
                       opens={m: permissions.describe(m) for m in permissions.MODULES},
                       activity_url=url_for("office.settings") if "office.settings" in current_app.view_functions
                       else None)
    return render_template("web/settings.html", **context)


@bp.post("/parametres/pin")
def set_pin() -> Any:
    st = state()
    pin_value = request.form.get("pin", "")
    try:
        if pin_value != request.form.get("pin2", ""):
            raise InvalidInputError("Les deux codes PIN ne sont pas identiques.")
        token = g.cookie.get("d")
        if not token or sessions.load_device(st, token) is None:
            token = sessions.new_device(st, g.user, moment().epoch)
            set_cookie(d=token)
        sessions.set_pin(st, secret(), token, g.user["id"], pin_value)
    except TTRError as exc:
        notify(exc.message)
        return redirect(url_for("auth.settings"), 303)
    notify("Code PIN enregistré : il ouvrira votre session sur cet appareil.")
    return redirect(url_for("auth.settings"), 303)


@bp.post("/parametres/appareil/oublier")
def forget_device() -> Any:
    sessions.forget_device(state(), g.cookie.get("d"))
    set_cookie(d=None)
    notify("Connexion rapide désactivée sur cet appareil.")
    return redirect(url_for("auth.settings"), 303)


@bp.post("/parametres/entreprise")
@admin
def business_profile() -> Any:
    try:
        values = _business_settings(request.form)
        biz = registry().business(g.workspace)
        team.update_settings(biz, values, of_user(g.user))
        biz.init({"business_type": values["business_type"]})  # the prestations tab follows the type, renamed
    except TTRError as exc:
        notify(exc.message)
        return redirect(url_for("auth.settings"), 303)
    notify("Profil de l'entreprise enregistré.")
    return redirect(url_for("auth.settings"), 303)


@bp.post("/parametres/permissions")
@admin
def module_permissions() -> Any:
    schema_keys = {s.key for s in registry().business(g.workspace).workbook.schema.tab("settings").settings}
    values = {key: ("Oui" if request.form.get(module) == "Oui" else "Non")
              for module, (key, _, _) in permissions.MODULES.items() if key in schema_keys}
    team.update_settings(registry().business(g.workspace), values, of_user(g.user))
    notify("Permissions des employés enregistrées.")
    return redirect(url_for("auth.settings"), 303)


@bp.get("/style.css")
@public
def stylesheet() -> Any:
    css = (TEMPLATE_DIR / "web" / "style.css").read_text(encoding="utf-8")
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})


__all__ = ["bp", "csrf_token", "start_session"]
