"""Scenarios of the shell: setup, invitations, deactivation, PIN, sessions, throttling."""

from __future__ import annotations

import re

from tests.web.conftest import ADMIN, EMPLOYEE, csrf_of, session_token


def invite(shell, admin, phone="+228 91 00 00 01", role="employee") -> str:
    r = admin.post("/equipe/inviter", data={"csrf": shell.csrf(admin, "/equipe"), "phone": phone, "role": role})
    assert r.status_code == 200, r.get_data(as_text=True)
    html = r.get_data(as_text=True)
    link = re.search(r'class="link">([^<]+)<', html).group(1)
    digits = re.sub(r"\D", "", phone)
    assert f"https://wa.me/{digits}?text=" in html and "Envoyer par WhatsApp" in html
    return link.replace("http://localhost", "")


def accept(shell, path, name="Ama Kodjo", password="motdepasse-ama"):
    client = shell.client()
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    r = client.post(path, data={"csrf": csrf_of(page.get_data(as_text=True)), "name": name, "password": password,
                                "password2": password})
    return client, r


def test_first_run_setup_then_never_again(biz, clock):
    from functions.web.app import create_app

    app = create_app(lambda: biz, {"TTR_SECRET_KEY": "s" * 40})
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/installation"
    assert client.get("/connexion").headers["Location"] == "/installation"
    form = {"name": "Awa Mensah", "email": "Awa@Example.tg", "password": "court", "password2": "court",
            "business_name": "Hôtel du Lac", "business_type": "Hôtel", "business_type_other": "", "country": "TG",
            "currency": "XOF", "timezone": "Africa/Lome", "promo_code": "LOME2026"}
    form["csrf"] = csrf_of(client.get("/installation").get_data(as_text=True))
    r = client.post("/installation", data=form)
    assert r.status_code == 400 and "8 caractères" in r.get_data(as_text=True)
    assert biz.state.list("users") == [] and biz.load(["settings"]).settings["business_name"] == "Chez Awa"
    form.update(password="motdepasse-awa", password2="motdepasse-awa")
    r = client.post("/installation", data=form)
    assert r.status_code == 303
    settings = biz.load(["settings"]).settings
    assert (settings["business_name"], settings["business_type"], settings["promo_code"]) == \
        ("Hôtel du Lac", "Hôtel", "LOME2026 (à vérifier)")  # no ABT configured: not checked, and says so
    assert biz.load(["prestations"]).title("prestations") in ("Réservations", "Prestations")
    team = biz.load(["team"]).rows("team")
    assert [(t["name"], t["role"], t["email"]) for t in team] == [("Awa Mensah", "Administrateur", "awa@example.tg")]
    assert client.get("/").status_code == 200  # logged in
    other = app.test_client()
    assert other.get("/installation").headers["Location"] == "/connexion"
    r = other.post("/installation", data={**form, "csrf": csrf_of(other.get("/connexion").get_data(as_text=True)),
                                          "email": "pirate@example.tg"})
    assert r.status_code in (302, 303) and len(biz.state.list("users")) == 1


def test_invitation_works_once_and_get_changes_nothing(shell):
    admin = shell.login_admin()
    path = invite(shell, admin)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    stored = repr(shell.state.list("invites"))
    assert token not in stored
    snapshot = shell.state.list("invites")
    for _ in range(3):  # WhatsApp's preview robot, then the person
        assert shell.client().get(path).status_code == 200
    assert shell.state.list("invites") == snapshot
    client, r = accept(shell, path)
    assert r.status_code == 303 and client.get("/").status_code == 200
    team = {t["name"]: t for t in shell.biz.load(["team"]).rows("team")}
    assert team["Ama Kodjo"]["phone"] == "+22891000001" and team["Ama Kodjo"]["role"] == "Employé"
    assert "password" not in repr(shell.biz.workbook.backend.grid("Équipe")).lower()
    assert shell.client().get(path).status_code == 410
    intruder = shell.client()
    again = intruder.post(path, data={"csrf": shell.csrf(intruder), "name": "Intrus", "password": "motdepasse-intrus",
                                      "password2": "motdepasse-intrus"})
    assert again.status_code == 410
    assert {u["name"] for _, u in shell.state.list("users")} == {"Awa Mensah", "Kofi Agbo", "Ama Kodjo"}
    shell.login_employee(phone="+22891000001", password="motdepasse-ama")


def test_expired_and_revoked_invitations_are_refused(shell):
    admin = shell.login_admin()
    old = invite(shell, admin)
    shell.advance(hours=72, seconds=1)
    r = shell.client().get(old)
    assert r.status_code == 410 and "plus valable" in r.get_data(as_text=True)
    admin = shell.login_admin()  # 72 hours later the admin's session has expired too
    fresh = invite(shell, admin, phone="+228 91 00 00 02")
    page = admin.get("/equipe").get_data(as_text=True)
    invite_id = re.search(r'/equipe/invitation/([0-9a-f]+)/annuler', page).group(1)
    r = admin.post(f"/equipe/invitation/{invite_id}/annuler", data={"csrf": csrf_of(page)})
    assert r.status_code == 303
    assert shell.client().get(fresh).status_code == 410
    assert len(shell.state.list("users")) == 2


def test_a_weak_password_does_not_spend_the_invitation(shell):
    path = invite(shell, shell.login_admin())
    _, r = accept(shell, path, password="court")
    assert r.status_code == 400 and "8 caractères" in r.get_data(as_text=True)
    _, r = accept(shell, path)
    assert r.status_code == 303


def test_deactivated_user_is_refused_at_the_next_request(shell):
    employee = shell.login_employee()
    assert employee.get("/").status_code == 200
    admin = shell.login_admin()
    uid = shell.employee["id"]
    r = admin.post(f"/equipe/{uid}/desactiver", data={"csrf": shell.csrf(admin, "/equipe")})
    assert r.status_code == 303
    r = employee.get("/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/connexion")
    assert "désactivé" in employee.get("/connexion").get_data(as_text=True)
    r = employee.post("/connexion/telephone", data={"csrf": shell.csrf(employee, "/connexion/telephone"),
                                                    "phone": EMPLOYEE[0], "password": EMPLOYEE[1]})
    assert r.status_code == 401
    active = {t["name"]: t["active"] for t in shell.biz.load(["team"]).rows("team")}
    assert active["Kofi Agbo"] == "Non"
    admin.post(f"/equipe/{uid}/reactiver", data={"csrf": shell.csrf(admin, "/equipe")})
    shell.login_employee()


def test_admin_cannot_deactivate_themselves(shell):
    admin = shell.login_admin()
    r = admin.post(f"/equipe/{shell.admin['id']}/desactiver", data={"csrf": shell.csrf(admin, "/equipe")})
    assert r.status_code == 400 and admin.get("/equipe").status_code == 200


def test_session_id_changes_at_login_and_the_old_one_dies(shell):
    client = shell.client()
    client.get("/connexion")
    assert session_token(client) is None
    shell.login_admin(client)
    first = session_token(client)
    assert first
    shell.login_admin(client)
    second = session_token(client)
    assert second and second != first
    from functions.accounts import sessions

    assert sessions.load_session(shell.state, first, shell.moment().epoch) is None
    assert client.post("/deconnexion", data={"csrf": shell.csrf(client, "/parametres")}).status_code == 303
    assert client.get("/").status_code in (302, 303)
    assert sessions.load_session(shell.state, second, shell.moment().epoch) is None


def test_sessions_expire(shell):
    client = shell.login_admin()
    shell.advance(hours=12, seconds=1)
    assert client.get("/").status_code == 303


def test_login_messages_never_tell_whether_an_account_exists(shell):
    client = shell.client()
    token = shell.csrf(client)
    unknown = client.post("/connexion", data={"csrf": token, "email": "personne@example.tg", "password": "x" * 9})
    wrong = client.post("/connexion", data={"csrf": token, "email": ADMIN[0], "password": "x" * 9})
    assert unknown.status_code == wrong.status_code == 401

    def message(r):
        return re.search(r'role="alert">([^<]+)<', r.get_data(as_text=True)).group(1)

    assert message(unknown) == message(wrong)


def test_failed_logins_are_slowed_per_account_with_growing_delays(shell):
    client = shell.client()
    token = shell.csrf(client)
    codes = [client.post("/connexion", data={"csrf": token, "email": ADMIN[0], "password": "mauvais-mdp"}).status_code
             for _ in range(5)]
    assert codes == [401] * 5
    r = client.post("/connexion", data={"csrf": token, "email": ADMIN[0], "password": ADMIN[1]})
    assert r.status_code == 429 and "Réessayez dans 2 secondes" in r.get_data(as_text=True)
    shell.advance(seconds=3)
    assert client.post("/connexion", data={"csrf": token, "email": ADMIN[0], "password": "encore-faux"}).status_code == 401
    r = client.post("/connexion", data={"csrf": token, "email": ADMIN[0], "password": ADMIN[1]})
    assert r.status_code == 429 and "4 secondes" in r.get_data(as_text=True)
    shell.advance(seconds=5)
    assert client.post("/connexion", data={"csrf": token, "email": ADMIN[0], "password": ADMIN[1]}).status_code == 303
    # another account from the same address is not locked by these five failures
    shell.login_employee()


def test_pin_unlocks_only_this_device_and_five_errors_revoke_it(shell):
    phone = shell.login_employee()
    page = phone.get("/parametres").get_data(as_text=True)
    r = phone.post("/parametres/pin", data={"csrf": csrf_of(page), "pin": "1234", "pin2": "1234"})
    assert "trop facile" in phone.get("/parametres").get_data(as_text=True)
    phone.post("/parametres/pin", data={"csrf": csrf_of(page), "pin": "4071", "pin2": "4071"})
    assert "Un code PIN est actif" in phone.get("/parametres").get_data(as_text=True)
    assert "4071" not in repr(shell.state.list("devices"))
    phone.post("/deconnexion", data={"csrf": csrf_of(page)})
    r = phone.get("/")
    assert r.headers["Location"] == "/pin"
    r = phone.post("/pin", data={"csrf": shell.csrf(phone, "/pin"), "pin": "4071"})
    assert r.status_code == 303 and phone.get("/").status_code == 200
    # another device (a browser without this device's cookie) cannot use the PIN
    other = shell.client()
    assert other.get("/pin").headers["Location"] == "/connexion"
    # five wrong PINs: the device is forgotten, the password is required
    phone.post("/deconnexion", data={"csrf": shell.csrf(phone, "/parametres")})
    for attempt in range(4):
        r = phone.post("/pin", data={"csrf": shell.csrf(phone, "/pin"), "pin": "9051"})
        assert r.status_code == 401 and f"Encore {4 - attempt}" in r.get_data(as_text=True)
    r = phone.post("/pin", data={"csrf": shell.csrf(phone, "/pin"), "pin": "9051"})
    assert r.status_code == 303 and r.headers["Location"] == "/connexion"
    assert shell.state.list("devices") == [] or all(d["user_id"] != shell.employee["id"]
                                                    for _, d in shell.state.list("devices"))
    r = phone.post("/pin", data={"csrf": shell.csrf(phone, "/connexion"), "pin": "4071"})
    assert r.status_code == 302 and phone.get("/").status_code == 303
    shell.login_employee(phone)


def test_pin_of_a_deactivated_user_opens_nothing(shell):
    phone = shell.login_employee()
    token = shell.csrf(phone, "/parametres")
    phone.post("/parametres/pin", data={"csrf": token, "pin": "4071", "pin2": "4071"})
    phone.post("/deconnexion", data={"csrf": token})
    admin = shell.login_admin()
    admin.post(f"/equipe/{shell.employee['id']}/desactiver", data={"csrf": shell.csrf(admin, "/equipe")})
    r = phone.post("/pin", data={"csrf": shell.csrf(phone, "/pin"), "pin": "4071"})
    assert r.status_code in (302, 303) and phone.get("/").status_code == 303


def test_business_profile_saves_contacts_and_receipt_terms(shell):
    client = shell.login_admin()
    page = client.get("/parametres").get_data(as_text=True)
    from tests.web.conftest import csrf_of

    data = {"csrf": csrf_of(page), "business_name": "Chez Awa", "business_type": "Restaurant", "country": "TG",
            "currency": "XOF", "timezone": "Africa/Lome", "phone": "+228 90 00 00 00",
            "address": "Rue 12, Bè", "email": "contact@chezawa.tg", "website": "https://chezawa.tg",
            "logo": "", "receipt_terms": "Merci et à bientôt !"}
    assert client.post("/parametres/entreprise", data=data).status_code == 303
    settings = shell.biz.load(["settings"]).settings
    assert (settings["phone"], settings["email"], settings["receipt_terms"]) == (
        "+22890000000", "contact@chezawa.tg", "Merci et à bientôt !")  # one stored form (E.164)
    client.post("/parametres/entreprise", data=dict(data, phone="90 11 22 33"))
    assert shell.biz.load(["settings"]).settings["phone"] == "+22890112233"
    r = client.post("/parametres/entreprise", data=dict(data, phone="pas un numéro"), follow_redirects=True)
    assert "Numéro de téléphone invalide" in r.get_data(as_text=True)
    assert shell.biz.load(["settings"]).settings["phone"] == "+22890112233"
    bad = dict(data, email="pas-un-email", website="chezawa.tg")
    client.post("/parametres/entreprise", data=bad)
    assert shell.biz.load(["settings"]).settings["email"] == "contact@chezawa.tg"
