"""Accounts in the state store: hashes, PINs, phones, invitations, throttling, workspaces, the CLI."""

from __future__ import annotations

import base64
import threading

import pytest
from click.testing import CliRunner

from functions.accounts import invitations, passwords, sessions, throttle, users
from functions.accounts.cli import admin as admin_cli
from functions.accounts.users import Moment
from functions.accounts.workspaces import PrefixedStateStore
from functions.errors import InvalidInputError
from functions.state.memory import MemoryStateStore

NOW = Moment(1_773_480_600.0, "2026-03-14 09:30:00")


def test_passwords_are_argon2id_and_at_least_8_characters():
    stored = passwords.hash_password("motdepasse")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "motdepasse") and not passwords.verify_password(stored, "motdepassE")
    assert not passwords.verify_password(None, "motdepasse")
    with pytest.raises(InvalidInputError, match="8 caractères"):
        passwords.hash_password("court")


@pytest.mark.parametrize("pin", ["0000", "1111", "1234", "4321", "6789", "1212", "1122", "2580", "12a4", "123"])
def test_trivial_or_malformed_pins_are_refused(pin):
    with pytest.raises(InvalidInputError):
        passwords.check_pin(pin)


@pytest.mark.parametrize("pin", ["4071", "9051", "3860", "7142"])
def test_ordinary_pins_are_accepted(pin):
    assert passwords.check_pin(pin) == pin


def test_pin_hash_is_keyed_and_bound_to_user_and_device():
    base = passwords.pin_hash(b"k" * 32, "U1", "dev", "4071")
    assert base != passwords.pin_hash(b"x" * 32, "U1", "dev", "4071")
    assert base != passwords.pin_hash(b"k" * 32, "U2", "dev", "4071")
    assert base != passwords.pin_hash(b"k" * 32, "U1", "dev2", "4071")
    assert "4071" not in base


@pytest.mark.parametrize("raw,want", [("90 11 22 33", "+22890112233"), ("+228 90-11-22-33", "+22890112233"),
                                      ("0022890112233", "+22890112233"), ("22890112233", "+22890112233"),
                                      ("+225 07 08 09 10 11", "+2250708091011"), ("(+33) 6 12 34 56 78", "+33612345678")])
def test_phone_numbers_are_normalised_with_the_default_country_code(raw, want):
    assert passwords.normalize_phone(raw) == want


@pytest.mark.parametrize("raw", ["", "abc", "+0123456789", "12345", "+228 90 11 22 33 44 55 66 77"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidInputError, match="Numéro"):
        passwords.normalize_phone(raw)


def test_email_and_phone_are_unique_across_accounts():
    state = MemoryStateStore()
    users.create(state, name="Awa", email="awa@example.tg", password="motdepasse", when=NOW, workspace="principal",
                 role="admin")
    with pytest.raises(users.AccountExistsError):
        users.create(state, name="Autre", email="AWA@example.tg", phone="+22890000000", password="motdepasse",
                     when=NOW, workspace="principal", role="admin")
    assert state.get("user_phone", "22890000000") is None  # the phone claimed by the failed sign-up is released
    assert len(state.list("users")) == 1
    assert "awa@example.tg" not in repr(state.list("user_email"))


def test_invitation_token_has_256_bits_and_is_stored_only_as_a_hash():
    state = MemoryStateStore()
    token, doc = invitations.create(state, workspace="principal", phone="90112233", role="employee",
                                    invited_by="U1", when=NOW)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert token not in repr(state.list("invites"))
    assert doc["phone"] == "+22890112233"
    assert invitations.peek(state, token, NOW)["role"] == "employee"


def test_invitation_is_spent_by_exactly_one_of_concurrent_acceptances():
    state = MemoryStateStore()
    token, _ = invitations.create(state, workspace="principal", phone="90112233", role="employee",
                                  invited_by="U1", when=NOW)
    wins, losses = [], []
    barrier = threading.Barrier(8)

    def accept():
        barrier.wait()
        try:
            invitations.spend(state, token, NOW)
            wins.append(1)
        except invitations.InvitationInvalidError:
            losses.append(1)

    threads = [threading.Thread(target=accept) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(wins), len(losses)) == (1, 7)


def test_invitation_expires_after_72_hours():
    state = MemoryStateStore()
    token, _ = invitations.create(state, workspace="principal", phone="90112233", role="employee",
                                  invited_by="U1", when=NOW)
    almost = Moment(NOW.epoch + 72 * 3600 - 1, NOW.local)
    assert invitations.peek(state, token, almost)
    with pytest.raises(invitations.InvitationInvalidError):
        invitations.spend(state, token, Moment(NOW.epoch + 72 * 3600, NOW.local))


@pytest.mark.parametrize("failures,delay", [(4, 0), (5, 2), (6, 4), (7, 8), (20, 900)])
def test_throttle_delays_grow_per_account(failures, delay):
    state = MemoryStateStore()
    later = NOW.epoch
    for n in range(failures):
        later = NOW.epoch + 1000 * n  # each failure after the delay of the one before
        throttle.begin(state, "awa@example.tg", "10.0.0.1", later).failed()
    if delay == 0:
        throttle.begin(state, "awa@example.tg", "10.0.0.1", later)
        return
    with pytest.raises(throttle.TooManyAttemptsError, match=f"{delay} secondes"):
        throttle.begin(state, "awa@example.tg", "10.0.0.9", later)
    throttle.begin(state, "awa@example.tg", "10.0.0.9", later + delay)
    throttle.begin(state, "kofi@example.tg", "10.0.0.9", later)  # another account, another address


def test_throttle_per_address_covers_many_accounts():
    """An address past its limit slows every account that has failed from it; a new address is free."""
    state = MemoryStateStore()
    for n in range(throttle.ADDRESS_FREE):
        throttle.begin(state, f"user{n}@example.tg", "10.0.0.1", NOW.epoch).failed()
    with pytest.raises(throttle.TooManyAttemptsError):
        throttle.begin(state, "user3@example.tg", "10.0.0.1", NOW.epoch)
    throttle.begin(state, "user3@example.tg", "10.0.0.2", NOW.epoch)


def test_pin_lockout_after_five_errors():
    state = MemoryStateStore()
    user = {"id": "U1"}
    device = sessions.new_device(state, user, NOW.epoch)
    sessions.set_pin(state, b"k" * 32, device, "U1", "4071")
    for _ in range(4):
        with pytest.raises(sessions.PinError, match="Encore"):
            sessions.check_pin(state, b"k" * 32, device, "4072")
    assert sessions.check_pin(state, b"k" * 32, device, "4071") == "U1"  # a success resets the count
    for _ in range(4):
        with pytest.raises(sessions.PinError):
            sessions.check_pin(state, b"k" * 32, device, "4072")
    with pytest.raises(sessions.PinError, match="mot de passe"):
        sessions.check_pin(state, b"k" * 32, device, "4072")
    with pytest.raises(sessions.PinError):
        sessions.check_pin(state, b"k" * 32, device, "4071")
    assert sessions.load_device(state, device) is None


def test_secret_key_is_required_in_the_cloud_and_generated_locally():
    state = MemoryStateStore()
    key = sessions.secret_key(state, {})
    assert len(key) >= 48 and sessions.secret_key(state, {}) == key
    with pytest.raises(Exception, match="obligatoire dans le cloud"):
        sessions.secret_key(MemoryStateStore(), {"K_SERVICE": "web"})
    assert sessions.secret_key(state, {"TTR_SECRET_KEY": "z" * 40}) == b"z" * 40


def test_prefixed_state_store_isolates_every_kind_of_name():
    inner = MemoryStateStore()
    a, b = PrefixedStateStore(inner, "Wa."), PrefixedStateStore(inner, "Wb.")
    a.put("journal", "head", {"count": 3})
    assert b.get("journal", "head") is None and a.get("journal", "head") == {"count": 3}
    assert (a.next_number("receipts"), a.next_number("receipts"), b.next_number("receipts")) == (1, 2, 1)
    assert (a.hit("x", 60), b.hit("x", 60)) == (1, 1)
    a.put_blob("snap", b"1")
    assert b.get_blob("snap") is None
    with a.lock("workbook", timeout_seconds=1), b.lock("workbook", timeout_seconds=1):
        pass  # two workspaces never wait for each other
    assert inner.get("users", "anything") is None and a.list("journal") == [("head", {"count": 3})]


def test_ttr_admin_create(tmp_path):
    runner = CliRunner()
    args = ["create", "--workbook", str(tmp_path / "w.xlsx"), "--state", str(tmp_path / "s.sqlite"),
            "--name", "Awa Mensah", "--email", "awa@example.tg"]
    from functions.config import Config, open_business

    config = Config(workbook=str(tmp_path / "w.xlsx"), state=str(tmp_path / "s.sqlite"))
    open_business(config).init({"business_name": "Chez Awa"})
    result = runner.invoke(admin_cli, args, input="motdepasse-awa\nmotdepasse-awa\n")
    assert result.exit_code == 0, result.output
    assert "Administrateur créé" in result.output
    biz = open_business(config)
    assert users.admin_exists(biz.state)
    assert [t["email"] for t in biz.load(["team"]).rows("team")] == ["awa@example.tg"]
    again = runner.invoke(admin_cli, args, input="motdepasse-awa\nmotdepasse-awa\n")
    assert again.exit_code == 1 and "existe déjà" in again.output
    short = runner.invoke(admin_cli, args[:-1] + ["autre@example.tg"], input="court\ncourt\n")
    assert short.exit_code == 1 and "8 caractères" in short.output
