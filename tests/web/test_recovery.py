"""The web side of password resets, roles and workspaces of a member, and « mot de passe oublié » by email.

The admin resets Kofi from Équipe: his old password and his open session stop at once, the link works once
(a second use and an expired link give a clear French page), the new password logs him in. Roles and
workspaces change from the same page, never leaving a workspace without an admin. The forgotten-password
page answers the same for any email; the email goes through the local SMTP fake.
"""

from __future__ import annotations

import html
import re

import pytest

from functions.accounts import recovery, team, users
from functions.accounts.workspaces import DEFAULT
from functions.web import admin as admin_views
from tests.web.conftest import ADMIN, EMPLOYEE, csrf_of
from tests.web.test_workspaces import create_space


@pytest.fixture(autouse=True)
def _no_floor(monkeypatch):
    monkeypatch.setattr(admin_views, "FORGOT_FLOOR_SECONDS", 0.0)


def reset_kofi(shell, admin):
    r = admin.post(f"/equipe/{shell.employee['id']}/mot-de-passe", data={"csrf": shell.csrf(admin, "/equipe")})
    assert r.status_code == 200, r.get_data(as_text=True)
    page = r.get_data(as_text=True)
    link = re.search(r'<p class="link">([^<]+)</p>', page).group(1)
    return link.replace("http://localhost", ""), page, r


def phone_login(client, shell, password):
    return client.post("/connexion/telephone", data={"csrf": shell.csrf(client, "/connexion/telephone"),
                                                    "phone": EMPLOYEE[0], "password": password})


def journal(shell):
    return [(r["actor"], r["action"], r["changes"]) for r in shell.biz.load(["journal"]).all_rows("journal")]


def test_admin_resets_an_employee_who_sets_a_new_password_and_logs_in(shell):
    admin = shell.login_admin()
    kofi_phone = shell.login_employee()
    assert kofi_phone.get("/").status_code == 200
    team_page = admin.get("/equipe").get_data(as_text=True)
    assert "Réinitialiser le mot de passe" in team_page

    path, page, response = reset_kofi(shell, admin)
    assert path.startswith("/reinitialiser/") and response.headers["Cache-Control"] == "no-store"
    assert "https://wa.me/22890112233?text=" in page and "Kofi Agbo" in page
    # at once: the old session is refused, the old password too
    r = kofi_phone.get("/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/connexion")
    assert phone_login(shell.client(), shell, EMPLOYEE[1]).status_code == 401

    kofi = shell.client()
    form = kofi.get(path)
    assert form.status_code == 200 and "Nouveau mot de passe" in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "no-store"
    token = csrf_of(form.get_data(as_text=True))
    assert kofi.post(path, data={"password": "nouveau-kofi-1", "password2": "nouveau-kofi-1"}).status_code == 403
    bad = kofi.post(path, data={"csrf": token, "password": "nouveau-kofi-1", "password2": "autre"})
    assert bad.status_code == 400 and "pas identiques" in bad.get_data(as_text=True)
    done = kofi.post(path, data={"csrf": token, "password": "nouveau-kofi-1", "password2": "nouveau-kofi-1"})
    assert done.status_code == 303 and done.headers["Location"] == "/connexion/telephone"
    assert "Mot de passe enregistré" in kofi.get("/connexion/telephone").get_data(as_text=True)

    again = kofi.post(path, data={"csrf": shell.csrf(kofi), "password": "troisieme-mdp", "password2": "troisieme-mdp"})
    assert again.status_code == 410 and "n'est plus valable" in html.unescape(again.get_data(as_text=True))
    assert kofi.get(path).status_code == 410

    assert phone_login(shell.client(), shell, "nouveau-kofi-1").status_code == 303
    assert phone_login(shell.client(), shell, EMPLOYEE[1]).status_code == 401
    actions = journal(shell)
    assert ("Awa Mensah", "mot de passe", recovery.TEXTS["admin"]) in actions
    assert ("Kofi Agbo", "mot de passe", recovery.TEXTS["done"]) in actions
    assert path.rsplit("/", 1)[1] not in repr(shell.biz.load(["journal"]).all_rows("journal"))


def test_the_old_session_cookie_is_refused_after_the_reset(shell):
    admin = shell.login_admin()
    kofi = shell.login_employee()
    cookie = kofi.get_cookie("__session").value
    path, _page, _ = reset_kofi(shell, admin)
    thief = shell.client()
    thief.set_cookie("__session", cookie)
    r = thief.get("/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/connexion")
    other = shell.client()
    form = other.get(path)
    other.post(path, data={"csrf": csrf_of(form.get_data(as_text=True)), "password": "nouveau-kofi-1",
                           "password2": "nouveau-kofi-1"})
    thief.set_cookie("__session", cookie)
    assert thief.get("/").status_code == 303


def test_an_expired_link_gives_a_clear_french_page(shell):
    admin = shell.login_admin()
    path, _page, _ = reset_kofi(shell, admin)
    shell.advance(hours=24, minutes=1)
    r = shell.client().get(path)
    text = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 410 and "n'est plus valable" in text and "Demandez un nouveau lien" in text
    assert shell.client().get("/reinitialiser/" + "x" * 43).status_code == 410


def test_an_admin_cannot_reset_their_own_password_from_the_team_page(shell):
    admin = shell.login_admin()
    r = admin.post(f"/equipe/{shell.admin['id']}/mot-de-passe", data={"csrf": shell.csrf(admin, "/equipe")})
    assert r.status_code == 303
    assert "ttr admin reset" in admin.get("/equipe").get_data(as_text=True)
    assert shell.state.list("resets") == []


def test_role_changes_are_mirrored_and_never_remove_the_last_admin(shell):
    team.mirror_user(shell.biz, users.public(shell.employee, DEFAULT), "Awa Mensah")  # Kofi is in Équipe
    admin = shell.login_admin()
    kofi_id, awa_id = shell.employee["id"], shell.admin["id"]
    r = admin.post(f"/equipe/{awa_id}/role", data={"csrf": shell.csrf(admin, "/equipe"), "role": "employee"})
    assert r.status_code == 303 and "dernier administrateur" in admin.get("/equipe").get_data(as_text=True)
    r = admin.post(f"/equipe/{kofi_id}/role", data={"csrf": shell.csrf(admin, "/equipe"), "role": "admin"})
    assert r.status_code == 303
    roles = {t["name"]: t["role"] for t in shell.biz.load(["team"]).rows("team")}
    assert roles["Kofi Agbo"] == "Administrateur"
    assert ("Awa Mensah", "modification", "Rôle : Employé → Administrateur") in journal(shell)
    kofi = shell.login_employee()
    assert kofi.get("/equipe").status_code == 200  # his role is read from the state at each request
    r = kofi.post(f"/equipe/{awa_id}/role", data={"csrf": shell.csrf(kofi, "/equipe"), "role": "employee"})
    assert r.status_code == 303
    assert kofi.get("/equipe").status_code == 200 and shell.login_admin().get("/equipe").status_code == 403
    r = kofi.post(f"/equipe/{kofi_id}/role", data={"csrf": shell.csrf(kofi, "/equipe"), "role": "employee"})
    assert "dernier administrateur" in kofi.get("/equipe").get_data(as_text=True)
    assert shell.state.get("users", kofi_id)["workspaces"][DEFAULT]["role"] == "admin"
    r = kofi.post(f"/equipe/{awa_id}/role", data={"csrf": shell.csrf(kofi, "/equipe"), "role": "patron"})
    assert "Rôle inconnu" in kofi.get("/equipe").get_data(as_text=True)


def test_workspaces_of_a_member_open_and_close_with_their_equipe_tab(shell):
    admin = shell.login_admin()
    space = create_space(shell, admin)
    admin.post("/espaces/changer", data={"csrf": shell.csrf(admin, "/espaces"), "espace": DEFAULT})
    kofi_id = shell.employee["id"]
    page = admin.get("/equipe").get_data(as_text=True)
    assert f'value="{space["id"]}"' in page
    r = admin.post(f"/equipe/{kofi_id}/espaces", data={"csrf": shell.csrf(admin, "/equipe"),
                                                       "espace": [DEFAULT, space["id"]]})
    assert r.status_code == 303
    other = shell.app.config["TTR_WORKSPACES"].business(space["id"])
    rows = {t["name"]: (t["role"], t["active"]) for t in other.load(["team"]).rows("team")}
    assert rows["Kofi Agbo"] == ("Employé", "Oui")
    kofi = shell.login_employee()
    assert kofi.post("/espaces/changer", data={"csrf": shell.csrf(kofi, "/espaces"),
                                               "espace": space["id"]}).status_code == 303
    r = admin.post(f"/equipe/{kofi_id}/espaces", data={"csrf": shell.csrf(admin, "/equipe"), "espace": [DEFAULT]})
    assert r.status_code == 303
    rows = {t["name"]: (t["role"], t["active"]) for t in other.load(["team"]).rows("team")}
    assert rows["Kofi Agbo"] == ("Employé", "Non")
    assert [j["changes"] for j in other.load(["journal"]).all_rows("journal")][-1] == "Actif : Oui → Non"
    r = kofi.get("/")  # his session was in the closed workspace
    assert r.status_code == 303 and r.headers["Location"].startswith("/connexion")
    r = admin.post(f"/equipe/{shell.admin['id']}/espaces", data={"csrf": shell.csrf(admin, "/equipe")})
    assert r.status_code == 400 and shell.state.get("users", shell.admin["id"])["workspaces"][space["id"]]["active"]


@pytest.fixture
def smtp():
    pytest.importorskip("aiosmtpd")
    from tests.fakes.smtp import FakeSmtp

    with FakeSmtp() as fake:
        yield fake


def test_forgotten_password_by_email_answers_the_same_and_the_link_works(shell, smtp):
    shell.app.config["TTR_ENV"]["SMTP_URL"] = smtp.url
    client = shell.client()
    assert 'href="/mot-de-passe-oublie"' in client.get("/connexion").get_data(as_text=True)
    page = client.get("/mot-de-passe-oublie").get_data(as_text=True)
    assert "Recevoir le lien" in page
    token = csrf_of(page)
    assert client.post("/mot-de-passe-oublie", data={"email": ADMIN[0]}).status_code == 403  # CSRF
    unknown = client.post("/mot-de-passe-oublie", data={"csrf": token, "email": "personne@example.tg"})
    known = client.post("/mot-de-passe-oublie", data={"csrf": token, "email": ADMIN[0]})
    assert unknown.status_code == known.status_code == 200
    assert unknown.get_data(as_text=True) == known.get_data(as_text=True)
    assert "Si un compte existe" in known.get_data(as_text=True)
    assert len(smtp.messages) == 1 and smtp.envelopes[0][1] == [ADMIN[0]]
    body = smtp.messages[0].get_content()
    assert "30 minutes" in body and "réinitialiser" in smtp.messages[0]["Subject"]
    link = re.search(r"http://localhost(/reinitialiser/\S+)", body).group(1)
    # the old password still works until the link is used: anyone may ask for a link
    assert shell.login_admin() is not None
    awa = shell.client()
    form = awa.get(link)
    r = awa.post(link, data={"csrf": csrf_of(form.get_data(as_text=True)), "password": "nouveau-awa-1",
                             "password2": "nouveau-awa-1"})
    assert r.status_code == 303 and r.headers["Location"] == "/connexion"
    login = awa.post("/connexion", data={"csrf": shell.csrf(awa), "email": ADMIN[0], "password": ADMIN[1]})
    assert login.status_code == 401
    login = awa.post("/connexion", data={"csrf": shell.csrf(awa), "email": ADMIN[0], "password": "nouveau-awa-1"})
    assert login.status_code == 303
    assert ("mot de passe oublié", "mot de passe", recovery.TEXTS["email"]) in journal(shell)


def test_forgotten_password_is_limited_per_address_and_per_email(shell, smtp):
    shell.app.config["TTR_ENV"]["SMTP_URL"] = smtp.url
    client = shell.client()
    token = shell.csrf(client, "/mot-de-passe-oublie")
    for _ in range(recovery.EMAIL_LIMIT + 2):
        r = client.post("/mot-de-passe-oublie", data={"csrf": token, "email": ADMIN[0]})
        assert r.status_code == 200 and "Si un compte existe" in r.get_data(as_text=True)
    assert len(smtp.messages) == recovery.EMAIL_LIMIT
    statuses = [client.post("/mot-de-passe-oublie", data={"csrf": token, "email": f"x{i}@example.tg"}).status_code
                for i in range(recovery.ADDRESS_LIMIT)]
    assert statuses.count(429) >= 1 and statuses[0] == 200
    r = client.post("/mot-de-passe-oublie", data={"csrf": token, "email": "y@example.tg"})
    assert r.status_code == 429 and "Trop de demandes" in r.get_data(as_text=True)


def test_without_smtp_the_page_says_how_to_recover(shell):
    client = shell.client()
    page = client.get("/mot-de-passe-oublie").get_data(as_text=True)
    assert "pas configuré" in page and "ttr admin reset" in page and "Recevoir le lien" not in page
    r = client.post("/mot-de-passe-oublie", data={"csrf": shell.csrf(client), "email": ADMIN[0]})
    assert r.status_code == 200 and shell.state.list("resets") == []


def test_an_email_link_is_never_built_from_a_foreign_host_header(shell, smtp):
    shell.app.config["TTR_ENV"]["SMTP_URL"] = smtp.url
    client = shell.client()
    page = client.get("/mot-de-passe-oublie", base_url="https://pirate.example")
    r = client.post("/mot-de-passe-oublie", base_url="https://pirate.example",
                    data={"csrf": csrf_of(page.get_data(as_text=True)), "email": ADMIN[0]})
    assert r.status_code == 200 and smtp.messages == []  # no TTR_PUBLIC_URL: no link to a site the caller names
    shell.app.config["TTR_ENV"]["TTR_PUBLIC_URL"] = "https://gestion.chez-awa.tg"
    client.post("/mot-de-passe-oublie", base_url="https://pirate.example",
                data={"csrf": csrf_of(page.get_data(as_text=True)), "email": ADMIN[0]})
    assert "https://gestion.chez-awa.tg/reinitialiser/" in smtp.messages[0].get_content()


def test_a_session_whose_login_was_in_flight_during_the_reset_is_refused(shell):
    """The login checked the old password, the reset ran, then the login wrote its session: refused."""
    import secrets

    from itsdangerous import URLSafeTimedSerializer

    from functions.accounts import passwords, sessions
    from tests.web.conftest import SECRET

    admin = shell.login_admin()
    started = shell.moment().epoch
    shell.advance(seconds=5)
    reset_kofi(shell, admin)
    token = secrets.token_urlsafe(32)  # written after end_all, stamped with the login's start
    shell.state.put("sessions", passwords.digest(token), {"user_id": shell.employee["id"], "workspace": DEFAULT,
                                                          "created": started, "csrf": "c", "device": None})
    late = shell.client()
    late.set_cookie("__session", URLSafeTimedSerializer(SECRET.encode(), salt="ttr-cookie").dumps({"s": token}))
    r = late.get("/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/connexion")
    assert shell.state.get("sessions", passwords.digest(token)) is None
    assert sessions.end_all(shell.state, shell.employee["id"]) == 0


def test_the_forgotten_password_answer_takes_the_same_time_for_any_email(shell, smtp, monkeypatch):
    import time

    monkeypatch.setattr(admin_views, "FORGOT_FLOOR_SECONDS", 0.4)
    shell.app.config["TTR_ENV"]["SMTP_URL"] = smtp.url
    client = shell.client()
    token = shell.csrf(client, "/mot-de-passe-oublie")
    for email in ("personne@example.tg", ADMIN[0]):
        began = time.monotonic()
        assert client.post("/mot-de-passe-oublie", data={"csrf": token, "email": email}).status_code == 200
        assert time.monotonic() - began >= 0.4
    assert len(smtp.messages) == 1
