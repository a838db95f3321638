"""``ttr serve --host 0.0.0.0``: phones on the shop's network reach the app over plain http on a private
address, so its cookie cannot be Secure there (the browser would drop it and nobody could log in); on a
domain name it is."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("host, secure", [("192.168.1.10:8080", False), ("10.0.0.5", False), ("127.0.0.1:8080", False),
                                          ("localhost:8080", False), ("[::1]:8080", False),
                                          ("gestion.exemple.tg", True), ("8.8.8.8", True)])
def test_the_session_cookie_is_secure_only_where_https_is_possible(shell, host, secure):
    client = shell.client()
    r = client.get("/connexion", headers={"Host": host})
    cookie = r.headers.get("Set-Cookie", "")
    assert "__session=" in cookie
    assert ("Secure" in cookie) is secure


def test_an_employee_logs_in_from_a_phone_on_the_lan(shell):
    from tests.web.conftest import EMPLOYEE, csrf_of

    client = shell.client()
    page = client.get("/connexion/telephone", headers={"Host": "192.168.1.10:8080"})
    r = client.post("/connexion/telephone", headers={"Host": "192.168.1.10:8080"},
                    data={"csrf": csrf_of(page.get_data(as_text=True)), "phone": EMPLOYEE[0], "password": EMPLOYEE[1]})
    assert r.status_code == 303
    assert client.get("/", headers={"Host": "192.168.1.10:8080"}).status_code == 200
