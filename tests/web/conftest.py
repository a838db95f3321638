from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Blueprint

from functions.accounts import users
from functions.accounts.workspaces import DEFAULT
from functions.web.app import create_app
from tests.accounts.conftest import cheap_argon2  # noqa: F401 - autouse here too

SECRET = "k" * 48
ADMIN = ("awa@example.tg", "motdepasse-awa")
EMPLOYEE = ("+22890112233", "motdepasse-kofi")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


class Shell:
    """The app over the ``biz`` fixture, with an admin and an employee in the default workspace."""

    def __init__(self, biz, clock):
        self.biz = biz
        self.clock = clock
        self.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET}, blueprints=["tests.web.conftest:probe"])
        self.app.testing = True
        self.state = biz.state
        when = self.moment()
        self.admin = users.create(self.state, name="Awa Mensah", email=ADMIN[0], password=ADMIN[1], when=when,
                                  workspace=DEFAULT, role="admin")
        self.state.create("accounts", "setup", {"at": when.local})
        self.employee = users.create(self.state, name="Kofi Agbo", phone=EMPLOYEE[0], password=EMPLOYEE[1],
                                     when=when, workspace=DEFAULT, role="employee")

    def moment(self):
        return users.Moment(self.clock().timestamp(), self.biz.now().isoformat(sep=" "))

    def advance(self, **kw):
        self.clock.when += timedelta(**kw)

    def client(self):
        return self.app.test_client()

    def csrf(self, client, path: str = "/connexion") -> str:
        return csrf_of(client.get(path).get_data(as_text=True))

    def login_admin(self, client=None):
        client = client or self.client()
        r = client.post("/connexion", data={"csrf": self.csrf(client), "email": ADMIN[0], "password": ADMIN[1]})
        assert r.status_code == 303, r.get_data(as_text=True)
        return client

    def login_employee(self, client=None, phone: str = EMPLOYEE[0], password: str = EMPLOYEE[1]):
        client = client or self.client()
        r = client.post("/connexion/telephone", data={"csrf": self.csrf(client, "/connexion/telephone"),
                                                      "phone": phone, "password": password})
        assert r.status_code == 303, r.get_data(as_text=True)
        return client


#: A peer module's blueprint as the contract describes it: one page behind the « Investissements » switch,
#: one public page. Registered through ``modules.register`` like the real peers.
probe = Blueprint("probe", __name__)


@probe.get("/probe/investissements")
def probe_investments():
    return "investissements ouverts"


probe_investments.ttr_module = "investments"


@probe.post("/probe/action")
def probe_action():
    return "fait"


@probe.get("/probe/public")
def probe_public():
    return "public"


probe_public.ttr_access = "public"


@pytest.fixture
def shell(biz, clock):
    return Shell(biz, clock)


def session_token(client) -> str | None:
    """The session id carried by the client's cookie (decoded with the app's serializer)."""
    from itsdangerous import URLSafeTimedSerializer

    cookie = client.get_cookie("__session")
    if cookie is None:
        return None
    return URLSafeTimedSerializer(SECRET.encode(), salt="ttr-cookie").loads(cookie.value).get("s")


@contextmanager
def live_app(tmp_path, *, initialised: bool = True, receipts: bool = False):
    """The web app on a real local port over an .xlsx workbook and SQLite state, for the browser walks.
    Yields ``(base_url, biz, app)``; without ``initialised`` the set-up page creates the workbook."""
    import threading

    from werkzeug.serving import make_server

    from functions.business import Business
    from functions.receipts.hooks import receipt_hook
    from functions.state.sqlite import SQLiteStateStore
    from functions.store.workbook import Workbook
    from functions.store.xlsx import XlsxBackend

    biz = Business(Workbook(XlsxBackend(tmp_path / "ttr.xlsx")), SQLiteStateStore(tmp_path / "ttr.state.sqlite"))
    if initialised:
        biz.init({})
    app = create_app(lambda: biz, {})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{httpd.server_port}"
    if receipts:
        app.config["TTR_ENV"]["TTR_PUBLIC_URL"] = base  # the port is known now: receipts name their own link
        biz.change_hooks.append(receipt_hook(base))  # as open_business does with TTR_PUBLIC_URL
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield base, biz, app
    finally:
        httpd.shutdown()


def menu_entry(page, label: str):
    """The menu entry ``label`` made visible as a person does: in the bar at the thumb, or in « Plus »."""
    entry = page.locator("nav.menu a").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first
    if not entry.is_visible():
        page.click("nav.menu summary")
    return entry


def menu(page, label: str) -> None:
    menu_entry(page, label).click()
