"""With a canary key, no outcome of ABT lets the key out: not in a body, a header or a log record."""

from __future__ import annotations

import logging
import uuid

import pytest

from functions.state.memory import MemoryStateStore
from tests.fakes.abt import FakeAbt
from tests.promo.conftest import TOKEN, make_app, post

OUTCOMES = ["valid", "expired", 400, 401, 500, "timeout", "badjson"]


@pytest.mark.parametrize("path", ["/promo/check", "/promo/approve"])
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_the_key_never_leaves(caplog, biz, path, outcome):
    canary = "CANARY-" + uuid.uuid4().hex
    # 401: the fake expects another key, and its body and headers echo the canary it received
    fake = FakeAbt(canary if outcome != 401 else "une-autre-cle", delay=1.5)
    fake.mode = outcome if outcome not in ("valid", "expired", 401) else None
    code = "NOEL-2024" if outcome == "expired" else "BIENVENUE"
    caplog.set_level(logging.DEBUG)
    with fake.running():
        env = {"ABT_URL": fake.url, "TTR_API_KEY": canary, "TTR_SERVER_TOKEN": TOKEN,
               "TTR_ALLOWED_ORIGINS": "https://app.ttr-gestion.example"}
        biz.state = MemoryStateStore()
        client = make_app(env, biz).test_client()
        body = {"businessId": "biz-awa", "promoCode": code, "amount": 5000, "idempotencyKey": uuid.uuid4().hex}
        headers = {"Authorization": f"Bearer {TOKEN}"} if path.endswith("approve") else {}
        r = post(client, path, body=body, headers=headers)
    assert fake.requests and fake.requests[0]["headers"]["x-api-key"] == canary  # the key did go to ABT
    assert canary not in r.get_data(as_text=True)
    assert all(canary not in f"{k}: {v}" for k, v in r.headers.items())
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + str(record.args)
        assert canary not in text, record
    expected = {"valid": 200, "expired": 200, 400: 200, 401: 502, 500: 502, "timeout": 504, "badjson": 502}
    assert r.status_code == expected[outcome], r.get_json()


def test_logs_do_say_what_happened(caplog, client, abt):
    caplog.set_level(logging.INFO, logger="functions.promo")
    abt.mode = 500
    post(client)
    assert any("statut 500" in r.getMessage() for r in caplog.records)
