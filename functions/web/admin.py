"""Admin pages: the team (invite, revoke, deactivate, reactivate) and the workspaces (switch, create)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from functions.accounts import invitations, sessions, team, users
from functions.errors import InvalidInputError, NotFoundError, TTRError
from functions.regional import form_choices
from functions.web.auth import BUSINESS_TYPES, _business_settings, admin
from functions.web.guard import ForbiddenError, moment, notify, registry, set_cookie, state

bp = Blueprint("team", __name__)


@bp.get("/equipe", endpoint="team")
@admin
def team_page() -> Any:
    return _team()


def _team(**extra: Any) -> Any:
    st = state()
    members = [users.public(u, g.workspace) for u in users.members(st, g.workspace)]
    pending = [invitations.summary(d) for d in invitations.pending(st, g.workspace, moment())]
    return render_template("web/team.html", members=members, pending=pending, form=extra.pop("form", {}), **extra)


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
    base = (current_app.config["TTR_ENV"].get("TTR_PUBLIC_URL") or request.host_url).rstrip("/")
    link = f"{base}{url_for('auth.invitation', token=token)}"
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


def _set_active(user_id: str, active: bool) -> Any:
    st = state()
    user = users.get(st, user_id)
    if user is None or g.workspace not in user.get("workspaces", {}):
        raise NotFoundError("Membre introuvable dans cet espace.")
    if user_id == g.user["id"]:
        raise InvalidInputError("Vous ne pouvez pas désactiver votre propre compte.")
    user = users.set_membership(st, user_id, g.workspace, active=active)
    team.mirror_user(registry().business(g.workspace), users.public(user, g.workspace), g.user["name"])
    notify(f"{user['name']} : compte {'réactivé' if active else 'désactivé'}.")
    return redirect(url_for("team.team"), 303)


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
    team.mirror_user(registry().business(record["id"]), users.public(user, record["id"]), user["name"])
    sessions.switch_workspace(st, g.cookie["s"], record["id"])
    set_cookie(w=record["id"])
    notify(f"Espace « {record['name']} » créé : vous y êtes.")
    return redirect("/", 303)
