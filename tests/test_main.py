"""Each entry point of main.py answers through functions_framework, in-process."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cloudevents.conversion import to_structured
from cloudevents.http import CloudEvent
from functions_framework import create_app

from functions.config import Config, open_business

SOURCE = str(Path(__file__).resolve().parent.parent / "main.py")


@pytest.fixture
def workbook(tmp_path, monkeypatch):
    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "w.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("TTR_SYNC_TOKEN", "jeton-de-test-0123456789")
    biz = open_business(Config.from_env())
    biz.init({"business_name": "Chez Awa"})
    biz.sync()
    return biz


def test_sync_http_requires_the_token_then_syncs(workbook):
    client = create_app("sync_http", SOURCE).test_client()
    assert client.post("/").status_code == 401
    g = workbook.workbook.backend
    from functions.store.backend import AppendRows

    g.write([AppendRows("Clients", ({"Nom": "Saisi à la main"},))])
    response = client.post("/", headers={"X-TTR-Token": "jeton-de-test-0123456789"})
    assert response.status_code == 200, response.data
    assert response.get_json()["ecritures"] == 1
    assert all(c.id for c in workbook.load().rows("clients"))


def test_sync_pubsub_runs_the_sync(workbook):
    from functions.store.backend import AppendRows

    workbook.workbook.backend.write([AppendRows("Clients", ({"Nom": "Par Pub/Sub"},))])
    client = create_app("sync_pubsub", SOURCE, "cloudevent").test_client()
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//pubsub/test",
                        "specversion": "1.0", "id": "1"},
                       {"message": {"data": base64.b64encode(json.dumps({"job": "sync"}).encode()).decode()}})
    headers, body = to_structured(event)
    response = client.post("/", headers=headers, data=body)
    assert response.status_code == 200, response.data
    assert all(c.id for c in workbook.load().rows("clients"))


def test_web_serves_setup_then_the_dashboard(workbook, monkeypatch):
    import re

    import main

    monkeypatch.setenv("TTR_SECRET_KEY", "s" * 48)
    monkeypatch.setattr(main, "_WEB_APP", None)
    client = create_app("web", SOURCE).test_client()
    assert client.get("/sante").get_json() == {"ok": True}
    first = client.get("/")
    assert first.status_code in (302, 303) and "/installation" in first.headers["Location"]
    from functions.accounts import users
    from functions.accounts.workspaces import DEFAULT

    when = users.Moment(0.0, "2026-03-14 09:30:00")
    users.create(workbook.state, name="Awa", email="awa@example.tg", password="motdepasse-awa", when=when,
                 workspace=DEFAULT, role="admin")
    workbook.state.create("accounts", "setup", {"at": when.local})
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    login = client.post("/connexion", data={"csrf": token, "email": "awa@example.tg", "password": "motdepasse-awa"})
    assert login.status_code == 303
    html = client.get("/").get_data(as_text=True)
    assert "Chez Awa" in html and "Solde de caisse" in html and "0\u00a0FCFA" in html
