"""Who is asking, and may they: the session cookie, access rules, CSRF and security headers — once.

Every view says who may open it with attributes (no import needed)::

    view.ttr_access = "public"   # anyone (receipt pages, login, invitation)
    view.ttr_access = "server"   # the view checks a server token itself (no session, no CSRF)
    view.ttr_access = "admin"    # an admin of the current workspace
    (unset)                      # anyone logged in to the current workspace
    view.ttr_module = "caisse"   # and, for employees, the module's switch in Paramètres is « Oui »

Any other ``ttr_access`` value is treated as ``"admin"`` (fail closed). Every POST/PUT/PATCH/DELETE to a
view that is not ``"server"`` carries the CSRF token (form field ``csrf`` or header ``X-CSRF-Token``),
except a JSON body sent to a ``"public"`` view (a cross-site page cannot send ``application/json``
without a CORS preflight, and a public view does not act on the session).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from flask import Flask, Response, current_app, g, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from functions.accounts import permissions, sessions, users
from functions.accounts.users import Moment
from functions.accounts.workspaces import DEFAULT, Workspaces
from functions.errors import TTRError

log = logging.getLogger(__name__)

COOKIE = "__session"  # the only cookie Firebase Hosting forwards to a function
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
KNOWN_ACCESS = frozenset({None, "public", "server", "login", "admin"})


class ForbiddenError(TTRError):
    """Vous n'avez pas accès à cette page. Demandez à l'administrateur si vous en avez besoin."""

    status = 403


class CsrfError(TTRError):
    """Formulaire expiré ou envoyé d'ailleurs. Rechargez la page puis recommencez."""

    status = 403


def registry() -> Workspaces:
    return current_app.config["TTR_WORKSPACES"]


def state() -> Any:
    return registry().state


def moment() -> Moment:
    biz = registry().business(DEFAULT)
    return Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))


def secret() -> bytes:
    """The secret key (``TTR_SECRET_KEY``, or generated once into the global state)."""
    key = current_app.config.get("TTR_SECRET")
    if key is None:
        key = current_app.config["TTR_SECRET"] = sessions.secret_key(state(), current_app.config["TTR_ENV"])
    return bytes(key)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret(), salt="ttr-cookie")


# -- the cookie ----------------------------------------------------------------------------------------------
def load_context() -> None:
    g.cookie, g.cookie_dirty = {}, False
    g.user, g.session, g.role, g.workspace, g.notice = None, None, None, DEFAULT, None
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _serializer().loads(raw, max_age=sessions.DEVICE_DAYS * 86400)
            g.cookie = data if isinstance(data, dict) else {}
        except BadSignature:
            g.cookie_dirty = True
    if "n" in g.cookie:
        g.notice = str(g.cookie.pop("n"))[:300]
        g.cookie_dirty = True
    token = g.cookie.get("s")
    if not token:
        return
    st = state()
    session = sessions.load_session(st, token, moment().epoch)
    user = users.get(st, session["user_id"]) if session else None
    member = users.membership(user, session["workspace"]) if session else None
    if session is None or user is None or member is None or not sessions.still_valid(session, user) \
            or registry().get(session["workspace"]) is None:
        if session is not None:  # deactivated (or removed): this device's PIN goes too
            sessions.close_session(st, token)
            sessions.forget_device(st, session.get("device"))
            g.cookie.pop("d", None)
            g.cookie["n"] = ("Votre compte a été désactivé par l'administrateur : vous ne pouvez plus vous connecter "
                             "à cet espace. Demandez-lui de le réactiver si c'est une erreur.")
            if user is not None and user.get("phone") and not user.get("email"):
                g.login_endpoint = "auth.login_phone"  # an employee logs in by phone: back to that tab
        g.cookie.pop("s", None)
        g.cookie_dirty = True
        return
    g.user, g.session, g.role, g.workspace = user, session, member["role"], session["workspace"]


def set_cookie(**values: Any) -> None:
    for k, v in values.items():
        if v is None:
            g.cookie.pop(k, None)
        else:
            g.cookie[k] = v
    g.cookie_dirty = True


def notify(message: str) -> None:
    set_cookie(n=message)


def csrf_token() -> str:
    if g.get("session"):
        return str(g.session["csrf"])
    if "c" not in g.cookie:
        set_cookie(c=secrets.token_urlsafe(32))
    return str(g.cookie["c"])


def _is_local() -> bool:
    """This machine or the shop's own network (``ttr serve --host 0.0.0.0`` reached by phones on the LAN as
    http://192.168.1.10:8080): plain http there, so the cookie cannot be marked Secure. A domain name is not."""
    import ipaddress

    raw = request.host or ""
    host = raw[1:].split("]", 1)[0] if raw.startswith("[") else raw.rsplit(":", 1)[0]
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def save_cookie(response: Response) -> Response:
    if g.get("cookie_dirty"):
        if g.cookie:
            response.set_cookie(COOKIE, _serializer().dumps(g.cookie), max_age=sessions.DEVICE_DAYS * 86400,
                                httponly=True, samesite="Lax", secure=not _is_local(), path="/")
        else:
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=not _is_local())
    return response


# -- access --------------------------------------------------------------------------------------------------
def enforce() -> Any:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None  # 404 / 405 answered by Flask
    access = getattr(view, "ttr_access", None)
    if access not in KNOWN_ACCESS:
        log.error("ttr_access inconnu %r sur %s : traité comme « admin »", access, request.endpoint)
        access = "admin"
    if access == "server":
        return None
    if access != "public":
        if g.user is None:
            return login_redirect()
        if access == "admin" and g.role != "admin":
            raise ForbiddenError()
        module = getattr(view, "ttr_module", None)
        if module is not None and g.role != "admin" and not permissions.allowed(g.role, module, current_settings()):
            label = permissions.MODULES[module][1] if module in permissions.MODULES else module
            raise ForbiddenError(f"Le module « {label} » n'est pas ouvert aux employés. Demandez à l'administrateur.")
    if request.method not in SAFE and not (access == "public" and request.is_json):
        given = request.form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
        if not hmac.compare_digest(given.encode(), csrf_token().encode()):
            raise CsrfError()
    return None


def login_redirect() -> Any:
    if not users.admin_exists(state()):
        return redirect(url_for("auth.setup"))
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    device = sessions.load_device(state(), g.cookie.get("d"))
    endpoint = "auth.pin" if device and device.get("pin") and device.get("user_id") else g.get("login_endpoint", "auth.login")
    return redirect(url_for(endpoint, suite=target) if target and target != "/" else url_for(endpoint), 303)


#: How old a read a page may show (seconds). Every page asks the workbook's version (one small Drive request
#: on Google, the zip directory of an .xlsx) rather than trusting the 20 s read of ``Business.book``: a cell a
#: person types in the sheet shows on the next page view, and the tabs are read again only when it changed.
PAGE_MAX_AGE = 0.0


def revalidate() -> None:
    """Before a page (GET) of a person who is logged in: the workbook's read is checked, and read again only
    if the workbook changed (``Business.book``)."""
    if request.method != "GET" or g.get("user") is None:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "ttr_access", None) in ("public", "server"):
        return  # receipts, assets and tokens read nothing of the workbook here
    registry().business(g.workspace).book(max_age=PAGE_MAX_AGE)


def current_settings() -> dict[str, str]:
    if "settings" not in g:
        g.settings = registry().business(g.workspace).book().settings  # the per-instance cached read
    return g.settings


def security_headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' "
                 "'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                 "form-action 'self'")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if g.get("user") is not None or request.path.startswith("/invitation/"):
        h["Cache-Control"] = "no-store"
    if not _is_local():
        h.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def install(app: Flask) -> None:
    app.before_request(load_context)
    app.before_request(enforce)
    app.before_request(revalidate)
    app.after_request(save_cookie)
    app.after_request(security_headers)
