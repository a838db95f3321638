"""Workspaces: each its own workbook and state; nothing of one reachable from another."""

from __future__ import annotations

import re

from flask import current_app

from functions.accounts.workspaces import DEFAULT
from tests.web.conftest import csrf_of


def create_space(shell, admin, name="Boutique du Marché"):
    r = admin.post("/espaces/nouveau", data={"csrf": shell.csrf(admin, "/espaces"), "name": name,
                                              "business_type": "Boutique", "country": "TG", "currency": "XOF",
                                              "timezone": "Africa/Lome"})
    assert r.status_code == 303
    registry = shell.app.config["TTR_WORKSPACES"]
    return next(w for w in registry.all() if w["name"] == name)


def test_admin_creates_a_workspace_with_its_own_workbook_and_switches(shell):
    admin = shell.login_admin()
    space = create_space(shell, admin)
    registry = shell.app.config["TTR_WORKSPACES"]
    other = registry.business(space["id"])
    assert other.workbook is not shell.biz.workbook and other.state is not shell.biz.state
    assert other.load(["settings"]).settings["business_name"] == "Boutique du Marché"
    assert "Boutique du Marché" in admin.get("/").get_data(as_text=True)  # switched to it
    other.add("clients", {"name": "Client de la boutique"}, "test")
    assert [c["name"] for c in other.load(["clients"]).rows("clients")] == ["Client de la boutique"]
    assert shell.biz.load(["clients"]).rows("clients") == []
    # the counters and the Journal chain are separate too
    assert other.state.get("journal", "head") != shell.biz.state.get("journal", "head")
    assert [t["name"] for t in other.load(["team"]).rows("team")] == ["Awa Mensah"]
    r = admin.post("/espaces/changer", data={"csrf": shell.csrf(admin, "/espaces"), "espace": DEFAULT})
    assert r.status_code == 303 and "Chez Awa" in admin.get("/").get_data(as_text=True)


def test_employee_cannot_reach_another_workspace(shell):
    admin = shell.login_admin()
    space = create_space(shell, admin)
    employee = shell.login_employee()
    token = shell.csrf(employee, "/espaces")
    assert "Boutique du Marché" not in employee.get("/espaces").get_data(as_text=True)
    r = employee.post("/espaces/changer", data={"csrf": token, "espace": space["id"]})
    assert r.status_code == 403
    assert "Chez Awa" in employee.get("/").get_data(as_text=True)
    # the business of a request is always the session's workspace
    with shell.app.test_request_context("/"):
        from flask import g

        g.workspace, g.user = DEFAULT, shell.employee
        assert current_app.config["TTR_BUSINESS"]() is shell.biz
        assert set(current_app.config["TTR_BUSINESSES"]()) == {DEFAULT}


def test_admin_of_one_workspace_cannot_touch_members_of_another(shell):
    admin = shell.login_admin()
    space = create_space(shell, admin)  # the admin is now in the new workspace
    r = admin.post(f"/equipe/{shell.employee['id']}/desactiver", data={"csrf": shell.csrf(admin, "/equipe")})
    assert r.status_code == 404
    assert shell.state.get("users", shell.employee["id"])["workspaces"][DEFAULT]["active"] is True
    team = admin.get("/equipe").get_data(as_text=True)
    assert "Kofi Agbo" not in team
    # invitations of one workspace are listed and revocable only there
    admin.post("/equipe/inviter", data={"csrf": csrf_of(team), "phone": "+22891000009", "role": "employee"})
    invite_id = re.search(r"/equipe/invitation/([0-9a-f]+)/annuler", admin.get("/equipe").get_data(as_text=True))[1]
    admin.post("/espaces/changer", data={"csrf": shell.csrf(admin, "/espaces"), "espace": DEFAULT})
    assert invite_id not in admin.get("/equipe").get_data(as_text=True)
    r = admin.post(f"/equipe/invitation/{invite_id}/annuler", data={"csrf": shell.csrf(admin, "/equipe")})
    assert r.status_code == 404
    assert space["id"] != DEFAULT


def test_employee_invited_to_a_second_workspace_joins_with_their_password(shell):
    admin = shell.login_admin()
    space = create_space(shell, admin)
    r = admin.post("/equipe/inviter", data={"csrf": shell.csrf(admin, "/equipe"), "phone": "+228 90 11 22 33",
                                            "role": "employee"})
    path = re.search(r'class="link">([^<]+)<', r.get_data(as_text=True))[1].replace("http://localhost", "")
    employee = shell.login_employee()
    page = employee.get(path).get_data(as_text=True)
    assert "déjà un compte" in page
    r = employee.post(path, data={"csrf": csrf_of(page), "password": "pas-le-bon-mdp"})
    assert r.status_code == 401
    r = employee.post(path, data={"csrf": csrf_of(page), "password": "motdepasse-kofi"})
    assert r.status_code == 303
    assert "Boutique du Marché" in employee.get("/espaces").get_data(as_text=True)
    user = shell.state.get("users", shell.employee["id"])
    assert set(user["workspaces"]) == {DEFAULT, space["id"]}
    # deactivated in the new workspace only: the default one still opens
    admin.post(f"/equipe/{shell.employee['id']}/desactiver", data={"csrf": shell.csrf(admin, "/equipe")})
    assert employee.get("/").status_code == 303
    shell.login_employee(employee)
    assert "Chez Awa" in employee.get("/").get_data(as_text=True)
