"""Admin pages: the team (invite, revoke, deactivate, reactivate, reset a password, change a role and the
workspaces of a member), the workspaces (switch, create), and the public pages of a password reset (the link,
« mot de passe oublié »)."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from functions.accounts import invitations, recovery, sessions, team, users
from functions.accounts.identity import of_user
from functions.accounts.workspaces import DEFAULT
from functions.errors import InvalidInputError, NotFoundError, TTRError
from functions.regional import form_choices
from functions.state.base import Doc
from functions.web.auth import BUSINESS_TYPES, _address, _business_settings, admin, public
from functions.web.guard import ForbiddenError, moment, notify, registry, set_cookie, state

bp = Blueprint("team", __name__)


@bp.get("/equipe", endpoint="team")
@admin
def team_page() -> Any:
    return _team()


def _team(**extra: Any) -> Any:
    st = state()
    found = users.members(st, g.workspace)
    members = [users.public(u, g.workspace) for u in found]
    spaces = _manageable()
    joined = {u["id"]: {w for w, m in u.get("workspaces", {}).items() if m.get("active")} for u in found}
    pending = [invitations.summary(d) for d in invitations.pending(st, g.workspace, moment())]
    return render_template("web/team.html", members=members, pending=pending, form=extra.pop("form", {}),
                           spaces=spaces, joined=joined, roles=users.ROLES, **extra)


def _manageable() -> list[Doc]:
    """The workspaces where the current user is an active admin (those whose members they may change)."""
    return [w for w in registry().all()
            if (users.membership(g.user, str(w["id"])) or {}).get("role") == "admin"]


def _base() -> str:
    return (current_app.config["TTR_ENV"].get("TTR_PUBLIC_URL") or request.host_url).rstrip("/")


@bp.post("/equipe/inviter")
@admin
def invite() -> Any:
    st = state()
    try:
        token, doc = invitations.create(st, workspace=g.workspace, phone=request.form.get("phone", ""),
                                        role=request.form.get("role", "employee"), invited_by=g.user["id"],
                                        when=moment())
    except TTRError as exc:
        return _team(error=exc.message, form=request.form), exc.status
    link = f"{_base()}{url_for('auth.invitation', token=token)}"
    space = registry().get(g.workspace) or {}
    whatsapp = invitations.whatsapp_link(doc["phone"], str(space.get("name", "")), link)
    return render_template("web/invited.html", link=link, whatsapp=whatsapp, invite=doc,
                           role=users.ROLES[doc["role"]], hours=invitations.VALID_HOURS)


@bp.post("/equipe/invitation/<invite_id>/annuler")
@admin
def revoke(invite_id: str) -> Any:
    invitations.revoke(state(), g.workspace, invite_id)
    notify("Invitation annulée : le lien ne fonctionne plus.")
    return redirect(url_for("team.team"), 303)


@bp.post("/equipe/<user_id>/desactiver")
@admin
def deactivate(user_id: str) -> Any:
    return _set_active(user_id, False)


@bp.post("/equipe/<user_id>/reactiver")
@admin
def reactivate(user_id: str) -> Any:
    return _set_active(user_id, True)


def _member(user_id: str) -> Doc:
    user = users.get(state(), user_id)
    if user is None or g.workspace not in user.get("workspaces", {}):
        raise NotFoundError("Membre introuvable dans cet espace.")
    return user


def _set_active(user_id: str, active: bool) -> Any:
    _member(user_id)
    if user_id == g.user["id"]:
        raise InvalidInputError("Vous ne pouvez pas désactiver votre propre compte.")
    return _change(user_id, f"compte {'réactivé' if active else 'désactivé'}", active=active)


def _change(user_id: str, what: str, **change: Any) -> Any:
    """Set the membership in this workspace (the last admin guarded), mirror it to Équipe, say ``what``."""
    try:
        user = users.set_membership(state(), user_id, g.workspace, **change)
    except TTRError as exc:
        notify(exc.message)
        return redirect(url_for("team.team"), 303)
    team.mirror_user(registry().business(g.workspace), users.public(user, g.workspace), of_user(g.user))
    notify(f"{user['name']} : {what}.")
    return redirect(url_for("team.team"), 303)


@bp.post("/equipe/<user_id>/role")
@admin
def change_role(user_id: str) -> Any:
    """Administrateur or Employé in this workspace; never the last active admin demoted."""
    user = _member(user_id)
    role = request.form.get("role", "")
    if role == user["workspaces"][g.workspace].get("role"):
        return redirect(url_for("team.team"), 303)
    return _change(user_id, f"rôle « {users.ROLES.get(role, role)} » dans cet espace", role=role)


@bp.post("/equipe/<user_id>/espaces")
@admin
def change_workspaces(user_id: str) -> Any:
    """Open or close the member's access to the workspaces the admin manages (each Équipe tab follows)."""
    user = _member(user_id)
    if user_id == g.user["id"]:
        raise InvalidInputError("Vous ne pouvez pas modifier vos propres espaces ici.")
    chosen = set(request.form.getlist("espace"))
    role = user["workspaces"][g.workspace].get("role", "employee")
    changed = []
    for space in _manageable():
        wid = str(space["id"])
        member = user.get("workspaces", {}).get(wid)
        on = bool(member and member.get("active"))
        if (wid in chosen) == on:
            continue
        try:
            user = users.set_membership(state(), user_id, wid, active=not on,
                                        role=None if member else role)
        except TTRError as exc:
            notify(f"{space['name']} : {exc.message}")
            return redirect(url_for("team.team"), 303)
        team.mirror_user(registry().business(wid), users.public(user, wid), of_user(g.user))
        changed.append(f"{space['name']} {'ouvert' if not on else 'fermé'}")
    notify(f"{user['name']} : " + (", ".join(changed) if changed else "aucun changement") + ".")
    return redirect(url_for("team.team"), 303)


@bp.post("/equipe/<user_id>/mot-de-passe")
@admin
def reset_password(user_id: str) -> Any:
    """The old password, sessions and PIN end now; the admin sends the new single-use link."""
    from functions.reminders.messages import wa_link

    try:
        token, doc, user = recovery.by_admin(state(), user_id, g.workspace, g.user, moment())
    except InvalidInputError as exc:
        notify(exc.message)
        return redirect(url_for("team.team"), 303)
    failed = recovery.journal(registry(), user, "admin", of_user(g.user))
    link = f"{_base()}{url_for('team.reset_link', token=token)}"
    space = registry().get(g.workspace) or {}
    hours = int(doc["minutes"]) // 60
    whatsapp = wa_link(user["phone"].lstrip("+"), recovery.whatsapp_text(str(space.get("name", "")), link, hours)) \
        if user.get("phone") else ""
    response = make_response(render_template("web/reset_link.html", link=link, whatsapp=whatsapp, who=user,
                                             hours=hours, failed=failed))
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the public pages of a reset -----------------------------------------------------------------------------
@bp.route(recovery.PATH + "<token>", methods=["GET", "POST"])
@public
def reset_link(token: str) -> Any:
    """GET reads only (WhatsApp previews links); POST spends the link and sets the new password."""
    st = state()
    when = moment()
    try:
        _doc, user = recovery.peek(st, token, when)
        if request.method == "POST":
            user = recovery.complete(st, token, request.form.get("password", ""), request.form.get("password2", ""),
                                     when)
    except recovery.ResetLinkInvalidError as exc:
        return _no_store(render_template("web/reset_invalid.html", message=exc.message), exc.status)
    except TTRError as exc:
        return _no_store(render_template("web/reset.html", who=user, error=exc.message), exc.status)
    if request.method == "GET":
        return _no_store(render_template("web/reset.html", who=user))
    recovery.journal(registry(), user, "done", of_user(user))
    sessions.close_session(st, g.cookie.get("s"))
    set_cookie(s=None, d=None)
    notify("Mot de passe enregistré : connectez-vous avec le nouveau.")
    return redirect(url_for("auth.login" if user.get("email") else "auth.login_phone"), 303)


#: « Mot de passe oublié » answers no sooner than this, whether an email left or not (timing tells nothing).
FORGOT_FLOOR_SECONDS = 2.0


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@public
def forgot() -> Any:
    env = current_app.config["TTR_ENV"]
    enabled = bool(env.get("SMTP_URL"))
    if request.method == "GET" or not enabled:
        return render_template("web/forgot.html", enabled=enabled, sent=False, form={})
    started = time.monotonic()
    try:
        user = recovery.request_by_email(state(), request.form.get("email", ""), _address(), moment(), _send_email)
        if user is not None:
            recovery.journal(registry(), user, "email", "mot de passe oublié")
    except TTRError as exc:
        return render_template("web/forgot.html", enabled=True, sent=False, form=request.form,
                               error=exc.message), exc.status
    time.sleep(max(0.0, FORGOT_FLOOR_SECONDS - (time.monotonic() - started)))
    return render_template("web/forgot.html", enabled=True, sent=True, form={})


def _send_email(user: Doc, token: str, doc: Doc) -> None:
    """The link by SMTP (``SMTP_URL``), on the configured public address only: a link built from the
    request's Host header would let anyone send a victim a link to their own site."""
    from functions.reminders.channels import EmailChannel, Message

    env = current_app.config["TTR_ENV"]
    base = (env.get("TTR_PUBLIC_URL") or "").rstrip("/")
    if not base and request.host.split(":")[0] in ("127.0.0.1", "localhost"):
        base = request.host_url.rstrip("/")
    if not base:
        raise RuntimeError("TTR_PUBLIC_URL manquant : lien de réinitialisation non envoyé")
    spaces = sorted(user.get("workspaces", {}), key=lambda w: (w != DEFAULT, w))
    space = registry().get(spaces[0]) or {} if spaces else {}
    subject, text = recovery.email_text(str(space.get("name", "")), f"{base}{recovery.PATH}{token}", int(doc["minutes"]))
    channel = EmailChannel(env["SMTP_URL"], sender=env.get("SMTP_FROM", ""))
    channel.send(Message(key=f"reset.{doc['id']}", rule="reset", channel="email", address=str(user["email"]),
                         subject=subject, text=text, business=str(space.get("name", ""))))


def _no_store(body: str, status: int = 200) -> Any:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- workspaces --------------------------------------------------------------------------------------------
@bp.get("/espaces")
def workspaces() -> Any:
    mine = [w for w in registry().all() if users.membership(g.user, str(w["id"]))]
    roles = {str(w["id"]): users.ROLES[g.user["workspaces"][str(w["id"])]["role"]] for w in mine}
    return render_template("web/workspaces.html", spaces=mine, roles=roles, types=BUSINESS_TYPES, **form_choices(),
                           google=not getattr(registry().business("principal").workbook.backend, "path", None)
                           and type(registry().business("principal").workbook.backend).__name__ != "MemoryBackend")


@bp.post("/espaces/changer")
def switch() -> Any:
    target = request.form.get("espace", "")
    if registry().get(target) is None or users.membership(g.user, target) is None:
        raise ForbiddenError("Vous n'avez pas accès à cet espace.")
    sessions.switch_workspace(state(), g.cookie["s"], target)
    set_cookie(w=target)
    notify(f"Espace : {registry().get(target)['name']}.")  # type: ignore[index]
    return redirect("/", 303)


@bp.post("/espaces/nouveau")
@admin
def create_workspace() -> Any:
    st = state()
    form = request.form
    try:
        settings = _business_settings({**form, "business_name": form.get("name", "")})
        settings.pop("business_name")
        record = registry().create(form.get("name", ""), g.user["id"], settings, moment().local,
                                   sheet_url=form.get("sheet_url", ""))
    except TTRError as exc:
        notify(exc.message)
        return redirect(url_for("team.workspaces"), 303)
    user = users.set_membership(st, g.user["id"], record["id"], role="admin", active=True)
    team.mirror_user(registry().business(record["id"]), users.public(user, record["id"]), of_user(user))
    sessions.switch_workspace(st, g.cookie["s"], record["id"])
    set_cookie(w=record["id"])
    notify(f"Espace « {record['name']} » créé : vous y êtes.")
    return redirect("/", 303)
