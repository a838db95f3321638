"""The first-run setup page's optional promo code goes through the check and is saved in Paramètres."""

from __future__ import annotations

import re

import pytest

from functions.errors import InvalidInputError
from functions.promo import validate
from functions.web.app import create_app
from tests.promo.conftest import KEY


def test_validate_checks_with_abt_when_configured(abt, env):
    assert validate(" bienvenue ", env) == "BIENVENUE"
    with pytest.raises(InvalidInputError, match="invalide"):
        validate("INCONNU-99", env)
    with pytest.raises(InvalidInputError):
        validate("x", env)  # malformed: refused before any call
    assert all(r["body"]["eventType"] == "CLIENT_SIGNUP" for r in abt.requests) and len(abt.requests) == 2


def test_validate_keeps_the_code_unchecked_when_promo_is_not_configured():
    assert validate("awa-2026", {}) == "AWA-2026"


def setup_form(client, **extra):
    page = client.get("/installation").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    data = {"csrf": token, "name": "Awa Mensah", "email": "awa@example.tg", "password": "motdepasse-awa",
            "password2": "motdepasse-awa",
            "business_name": "Chez Awa", "business_type": "Restaurant", "country": "TG", "currency": "XOF",
            "timezone": "Africa/Lome", **extra}
    return client.post("/installation", data=data)


def test_setup_page_saves_a_valid_code_and_refuses_an_invalid_one(biz, abt, env):
    app = create_app(lambda: biz, {**env, "TTR_SECRET_KEY": "s" * 48})
    app.testing = True
    refused = setup_form(app.test_client(), promo_code="PERIME-99")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "invalide" in text, re.findall(r"<p[^>]*>[^<]*</p>", text)
    assert biz.state.get("accounts", "setup") is None  # nothing was created
    done = setup_form(app.test_client(), promo_code="bienvenue")
    assert done.status_code == 303
    assert biz.load(["settings"]).settings["promo_code"] == "BIENVENUE"
    assert KEY not in done.get_data(as_text=True)
