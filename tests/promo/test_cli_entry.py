"""``ttr promo check CODE`` (click's CliRunner) and the cloud-function handlers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask

from functions.config import Config, open_business
from functions.promo import entry
from functions.promo.cli import promo
from tests.promo.conftest import KEY, ORIGIN, TOKEN


@pytest.fixture
def cli_env(abt, tmp_path, monkeypatch):
    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "w.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("ABT_URL", abt.url)
    monkeypatch.setenv("TTR_API_KEY", KEY)
    biz = open_business(Config.from_env())
    biz.init({"business_name": "Chez Awa", "email": "awa@exemple.tg"})
    return biz


def saved_code(biz):
    return biz.load(["settings"]).settings["promo_code"]


def test_valid_code_is_checked_and_saved(cli_env, abt):
    result = CliRunner().invoke(promo, ["check", " bienvenue "])
    assert result.exit_code == 0, result.output
    assert "10 % de réduction" in result.output
    assert "Enregistré dans « Paramètres »" in result.output
    assert saved_code(cli_env) == "BIENVENUE"
    sent = abt.requests[0]["body"]
    assert (sent["clientName"], sent["clientEmail"]) == ("Chez Awa", "awa@exemple.tg")
    assert sent["businessId"].startswith("ttr-")
    again = CliRunner().invoke(promo, ["check", "BIENVENUE"])
    assert "Déjà enregistré" in again.output
    assert abt.requests[1]["body"]["businessId"] == sent["businessId"]  # one stable id per workbook


def test_invalid_code_exits_1_and_saves_nothing(cli_env):
    result = CliRunner().invoke(promo, ["check", "NOEL-2024"])
    assert result.exit_code == 1
    assert "invalide ou expiré" in result.output
    assert saved_code(cli_env) == ""


def test_dry_run_saves_nothing(cli_env):
    result = CliRunner().invoke(promo, ["check", "BIENVENUE", "--sans-enregistrer", "--business-id", "biz-42"])
    assert result.exit_code == 0
    assert saved_code(cli_env) == ""


@pytest.mark.parametrize("args, env, fragment", [
    (["check", "A"], {}, "mal formé"),
    (["check", "BIENVENUE"], {"TTR_API_KEY": ""}, "TTR_API_KEY"),
])
def test_errors_are_french(cli_env, monkeypatch, args, env, fragment):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    result = CliRunner().invoke(promo, args)
    assert result.exit_code == 1
    assert "Erreur :" in result.output and fragment in result.output


# -- cloud functions ---------------------------------------------------------------------------------------
@pytest.fixture
def fn_env(cli_env, monkeypatch):
    monkeypatch.setenv("TTR_ALLOWED_ORIGINS", ORIGIN)
    monkeypatch.setenv("TTR_SERVER_TOKEN", TOKEN)
    entry._state.cache_clear()
    yield cli_env
    entry._state.cache_clear()


def call(handler, **kw):
    with Flask("fn").test_request_context("/", **kw) as ctx:
        return handler(ctx.request)


def test_check_function_with_preflight(fn_env):
    pre = call(entry.check, method="OPTIONS", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == ORIGIN
    r = call(entry.check, method="POST", json={"businessId": "b-1", "promoCode": "BIENVENUE"},
             headers={"Origin": ORIGIN})
    assert r.status_code == 200 and r.get_json()["valid"] is True
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_approve_function_needs_the_token_and_journals(fn_env, abt):
    body = {"businessId": "b-1", "promoCode": "BIENVENUE", "amount": 9900, "idempotencyKey": "cle-fonction-1"}
    assert call(entry.approve, method="POST", json=body).status_code == 401
    r = call(entry.approve, method="POST", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.get_json()["approved"] is True
    journal = [row for row in fn_env.load(["journal"]).all_rows("journal") if row["action"] == "promo"]
    assert len(journal) == 1 and len(abt.payments) == 1
