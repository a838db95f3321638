from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from functions.promo.client import AbtClient
from functions.promo.web import bp
from functions.state.memory import MemoryStateStore
from tests.fakes.abt import FakeAbt

KEY = "cle-abt-test-7f3a9c"
ORIGIN = "https://app.ttr-gestion.example"
TOKEN = "jeton-serveur-0123456789abcdef"


@pytest.fixture
def abt():
    with FakeAbt(KEY).running() as fake:
        yield fake


@pytest.fixture
def env(abt):
    return {"ABT_URL": abt.url, "TTR_API_KEY": KEY, "TTR_ALLOWED_ORIGINS": ORIGIN, "TTR_SERVER_TOKEN": TOKEN}


def fast_client(upstream):
    """Short timeouts so the timeout outcome takes half a second."""
    return AbtClient(upstream, timeouts=(0.5, 0.5))


def make_app(env, business, is_admin=None) -> Flask:
    app = Flask("promo-test")
    app.config.update(TTR_ENV=env, TTR_BUSINESS=lambda: business, TTR_BUSINESSES=lambda: [business],
                      TTR_PROMO_CLIENT=fast_client)
    if is_admin is not None:
        app.config["TTR_IS_ADMIN"] = is_admin
    app.register_blueprint(bp)
    return app


@pytest.fixture
def store():
    return MemoryStateStore()


@pytest.fixture
def client(env, store):
    return make_app(env, SimpleNamespace(state=store)).test_client()


def post(client, path="/promo/check", body=None, **kw):
    kw.setdefault("json", body if body is not None else {"businessId": "biz-awa", "promoCode": "bienvenue"})
    return client.post(path, **kw)
