"""Every entry point of main.py (the list deploy.sh deploys) answers through functions_framework.create_app,
on a local .xlsx workbook and a SQLite state initialised by Business.init."""

from __future__ import annotations

import base64
import json

import pytest
from cloudevents.conversion import to_structured
from cloudevents.http import CloudEvent
from functions_framework import create_app

from functions.config import Config, open_business
from tests.deploy.conftest import ROOT, entry_points

SOURCE = str(ROOT / "main.py")
SYNC, REMINDER, SERVER = "jeton-sync-0123456789abcdef", "jeton-rappels-0123456789ab", "jeton-serveur-0123456789ab"

# name: (method, path, request keywords, expected status, a text the answer contains)
REQUESTS = {
    "web": ("GET", "/sante", {}, 200, '"ok"'),
    "sync_http": ("POST", "/", {"headers": {"X-TTR-Token": SYNC}}, 200, '"ecritures"'),
    "promo_check": ("POST", "/", {"json": {"code": "AWA10"}}, 503, "ABT_URL"),
    "promo_approve": ("POST", "/", {"json": {}}, 401, "jeton serveur"),
    "reminders_http": ("POST", "/?essai=1", {"headers": {"X-TTR-Token": REMINDER}}, 200, "Chez Awa"),
    "receipt": ("GET", "/r/AbCdEfGhIjKlMnOpQrStUv", {}, 404, "<html"),
    "trix_chat": ("POST", "/", {"json": {"question": "Combien ?"}}, 401, "TTR_SERVER_TOKEN"),
}
# The same entry points refuse a request without their token (the HTTP ones guarded by a token).
UNAUTHORIZED = {"sync_http": ("POST", "/"), "reminders_http": ("POST", "/"), "trix_chat": ("POST", "/")}


@pytest.fixture
def business(tmp_path, monkeypatch):
    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "classeur.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "etat.sqlite"))
    monkeypatch.setenv("TTR_SYNC_TOKEN", SYNC)
    monkeypatch.setenv("TTR_REMINDER_TOKEN", REMINDER)
    monkeypatch.setenv("TTR_SERVER_TOKEN", SERVER)
    biz = open_business(Config.from_env())
    biz.init({"business_name": "Chez Awa"})
    return biz


def pubsub_event(payload: dict) -> tuple[dict, bytes]:
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "specversion": "1.0",
                        "source": "//pubsub.googleapis.com/projects/demo/topics/ttr-test", "id": "42"},
                       {"message": {"data": base64.b64encode(json.dumps(payload).encode()).decode()}})
    return to_structured(event)


def test_main_exposes_the_entry_points_of_the_design():
    found = entry_points()
    for name in ("sync_http", "sync_pubsub", "web", "promo_check", "promo_approve", "reminders_pubsub",
                 "reminders_http", "receipt"):
        assert name in found
    assert found["sync_pubsub"] == found["reminders_pubsub"] == "cloud_event"


@pytest.mark.parametrize(("name", "kind"), sorted(entry_points().items()))
def test_each_entry_point_answers(business, name, kind):
    if kind == "cloud_event":
        client = create_app(name, SOURCE, "cloudevent").test_client()
        headers, body = pubsub_event({"job": name})
        response = client.post("/", headers=headers, data=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return
    client = create_app(name, SOURCE).test_client()
    method, path, kwargs, status, text = REQUESTS.get(name, ("GET", "/", {}, None, ""))
    response = client.open(path, method=method, **kwargs)
    answer = response.get_data(as_text=True)
    if status is None:  # an entry point this table does not know yet: it must answer, not crash
        assert response.status_code < 500, answer
    else:
        assert response.status_code == status, answer
        assert text in answer
    assert "Traceback" not in answer


@pytest.mark.parametrize("name", sorted(set(UNAUTHORIZED) & set(entry_points())))
def test_token_guarded_entry_points_refuse_a_request_without_the_token(business, name):
    method, path = UNAUTHORIZED[name]
    response = create_app(name, SOURCE).test_client().open(path, method=method)
    assert response.status_code == 401


def test_the_sync_pubsub_event_really_syncs(business):
    from functions.store.backend import AppendRows

    business.sync()
    business.workbook.backend.write([AppendRows("Clients", ({"Nom": "Saisie à la main"},))])
    headers, body = pubsub_event({"job": "sync"})
    assert create_app("sync_pubsub", SOURCE, "cloudevent").test_client().post(
        "/", headers=headers, data=body).status_code == 200
    assert [bool(c.id) for c in business.load().rows("clients")] == [True]
