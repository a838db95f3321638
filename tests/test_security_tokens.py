"""Issue 13, item 1 (sweep): every server-to-server token is compared whole, in constant time, and an empty
or blank token (sent or configured) never opens anything — sync, reminders, promo approval, TRIX."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from functions.state.memory import MemoryStateStore

SECRET = "s" * 40


def test_sync_token_refuses_empty_blank_and_near_misses(biz):
    from functions.web.app import create_app, sync_token

    app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET, "TTR_SYNC_TOKEN": "   "})
    client = app.test_client()
    token = sync_token(biz, {"TTR_SYNC_TOKEN": "   "})
    assert len(token) >= 32  # a blank setting falls back to the generated secret, never ""
    for given in (None, "", " ", "   ", token[:-1], token + "x", token.upper() if token.upper() != token else "x"):
        headers = {} if given is None else {"X-TTR-Token": given}
        assert client.post("/sync", headers=headers).status_code == 401, repr(given)
    assert client.post("/sync", headers={"X-TTR-Token": token}).status_code == 200


def test_trix_server_token_needs_a_long_configured_token():
    from functions.trix.edge import bearer_ok

    def req(header: str | None) -> object:
        return SimpleNamespace(headers={} if header is None else {"Authorization": header})

    good = "t" * 24
    assert bearer_ok(req("Bearer " + good), {"TTR_SERVER_TOKEN": good})
    for env in ({}, {"TTR_SERVER_TOKEN": ""}, {"TTR_SERVER_TOKEN": "   "}, {"TTR_SERVER_TOKEN": "court"}):
        for header in ("Bearer ", "Bearer  ", "Bearer court", None, ""):
            assert not bearer_ok(req(header), env), (env, header)
    for header in ("Bearer " + good[:-1], "Bearer " + good + "x", "Basic " + good, good):
        assert not bearer_ok(req(header), {"TTR_SERVER_TOKEN": good}), header


@pytest.mark.parametrize("configured", ["", "   ", "court"])
def test_promo_approve_without_a_usable_token_refuses_every_bearer(configured):
    from functions.promo.web import bp

    app = Flask("promo-sweep")
    app.config.update(TTR_ENV={"TTR_SERVER_TOKEN": configured, "ABT_URL": "http://127.0.0.1:9", "TTR_API_KEY": "k"},
                      TTR_BUSINESS=lambda: SimpleNamespace(state=MemoryStateStore()))
    app.register_blueprint(bp)
    client = app.test_client()
    for header in ("Bearer ", "Bearer  ", "Bearer " + configured, "Bearer court"):
        r = client.post("/promo/approve", json={}, headers={"Authorization": header})
        assert r.status_code == 401, (configured, header, r.get_json())
