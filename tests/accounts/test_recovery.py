"""Password resets, roles and the last admin, as scenarios, on the memory stack and on .xlsx + SQLite.

The admin resets an employee: the old password, sessions and PIN end at once; the single-use link sets a new
password; used twice or after expiry it is refused. Self-recovery: ``ttr admin reset`` (a link or a typed
password) and « mot de passe oublié » by email (limited per address and per email). Every step is a Journal
row in the workbook, never a secret.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from functions.accounts import recovery, sessions, users
from functions.accounts.users import Moment
from functions.accounts.workspaces import DEFAULT, Workspaces
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.state.sqlite import SQLiteStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC).timestamp()


def at(minutes: float = 0) -> Moment:
    return Moment(T0 + minutes * 60, f"2026-03-14 09:30 +{minutes} min")


@pytest.fixture(params=["memory", "xlsx+sqlite"])
def stack(request, tmp_path):
    if request.param == "memory":
        biz = Business(Workbook(MemoryBackend()), MemoryStateStore())
    else:
        biz = Business(Workbook(XlsxBackend(tmp_path / "ttr.xlsx")), SQLiteStateStore(tmp_path / "ttr.sqlite"))
    biz.init({"business_name": "Chez Awa"})
    state = biz.state
    awa = users.create(state, name="Awa Mensah", email="awa@example.tg", password="motdepasse-awa", when=at(),
                       workspace=DEFAULT, role="admin")
    kofi = users.create(state, name="Kofi Agbo", phone="+22890112233", password="motdepasse-kofi", when=at(),
                        workspace=DEFAULT, role="employee")
    return biz, Workspaces(lambda: biz), awa, kofi


def login(state, *, password, email=None, phone=None, minutes=0.0):
    return users.authenticate(state, password=password, address="10.0.0.1", when=at(minutes), email=email,
                              phone=phone)


def journal(biz) -> list[tuple[str, str, str, str]]:
    return [(r["actor"], r["action"], r["row"], r["changes"]) for r in biz.load(["journal"]).all_rows("journal")]


def sheet_text(biz) -> str:
    """What anyone who can open the workbook reads in the Journal and Équipe tabs."""
    book = biz.load(["journal", "team"])
    return repr(book.all_rows("journal")) + repr(book.all_rows("team"))


def test_admin_reset_ends_the_old_password_sessions_and_pin_and_the_link_works_once(stack):
    biz, registry, awa, kofi = stack
    state = biz.state
    sid = sessions.open_session(state, kofi, DEFAULT, at().epoch)
    device = sessions.new_device(state, kofi, at().epoch)
    sessions.set_pin(state, b"k" * 32, device, kofi["id"], "4826")
    awa_sid = sessions.open_session(state, awa, DEFAULT, at().epoch)

    token, doc, kofi = recovery.by_admin(state, kofi["id"], DEFAULT, awa, at(1))
    recovery.journal(registry, kofi, "admin", awa["name"])

    with pytest.raises(users.InvalidCredentialsError):
        login(state, phone="+22890112233", password="motdepasse-kofi", minutes=2)
    assert sessions.load_session(state, sid, at(2).epoch) is None
    assert sessions.load_device(state, device) is None  # the PIN went with the device
    assert sessions.load_session(state, awa_sid, at(2).epoch) is not None  # the admin's own session stays
    assert len(token) >= 43 and not any(token in repr(d) for _, d in state.list("resets"))  # stored as a hash

    recovery.peek(state, token, at(3))
    recovery.peek(state, token, at(3))  # reading (a WhatsApp preview) spends nothing
    with pytest.raises(recovery.InvalidInputError):
        recovery.complete(state, token, "nouveau-kofi-1", "autre-chose-1", at(4))
    recovery.peek(state, token, at(4))  # a typo does not spend the link
    user = recovery.complete(state, token, "nouveau-kofi-1", "nouveau-kofi-1", at(5))
    recovery.journal(registry, user, "done", user["name"])
    with pytest.raises(recovery.ResetLinkInvalidError):
        recovery.complete(state, token, "encore-un-autre", "encore-un-autre", at(6))
    with pytest.raises(recovery.ResetLinkInvalidError):
        recovery.peek(state, token, at(6))

    assert login(state, phone="+22890112233", password="nouveau-kofi-1", minutes=7)["id"] == kofi["id"]
    with pytest.raises(users.InvalidCredentialsError):
        login(state, phone="+22890112233", password="motdepasse-kofi", minutes=8)

    rows = journal(biz)
    assert rows[-2][:3] == ("Awa Mensah", "mot de passe", kofi["id"]) and "réinitialisé par l'administrateur" in rows[-2][3]
    assert rows[-1][:3] == ("Kofi Agbo", "mot de passe", kofi["id"]) and "Nouveau mot de passe" in rows[-1][3]
    everything = sheet_text(biz)
    assert token not in everything and "argon2" not in everything and "nouveau-kofi-1" not in everything
    assert biz.verify_journal().ok


def test_a_session_opened_before_the_reset_is_refused_even_one_in_flight(stack):
    biz, _registry, awa, kofi = stack
    in_flight = sessions.open_session(biz.state, kofi, DEFAULT, at(0).epoch)  # the login began before the reset
    kofi = recovery.set_new_password(biz.state, kofi["id"], "nouveau-kofi-1", at(1))
    # end_all ran before this session was written: it exists, but it predates the reset
    doc = {"user_id": kofi["id"], "workspace": DEFAULT, "created": at(0.5).epoch, "csrf": "x", "device": None}
    biz.state.put("sessions", "late", doc)
    assert not sessions.still_valid(doc, kofi)
    assert sessions.load_session(biz.state, in_flight, at(2).epoch) is None
    fresh = sessions.open_session(biz.state, kofi, DEFAULT, at(2).epoch)
    assert sessions.still_valid(sessions.load_session(biz.state, fresh, at(2).epoch) or {}, kofi)


@pytest.mark.parametrize(("kind", "minutes"), [("admin", 24 * 60), ("cli", 30), ("email", 30)])
def test_links_expire(stack, kind, minutes):
    biz, _registry, awa, kofi = stack
    token, doc = recovery.issue(biz.state, kofi, kind=kind, by=awa["id"], when=at())
    recovery.peek(biz.state, token, at(minutes - 1))
    with pytest.raises(recovery.ResetLinkInvalidError) as err:
        recovery.complete(biz.state, token, "nouveau-kofi-1", "nouveau-kofi-1", at(minutes))
    assert "n'est plus valable" in err.value.message and err.value.status == 410
    assert login(biz.state, phone="+22890112233", password="motdepasse-kofi")["id"] == kofi["id"]


def test_a_newer_link_replaces_the_older_one(stack):
    biz, _registry, awa, kofi = stack
    old, _ = recovery.issue(biz.state, kofi, kind="admin", by=awa["id"], when=at())
    new, _ = recovery.issue(biz.state, kofi, kind="admin", by=awa["id"], when=at(1))
    with pytest.raises(recovery.ResetLinkInvalidError):
        recovery.peek(biz.state, old, at(2))
    recovery.peek(biz.state, new, at(2))


def test_a_link_is_spent_by_exactly_one_of_concurrent_uses(stack):
    biz, _registry, awa, kofi = stack
    token, _ = recovery.issue(biz.state, kofi, kind="admin", by=awa["id"], when=at())
    wins, losses = [], []
    barrier = threading.Barrier(6)

    def use(i):
        barrier.wait()
        try:
            recovery.complete(biz.state, token, f"nouveau-{i}-kofi", f"nouveau-{i}-kofi", at(1))
            wins.append(i)
        except recovery.ResetLinkInvalidError:
            losses.append(i)

    threads = [threading.Thread(target=use, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(wins), len(losses)) == (1, 5)
    assert login(biz.state, phone="+22890112233", password=f"nouveau-{wins[0]}-kofi")["id"] == kofi["id"]


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(stack):
    biz, _registry, awa, kofi = stack
    state = biz.state
    with pytest.raises(users.LastAdminError):
        users.set_membership(state, awa["id"], DEFAULT, role="employee")
    with pytest.raises(users.LastAdminError):
        users.set_membership(state, awa["id"], DEFAULT, active=False)
    assert users.get(state, awa["id"])["workspaces"][DEFAULT] == {"role": "admin", "active": True}
    users.set_membership(state, kofi["id"], DEFAULT, role="admin")
    users.set_membership(state, awa["id"], DEFAULT, role="employee")  # another admin exists now
    assert users.get(state, awa["id"])["workspaces"][DEFAULT]["role"] == "employee"
    with pytest.raises(users.LastAdminError):
        users.set_membership(state, kofi["id"], DEFAULT, active=False)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(stack):
    biz, _registry, awa, kofi = stack
    state = biz.state
    users.set_membership(state, kofi["id"], DEFAULT, role="admin")
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(user_id):
        barrier.wait()
        try:
            users.set_membership(state, user_id, DEFAULT, role="employee")
            outcomes.append("demoted")
        except users.LastAdminError:
            outcomes.append("refused")

    threads = [threading.Thread(target=demote, args=(u,)) for u in (awa["id"], kofi["id"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    admins = [u for u in users.members(state, DEFAULT) if u["workspaces"][DEFAULT]["role"] == "admin"]
    assert len(admins) == 1


def test_forgotten_password_by_email_answers_the_same_and_is_limited(stack):
    biz, _registry, awa, _kofi = stack
    sent = []

    def send(user, token, doc):
        sent.append((user["email"], token, doc["minutes"]))

    assert recovery.request_by_email(biz.state, "personne@example.tg", "10.0.0.9", at(), send) is None
    assert sent == []
    assert recovery.request_by_email(biz.state, "AWA@example.tg", "10.0.0.9", at(), send)["id"] == awa["id"]
    assert sent[0][0] == "awa@example.tg" and sent[0][2] == 30
    recovery.peek(biz.state, sent[0][1], at(29))
    # the old password still works until the link is used (anyone may ask for a link)
    assert login(biz.state, email="awa@example.tg", password="motdepasse-awa")["id"] == awa["id"]
    for _ in range(recovery.EMAIL_LIMIT - 1):
        recovery.request_by_email(biz.state, "awa@example.tg", "10.0.0.9", at(), send)
    assert len(sent) == recovery.EMAIL_LIMIT
    assert recovery.request_by_email(biz.state, "awa@example.tg", "10.0.0.9", at(), send) is None
    assert len(sent) == recovery.EMAIL_LIMIT  # past the limit for this email: nothing more, said the same way
    for i in range(recovery.ADDRESS_LIMIT - recovery.EMAIL_LIMIT - 2):
        recovery.request_by_email(biz.state, f"inconnu{i}@example.tg", "10.0.0.9", at(), send)
    with pytest.raises(recovery.TooManyRequestsError):  # counted whether or not the accounts exist
        recovery.request_by_email(biz.state, "autre@example.tg", "10.0.0.9", at(), send)
    assert recovery.request_by_email(biz.state, "autre@example.tg", "10.0.0.10", at(), send) is None


def test_a_failed_email_is_logged_and_tells_nothing(stack, caplog):
    biz, _registry, _awa, _kofi = stack

    def broken(user, token, doc):
        raise OSError("serveur d'email injoignable")

    assert recovery.request_by_email(biz.state, "awa@example.tg", "10.0.0.9", at(), broken) is None
    assert "email n'a pas pu partir" in caplog.text


def test_ttr_admin_reset_prints_a_link_or_sets_a_typed_password(tmp_path):
    from functions.accounts.cli import admin as admin_cli
    from functions.config import Config, open_business

    wb, st = str(tmp_path / "w.xlsx"), str(tmp_path / "s.sqlite")
    config = Config(workbook=wb, state=st)
    biz = open_business(config)
    biz.init({"business_name": "Chez Awa"})
    awa = users.create(biz.state, name="Awa Mensah", email="awa@example.tg", password="motdepasse-awa",
                       when=at(), workspace=DEFAULT, role="admin")
    old_session = sessions.open_session(biz.state, awa, DEFAULT, at().epoch)
    runner = CliRunner()
    base = ["reset", "--workbook", wb, "--state", st]

    result = runner.invoke(admin_cli, base + ["--email", "awa@example.tg"])
    assert result.exit_code == 0, result.output
    assert "valable 30 minutes" in result.output
    link = next(line for line in result.output.splitlines() if recovery.PATH in line).strip()
    token = link.rsplit("/", 1)[1]
    assert link.startswith("http://127.0.0.1:8080/reinitialiser/")
    biz = open_business(Config(workbook=wb, state=st))
    now = Moment(biz.clock().timestamp(), "maintenant")
    recovery.complete(biz.state, token, "nouveau-awa-1", "nouveau-awa-1", now)
    assert sessions.load_session(biz.state, old_session, now.epoch) is None
    assert users.authenticate(biz.state, email="awa@example.tg", password="nouveau-awa-1", address="x",
                              when=now)["id"] == awa["id"]

    typed = runner.invoke(admin_cli, base + ["--mot-de-passe"], input="awa@example.tg\ntroisieme-mdp\ntroisieme-mdp\n")
    assert typed.exit_code == 0, typed.output
    assert "Mot de passe changé pour Awa Mensah" in typed.output
    biz = open_business(Config(workbook=wb, state=st))
    with pytest.raises(users.InvalidCredentialsError):
        users.authenticate(biz.state, email="awa@example.tg", password="nouveau-awa-1", address="x", when=now)
    rows = [(r["actor"], r["changes"]) for r in biz.load(["journal"]).all_rows("journal")]
    assert ("ttr admin reset", recovery.TEXTS["cli"]) in rows and ("ttr admin reset", recovery.TEXTS["typed"]) in rows
    assert token not in sheet_text(biz)

    short = runner.invoke(admin_cli, base + ["--email", "awa@example.tg", "--mot-de-passe"], input="court\ncourt\n")
    assert short.exit_code == 1 and "8 caractères" in short.output
    unknown = runner.invoke(admin_cli, base + ["--email", "personne@example.tg"])
    assert unknown.exit_code == 1 and "Aucun compte" in unknown.output


def test_an_admin_cannot_reset_an_account_that_opens_a_workspace_they_do_not_run(stack):
    """Else the admin of one shop would get a link into the other shop's admin account."""
    biz, _registry, awa, kofi = stack
    state = biz.state
    users.set_membership(state, kofi["id"], "WOTHER01", role="admin")  # Kofi runs another business too
    with pytest.raises(recovery.InvalidInputError) as err:
        recovery.by_admin(state, kofi["id"], DEFAULT, users.get(state, awa["id"]), at())
    assert "pas administrateur" in err.value.message
    assert login(state, phone="+22890112233", password="motdepasse-kofi")["id"] == kofi["id"]  # nothing changed
    assert state.list("resets") == []
    users.set_membership(state, awa["id"], "WOTHER01", role="admin")
    recovery.by_admin(state, kofi["id"], DEFAULT, users.get(state, awa["id"]), at())
