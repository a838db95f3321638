"""Issue 13, items 3 and 4: one address cannot lock everyone out, the client address is read through the
trusted relays only, and parallel wrong passwords or PINs are counted before the secret is checked."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from functions.accounts import passwords, sessions, throttle, users
from functions.accounts.users import Moment
from functions.accounts.workspaces import DEFAULT
from functions.state.sqlite import SQLiteStateStore

NOW = Moment(1_773_480_600.0, "2026-03-14 09:30:00")

ADMIN = ("awa@example.tg", "motdepasse-awa-2026")


def admin_in(state) -> None:
    users.create(state, name="Awa", email=ADMIN[0], password=ADMIN[1], when=NOW, workspace=DEFAULT, role="admin")


def parallel(n: int, fn: Callable[[int], None]) -> None:
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)


def test_failures_on_made_up_emails_do_not_lock_the_admin_out(tmp_path):
    """25 failed logins on made-up emails from one address, then the admin's correct password: 200, not 429."""
    state = SQLiteStateStore(tmp_path / "s.sqlite")
    admin_in(state)
    for n in range(25):
        with pytest.raises((users.InvalidCredentialsError, throttle.TooManyAttemptsError)):
            users.authenticate(state, email=f"inconnu{n}@example.tg", password="faux", address="41.1.1.1", when=NOW)
    with pytest.raises(throttle.TooManyAttemptsError):  # the address is slowed for accounts that failed from it
        users.authenticate(state, email="inconnu3@example.tg", password="faux", address="41.1.1.1", when=NOW)
    user = users.authenticate(state, email=ADMIN[0], password=ADMIN[1], address="41.1.1.1", when=NOW)
    assert user["email"] == ADMIN[0]


def test_client_address_is_read_through_trusted_relays_only():
    assert throttle.client_address("10.0.0.1", "6.6.6.6, 41.1.1.1", "1") == "41.1.1.1"
    assert throttle.client_address("10.0.0.1", "6.6.6.6, 41.1.1.1, 10.9.9.9", 2) == "41.1.1.1"
    assert throttle.client_address("10.0.0.1", "6.6.6.6, 41.1.1.1", "0") == "10.0.0.1"  # a client's invention
    assert throttle.client_address("10.0.0.1", None, "1") == "10.0.0.1"
    assert throttle.client_address(None, "", "pas-un-nombre") == "inconnu"


def test_login_form_counts_the_forwarded_address(biz, monkeypatch):
    """Behind Cloud Run (TTR_TRUSTED_PROXIES=1) every request comes from the relay: the throttle must see
    each client's own address, so one client's failures do not slow another's."""
    from functions.web.app import create_app

    app = create_app(lambda: biz, {"TTR_SECRET_KEY": "s" * 40, "TTR_TRUSTED_PROXIES": "1"})
    app.testing = True
    admin_in(biz.state)
    biz.state.create("accounts", "setup", {"at": NOW.local})
    seen: list[str] = []
    real = throttle.begin

    def spy(state, identifier, address, now):
        seen.append(address)
        return real(state, identifier, address, now)

    monkeypatch.setattr(throttle, "begin", spy)
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    data = {"email": "x@example.tg", "password": "faux", **({"csrf": csrf.group(1)} if csrf else {})}
    client.post("/connexion", data=data, headers={"X-Forwarded-For": "6.6.6.6, 41.1.1.1"})
    assert seen == ["41.1.1.1"]


def test_fifty_parallel_wrong_passwords_evaluate_only_five(tmp_path, monkeypatch):
    state = SQLiteStateStore(tmp_path / "s.sqlite")
    admin_in(state)
    evaluated: list[int] = []
    real = passwords.verify_password

    def counting(hashed, password):
        evaluated.append(1)
        return real(hashed, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        store = SQLiteStateStore(tmp_path / "s.sqlite")  # each request its own handle, as instances would
        try:
            users.authenticate(store, email=ADMIN[0], password=f"faux-{i}", address=f"41.1.1.{i}", when=NOW)
        except throttle.TooManyAttemptsError:
            outcomes.append("429")
        except users.InvalidCredentialsError:
            outcomes.append("401")

    parallel(50, attempt)
    assert len(evaluated) == throttle.ACCOUNT_FREE
    assert outcomes.count("401") == throttle.ACCOUNT_FREE and outcomes.count("429") == 45


def test_sixty_parallel_wrong_pins_evaluate_at_most_five(tmp_path, monkeypatch):
    state = SQLiteStateStore(tmp_path / "s.sqlite")
    device = sessions.new_device(state, {"id": "U1"}, NOW.epoch)
    sessions.set_pin(state, b"k" * 32, device, "U1", "4071")
    evaluated: list[int] = []
    real = passwords.pin_hash

    def counting(*args):
        evaluated.append(1)
        return real(*args)

    monkeypatch.setattr(passwords, "pin_hash", counting)
    errors: list[str] = []

    def attempt(i: int) -> None:
        try:
            sessions.check_pin(SQLiteStateStore(tmp_path / "s.sqlite"), b"k" * 32, device, "4072")
        except sessions.PinError as exc:
            errors.append(exc.message)

    parallel(60, attempt)
    assert len(evaluated) <= sessions.PIN_TRIES
    assert len(errors) == 60
    assert sessions.load_device(state, device) is None  # every try spent: the password is needed again
