"""Every workspace of a deployment is synced and reminded by the cloud's scheduled jobs, each in its own
time zone and at its own hour; one failing does not stop the others; one summary."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cloudevents.conversion import to_structured
from cloudevents.http import CloudEvent
from functions_framework import create_app

from functions.accounts.workspaces import Workspaces
from functions.business import Business
from functions.config import open_backend, open_state_store
from functions.errors import BackendError
from functions.fleet import remind_all, space_for_sheet, sync_all
from functions.store.backend import AppendRows
from functions.store.workbook import Workbook

SOURCE = str(Path(__file__).resolve().parents[2] / "main.py")
NOW = datetime(2026, 3, 14, 7, 30, tzinfo=UTC)  # 07:30 in Lomé and Abidjan, 08:30 in Lagos


@pytest.fixture
def fleet(tmp_path, monkeypatch):
    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "principal.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "etat.sqlite"))
    monkeypatch.setenv("TTR_SYNC_TOKEN", "jeton-de-test-0123456789")
    cache: dict[str, Business] = {}

    def default() -> Business:
        if "biz" not in cache:
            cache["biz"] = Business(Workbook(open_backend(str(tmp_path / "principal.xlsx"))),
                                    open_state_store(str(tmp_path / "etat.sqlite")), clock=lambda: NOW)
        return cache["biz"]

    default().init({"business_name": "Chez Awa", "timezone": "Africa/Lome", "reminder_hour": "07:00"})
    spaces = Workspaces(default, {"TTR_WORKBOOK": str(tmp_path / "principal.xlsx")})
    abidjan = spaces.create("Maquis Abidjan", "owner", {"timezone": "Africa/Abidjan", "reminder_hour": "07:15"},
                            "2026-03-01 10:00")
    lagos = spaces.create("Boutique Lagos", "owner", {"timezone": "Africa/Lagos", "reminder_hour": "09:00"},
                          "2026-03-02 10:00")
    return spaces, abidjan["id"], lagos["id"]


def typed_client(spaces: Workspaces, space: str, name: str) -> None:
    spaces.business(space).workbook.backend.write([AppendRows("Clients", ({"Nom": name},))])


def test_the_sync_serves_every_workspace_in_one_summary(fleet):
    spaces, abidjan, lagos = fleet
    for space, name in (("principal", "Kofi"), (abidjan, "Aya"), (lagos, "Chidi")):
        typed_client(spaces, space, name)
    report = sync_all(spaces)
    assert [o.space for o in report.outcomes] == ["principal", abidjan, lagos] and not report.failed
    for space in ("principal", abidjan, lagos):
        assert all(c.id for c in spaces.business(space).load().rows("clients"))  # the typed row got its ID
    assert report.lines()[0] == "Synchronisation : 3 espace(s)."
    assert any("[Maquis Abidjan] 1 ID attribué" in line for line in report.lines())


def test_reminders_follow_each_workspace_s_own_hour_and_time_zone(fleet):
    spaces, abidjan, lagos = fleet
    report = remind_all(spaces, env={})
    by_space = {o.space: " ".join(o.lines) for o in report.outcomes}
    assert "pas encore l'heure" not in by_space["principal"] and "pas encore l'heure" not in by_space[abidjan]
    assert "pas encore l'heure" in by_space[lagos] and "09:00" in by_space[lagos] and "08:30" in by_space[lagos]


def test_one_workspace_failing_does_not_stop_the_others(fleet, monkeypatch):
    spaces, abidjan, lagos = fleet
    typed_client(spaces, lagos, "Chidi")
    broken = spaces.business(abidjan)

    def unavailable() -> None:
        raise BackendError("Google Sheets est indisponible (erreur 503). Réessayez dans un instant.")

    monkeypatch.setattr(broken, "sync", unavailable)
    report = sync_all(spaces)
    assert [o.ok for o in report.outcomes] == [True, False, True]
    assert all(c.id for c in spaces.business(lagos).load().rows("clients"))  # served after the failure
    assert report.retry and "1 en échec" in report.lines()[0] and "indisponible" in " ".join(report.lines())


def test_a_lasting_failure_is_reported_but_not_redelivered(fleet):
    spaces, abidjan, _ = fleet
    Path(str(spaces.get(abidjan)["workbook"])).unlink()  # the workbook was deleted
    report = sync_all(spaces)
    assert [o.ok for o in report.outcomes] == [True, False, True] and not report.retry


def use(monkeypatch, spaces: Workspaces) -> None:
    """main.py (loaded by functions_framework from its file) opens these workspaces."""
    import functions.accounts.workspaces as module

    monkeypatch.setattr(module, "Workspaces", lambda *args, **kwargs: spaces)


def event() -> tuple[dict, bytes]:
    return to_structured(CloudEvent(
        {"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//pubsub/test", "specversion": "1.0",
         "id": "1"}, {"message": {"data": base64.b64encode(json.dumps({"job": "sync"}).encode()).decode()}}))


def test_the_pubsub_entry_points_serve_every_workspace(fleet, monkeypatch):
    spaces, abidjan, lagos = fleet
    use(monkeypatch, spaces)
    typed_client(spaces, lagos, "Chidi")
    headers, body = event()
    assert create_app("sync_pubsub", SOURCE, "cloudevent").test_client().post(
        "/", headers=headers, data=body).status_code == 200
    assert all(c.id for c in spaces.business(lagos).load().rows("clients"))
    monkeypatch.setattr(spaces.business(abidjan), "sync", lambda: (_ for _ in ()).throw(BackendError()))
    response = create_app("sync_pubsub", SOURCE, "cloudevent").test_client().post("/", headers=headers, data=body)
    assert response.status_code == 500  # raised after every workspace was served: Pub/Sub redelivers


def test_the_apps_script_sync_reaches_the_workspace_of_its_sheet(fleet, monkeypatch):
    spaces, abidjan, _ = fleet
    sheet = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    record = dict(spaces.get(abidjan) or {}, workbook=f"https://docs.google.com/spreadsheets/d/{sheet}/edit")
    spaces.state.put("workspaces", abidjan, record)
    assert space_for_sheet(spaces, sheet) == abidjan and space_for_sheet(spaces, "autre") is None
    spaces._cache.pop(abidjan, None)
    seen = {}

    def fake_business(space: str) -> Business:
        biz = Workspaces.business(spaces, "principal")
        seen["space"] = space
        return biz

    monkeypatch.setattr(spaces, "business", fake_business)
    use(monkeypatch, spaces)
    client = create_app("sync_http", SOURCE).test_client()
    answer = client.post("/", json={"classeur": sheet, "editeur": "aya@x.ci"},
                         headers={"X-TTR-Token": "jeton-de-test-0123456789"})
    assert answer.status_code == 200, answer.data
    assert seen["space"] == abidjan and answer.get_json()["espace"] == abidjan


def test_during_a_token_rotation_both_tokens_are_accepted(fleet, monkeypatch):
    spaces, _, _ = fleet
    use(monkeypatch, spaces)
    monkeypatch.setenv("TTR_SYNC_TOKEN", "nouveau-jeton-0123456789,jeton-de-test-0123456789")
    client = create_app("sync_http", SOURCE).test_client()
    for token in ("nouveau-jeton-0123456789", "jeton-de-test-0123456789"):
        assert client.post("/", json={}, headers={"X-TTR-Token": token}).status_code == 200
    assert client.post("/", json={}, headers={"X-TTR-Token": "jeton-de-test"}).status_code == 401


def test_the_http_reminders_trigger_serves_every_workspace_and_one_failing_stops_none(fleet):
    from types import SimpleNamespace

    from functions.reminders import entry

    spaces, abidjan, lagos = fleet
    broken = spaces.business(lagos)
    broken.load = lambda *a, **k: (_ for _ in ()).throw(BackendError("Google Sheets indisponible."))
    req = SimpleNamespace(headers={"X-TTR-Token": "jeton-rappels-0123456789"}, args={"essai": "1"}, base_url="")
    body, status = entry.handle_http(req, env={"TTR_REMINDER_TOKEN": "jeton-rappels-0123456789"}, spaces=spaces)
    assert status == 200
    by_id = {e["id"]: e for e in body["espaces"]}
    assert set(by_id) == {"principal", abidjan, lagos}
    assert by_id["principal"]["ok"] and by_id[abidjan]["ok"] and not by_id[lagos]["ok"]
    assert "indisponible" in " ".join(by_id[lagos]["resume"])
    assert body["essai"] is True  # the default workspace's own summary, as before
