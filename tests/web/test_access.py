"""Every route of the app's table is refused to whoever may not open it (the table, so none is forgotten)."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

PUBLIC = {"health", "auth.setup", "auth.login", "auth.login_phone", "auth.pin", "auth.invitation",
          "auth.stylesheet", "asset", "probe.probe_public", "team.reset_link", "team.forgot"}
SERVER = {"sync"}
LOGIN = {"home", "auth.logout", "auth.settings", "auth.set_pin", "auth.forget_device", "team.workspaces",
         "team.switch", "probe.probe_investments", "probe.probe_action"}
ADMIN = {"team.team", "team.invite", "team.revoke", "team.deactivate", "team.reactivate",
         "team.create_workspace", "auth.business_profile", "auth.module_permissions", "team.change_role",
         "team.change_workspaces", "team.reset_password"}


def routes(app) -> list[tuple[Rule, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return out


def url(rule: Rule) -> str:
    return rule.build({a: "XYZ" + "a" * 40 for a in rule.arguments}, append_unknown=False)[1]


def access(app, endpoint: str) -> str:
    view = app.view_functions[endpoint]
    return getattr(view, "ttr_access", None) or "login"


def test_every_route_is_classified(shell):
    """A new route must be added to one of the lists above: its access is a decision, not an accident."""
    endpoints = {r.endpoint for r in shell.app.url_map.iter_rules()}
    assert endpoints == PUBLIC | SERVER | LOGIN | ADMIN
    for name in PUBLIC:
        assert access(shell.app, name) == "public", name
    for name in SERVER:
        assert access(shell.app, name) == "server", name
    for name in ADMIN:
        assert access(shell.app, name) == "admin", name
    for name in LOGIN:
        assert access(shell.app, name) == "login", name


def test_anonymous_visitor_is_sent_to_login_everywhere(shell):
    client = shell.client()
    checked = 0
    for rule, method in routes(shell.app):
        if rule.endpoint in PUBLIC | SERVER:
            continue
        r = client.open(url(rule), method=method, data={"csrf": "x"})
        assert r.status_code in (302, 303), (rule.rule, method, r.status_code)
        assert r.headers["Location"].startswith("/connexion"), (rule.rule, r.headers["Location"])
        checked += 1
    assert checked >= len(LOGIN | ADMIN)


def test_employee_gets_403_on_every_admin_route(shell):
    client = shell.login_employee()
    token = shell.csrf(client, "/parametres")
    before = shell.state.list("users"), shell.state.list("invites"), shell.biz.workbook.backend.grid("Équipe")
    for rule, method in routes(shell.app):
        if rule.endpoint not in ADMIN:
            continue
        r = client.open(url(rule), method=method, data={"csrf": token, "phone": "+22891000000", "name": "X",
                                                        "business_name": "Pirate", "business_type": "Boutique"})
        assert r.status_code == 403, (rule.rule, method, r.status_code)
        assert "accès" in r.get_data(as_text=True)
    assert (shell.state.list("users"), shell.state.list("invites"),
            shell.biz.workbook.backend.grid("Équipe")) == before


def test_admin_opens_every_admin_page(shell):
    client = shell.login_admin()
    for rule, method in routes(shell.app):
        if method == "GET" and not rule.arguments and rule.endpoint not in PUBLIC | SERVER:
            assert client.get(url(rule)).status_code == 200, rule.rule


@pytest.mark.parametrize("path", ["/connexion", "/equipe", "/parametres", "/espaces", "/"])
def test_pages_stay_small(shell, path):
    client = shell.login_admin()
    r = client.get(path)
    assert r.status_code == 200
    assert len(r.data) < 100_000
    assert b"http://" not in r.data.replace(b"http://localhost", b"") and b"https://cdn" not in r.data


def test_module_switch_is_enforced_on_the_server_and_in_the_menu(shell):
    employee = shell.login_employee()
    assert employee.get("/probe/investissements").status_code == 403  # « Non » by default
    admin = shell.login_admin()
    r = admin.post("/parametres/permissions", data={"csrf": shell.csrf(admin, "/parametres"), "investments": "Oui",
                                                     "caisse": "Oui"})
    assert r.status_code == 303
    assert shell.biz.load(["settings"]).settings["perm_investments"] == "Oui"
    assert employee.get("/probe/investissements").status_code == 200
    admin.post("/parametres/permissions", data={"csrf": shell.csrf(admin, "/parametres")})
    assert employee.get("/probe/investissements").status_code == 403
    assert shell.biz.load(["settings"]).settings["perm_caisse"] == "Non"


def test_menu_shows_only_what_the_user_may_open(shell):
    admin_nav = shell.login_admin().get("/").get_data(as_text=True)
    employee_nav = shell.login_employee().get("/").get_data(as_text=True)
    assert 'href="/equipe"' in admin_nav and 'href="/equipe"' not in employee_nav
    assert 'href="/parametres"' in employee_nav


def test_post_without_csrf_is_refused(shell):
    client = shell.login_admin()
    r = client.post("/equipe/inviter", data={"phone": "+22891000000", "role": "employee"})
    assert r.status_code == 403
    assert shell.state.list("invites") == []
    r = client.post("/equipe/inviter", data={"csrf": "faux", "phone": "+22891000000", "role": "employee"})
    assert r.status_code == 403 and shell.state.list("invites") == []
    anonymous = shell.client()
    sessions_before = shell.state.list("sessions")
    r = anonymous.post("/connexion", data={"email": "awa@example.tg", "password": "motdepasse-awa"})
    assert r.status_code == 403 and shell.state.list("sessions") == sessions_before
    # the same action with the token works: the refusal above was the token
    r = client.post("/equipe/inviter", data={"csrf": shell.csrf(client, "/equipe"), "phone": "+22891000000",
                                             "role": "employee"})
    assert r.status_code == 200 and len(shell.state.list("invites")) == 1


def test_cookie_flags_and_security_headers(shell):
    local = shell.client()
    r = local.post("/connexion", data={"csrf": shell.csrf(local), "email": "awa@example.tg",
                                       "password": "motdepasse-awa"})
    cookie = r.headers["Set-Cookie"]
    assert "__session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    remote, public = shell.client(), "https://gestion.example.tg"
    page = remote.get("/connexion", base_url=public)
    assert "Secure" in page.headers["Set-Cookie"]
    r = remote.post("/connexion", base_url=public, data={"csrf": csrf(page), "email": "awa@example.tg",
                                                         "password": "motdepasse-awa"})
    assert r.status_code == 303 and "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    h = remote.get("/", base_url=public).headers
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"] and h["X-Content-Type-Options"] == "nosniff"
    assert h["Cache-Control"] == "no-store" and "max-age" in h["Strict-Transport-Security"]


def csrf(response) -> str:
    from tests.web.conftest import csrf_of

    return csrf_of(response.get_data(as_text=True))


def test_health_is_public_and_sync_needs_its_token(shell):
    client = shell.client()
    assert client.get("/sante").get_json() == {"ok": True}
    assert client.post("/sync").status_code == 401
    from functions.web.app import sync_token

    r = client.post("/sync", headers={"X-TTR-Token": sync_token(shell.biz, {})})
    assert r.status_code == 200 and "ecritures" in r.get_json()


def test_errors_are_french_and_never_a_traceback(shell):
    client = shell.login_admin()
    r = client.get("/nulle-part")
    assert r.status_code == 404 and "Page introuvable" in r.get_data(as_text=True)
    shell.biz.workbook.backend.fail_next_write = RuntimeError("disque plein")
    r = client.post("/parametres/permissions", data={"csrf": shell.csrf(client, "/parametres")})
    text = r.get_data(as_text=True)
    assert r.status_code == 500 and "Traceback" not in text and "disque plein" not in text


def test_every_route_of_the_full_app_with_its_peer_modules_is_guarded(biz):
    """The real app (peer blueprints included): whatever is not public or server needs a login."""
    from functions.accounts import users
    from functions.web.app import create_app
    from tests.web.conftest import SECRET

    app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET})
    biz.state.create("accounts", "setup", {"at": "x"})
    users.create(biz.state, name="Kofi Agbo", phone="+22890112233", password="motdepasse-kofi",
                 when=users.Moment(0, ""), workspace="principal", role="employee")
    anonymous, employee = app.test_client(), app.test_client()
    from tests.web.conftest import csrf_of

    r = employee.post("/connexion/telephone", data={"csrf": csrf_of(employee.get("/connexion/telephone").get_data(
        as_text=True)), "phone": "+22890112233", "password": "motdepasse-kofi"})
    assert r.status_code == 303
    token = csrf_of(employee.get("/parametres").get_data(as_text=True))
    for rule, method in routes(app):
        kind = access(app, rule.endpoint)
        if kind in ("public", "server"):
            continue
        r = anonymous.open(url(rule), method=method)
        assert r.status_code in (302, 303) and r.headers["Location"].startswith("/connexion"), rule.rule
        if kind != "login":
            r = employee.open(url(rule), method=method, data={"csrf": token})
            assert r.status_code == 403, rule.rule
