"""POST /promo/approve: server only, no CORS, amount bounds, exactly once, written to the Journal."""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.promo.conftest import ORIGIN, TOKEN, make_app, post

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def approval(**kw):
    return {"businessId": "biz-awa", "promoCode": "bienvenue", "amount": 25000,
            "idempotencyKey": "paiement-2026-03-0001", **kw}


@pytest.fixture
def app_client(env, biz):
    return make_app(env, biz).test_client()


def promo_journal(biz):
    return [r for r in biz.load(["journal"]).all_rows("journal") if r["action"] == "promo"]


def test_approved_once_with_a_journal_row(app_client, abt, biz):
    r = post(app_client, "/promo/approve", approval(), headers=AUTH)
    assert r.status_code == 200, r.get_json()
    first = r.get_json()
    assert first == {"valid": True, "approved": True, "promoCode": "BIENVENUE", "amount": 25000,
                     "message": "Paiement approuvé : la commission de l'ambassadeur est enregistrée."}
    assert abt.payments == [{"eventType": "SUBSCRIPTION_PAYMENT", "promoCode": "BIENVENUE", "businessId": "biz-awa",
                             "clientName": "", "clientEmail": "", "amount": 25000}]
    again = post(app_client, "/promo/approve", approval(promoCode=" BIENVENUE "), headers=AUTH)
    assert again.status_code == 200
    assert again.get_json() == {**first, "replayed": True}
    assert len(abt.payments) == 1
    (row,) = promo_journal(biz)
    assert row["actor"] == "serveur (jeton)"
    assert "BIENVENUE" in row["changes"] and "25000" in row["changes"] and "biz-awa" in row["changes"]
    assert biz.verify_journal().ok


@pytest.mark.parametrize("change", [{"amount": 25001}, {"promoCode": "AWA-2026"}, {"businessId": "biz-koffi"}])
def test_same_key_other_parameters_is_a_409(app_client, abt, change):
    assert post(app_client, "/promo/approve", approval(), headers=AUTH).status_code == 200
    r = post(app_client, "/promo/approve", approval(**change), headers=AUTH)
    assert r.status_code == 409
    assert "nouvelle clé" in r.get_json()["message"]
    assert len(abt.payments) == 1


def test_refused_code_is_final_and_not_journaled(app_client, abt, biz):
    r = post(app_client, "/promo/approve", approval(promoCode="INCONNU"), headers=AUTH)
    assert r.status_code == 200 and r.get_json()["approved"] is False
    r2 = post(app_client, "/promo/approve", approval(promoCode="INCONNU"), headers=AUTH)
    assert r2.get_json()["replayed"] is True
    assert len(abt.requests) == 1
    assert promo_journal(biz) == []


@pytest.mark.parametrize("amount", [0, -5, 10.5, "25000", True, None, 100_000_001, 10**30])
def test_amount_must_be_a_positive_integer_within_bounds(app_client, abt, amount):
    r = post(app_client, "/promo/approve", approval(amount=amount), headers=AUTH)
    assert r.status_code == 400
    assert "Montant invalide" in r.get_json()["message"]
    assert abt.requests == []


def test_configured_maximum(env, biz, abt):
    c = make_app({**env, "TTR_PROMO_MAX_AMOUNT": "1000"}, biz).test_client()
    assert post(c, "/promo/approve", approval(amount=1001), headers=AUTH).status_code == 400
    assert post(c, "/promo/approve", approval(amount=1000), headers=AUTH).status_code == 200


@pytest.mark.parametrize("key", ["court", "x" * 201, 12345678, None])
def test_idempotency_key_is_required(app_client, abt, key):
    r = post(app_client, "/promo/approve", approval(idempotencyKey=key), headers=AUTH)
    assert r.status_code == 400 and abt.requests == []


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer mauvais-jeton-0123456789"},
                                     {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": f"Bearer {TOKEN[:-1]}"}])
def test_anonymous_or_wrong_token_is_refused(app_client, abt, headers):
    r = post(app_client, "/promo/approve", approval(), headers=headers)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert abt.requests == []


@pytest.mark.parametrize("browser", [{"Origin": ORIGIN}, {"Origin": "null"}, {"Sec-Fetch-Site": "same-origin"},
                                     {"Sec-Fetch-Mode": "cors"}])
def test_browser_is_refused_even_with_the_token(app_client, abt, browser):
    r = post(app_client, "/promo/approve", approval(), headers={**AUTH, **browser})
    assert r.status_code == 403
    assert not any(h.startswith("Access-Control") for h in r.headers.keys())
    assert abt.requests == []


def test_preflight_on_approve_gets_no_cors(app_client):
    r = app_client.options("/promo/approve", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 403
    assert not any(h.startswith("Access-Control") for h in r.headers.keys())


def test_weak_server_token_is_not_accepted(env, biz, abt):
    c = make_app({**env, "TTR_SERVER_TOKEN": "court"}, biz).test_client()
    assert post(c, "/promo/approve", approval(), headers={"Authorization": "Bearer court"}).status_code == 401


def test_admin_session_is_enough(env, biz, abt):
    seen = []

    def is_admin(request):
        seen.append(request.cookies.get("session"))
        return request.cookies.get("session") == "admin"

    c = make_app({**env, "TTR_SERVER_TOKEN": ""}, biz, is_admin=is_admin).test_client()
    assert post(c, "/promo/approve", approval()).status_code == 401
    c.set_cookie("session", "admin")
    r = post(c, "/promo/approve", approval())
    assert r.status_code == 200 and r.get_json()["approved"] is True
    assert promo_journal(biz)[0]["actor"] == "administrateur"
    assert seen == [None, "admin"]


def test_not_retried_and_released_when_abt_was_never_reached(env, biz, abt):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/x"
    down = make_app({**env, "ABT_URL": dead}, biz).test_client()
    assert post(down, "/promo/approve", approval(), headers=AUTH).status_code == 502
    up = make_app(env, biz).test_client()
    r = post(up, "/promo/approve", approval(), headers=AUTH)  # same key: allowed, ABT never got it
    assert r.status_code == 200 and r.get_json()["approved"] is True
    assert len(abt.payments) == 1


def test_abt_5xx_is_not_retried_and_releases_the_key(app_client, abt):
    abt.mode = 503
    assert post(app_client, "/promo/approve", approval(), headers=AUTH).status_code == 502
    assert len(abt.requests) == 1  # no retry for a payment
    abt.mode = None
    assert post(app_client, "/promo/approve", approval(), headers=AUTH).get_json()["approved"] is True


@pytest.mark.parametrize("mode, status", [("timeout", 504), ("badjson", 502)])
def test_lost_answer_keeps_the_key_uncertain(app_client, abt, biz, mode, status):
    abt.mode = mode
    assert post(app_client, "/promo/approve", approval(), headers=AUTH).status_code == status
    abt.mode = None
    r = post(app_client, "/promo/approve", approval(), headers=AUTH)
    assert r.status_code == 409
    assert "vérifiez dans TTR Ambassadeur" in r.get_json()["message"]
    assert abt.payments == []  # nothing was sent a second time
    assert promo_journal(biz) == []
    other = post(app_client, "/promo/approve", approval(idempotencyKey=uuid.uuid4().hex), headers=AUTH)
    assert other.get_json()["approved"] is True


def test_journal_failure_is_caught_up_by_the_replay(env, biz, abt):
    calls = {"n": 0}
    real_submit = biz.submit

    def failing_submit(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disque plein")
        return real_submit(*a, **kw)

    biz.submit = failing_submit
    c = make_app(env, biz).test_client()
    r = post(c, "/promo/approve", approval(), headers=AUTH)
    assert r.status_code == 500 and "disque" not in r.get_data(as_text=True)
    assert promo_journal(biz) == []
    r = post(c, "/promo/approve", approval(), headers=AUTH)
    assert r.status_code == 200 and r.get_json()["replayed"] is True
    assert len(abt.payments) == 1
    assert len(promo_journal(biz)) == 1
    post(c, "/promo/approve", approval(), headers=AUTH)
    assert len(promo_journal(biz)) == 1
