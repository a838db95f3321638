"""The edges in-process: the CloudEvent handler through functions-framework, the HTTP trigger, the CLI."""

from __future__ import annotations

import base64
import json
import textwrap
import time
from datetime import UTC, datetime

from click.testing import CliRunner
from cloudevents.http import CloudEvent
from flask import Flask

from functions.reminders import entry
from functions.reminders.channels import Channels
from functions.reminders.cli import remind
from tests.reminders.conftest import channels


def pubsub_event(payload: dict | None = None) -> CloudEvent:
    data = {"message": {"data": base64.b64encode(json.dumps(payload or {}).encode()).decode(),
                        "messageId": "1"}, "subscription": "projects/p/subscriptions/s"}
    return CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished",
                       "source": "//pubsub.googleapis.com/projects/p/topics/rappels"}, data)


def test_cloud_event_handler_runs_once(shop, whatsapp):
    b, _ = shop
    out = entry.handle_cloud_event(pubsub_event({"job": "rappels"}), lambda: b, {}, channels(whatsapp))
    assert out["envoyes"] == 5 and out["echecs"] == []
    out = entry.handle_cloud_event(pubsub_event(), lambda: b, {}, channels(whatsapp))
    assert out["etat"] == "déjà fait" and len(whatsapp.sent()) == 5


def test_cloud_event_through_functions_framework(tmp_path, whatsapp, monkeypatch):
    """A main-like source file served by functions_framework.create_app, called as Pub/Sub push does."""
    import functions_framework

    workbook, state = tmp_path / "ttr.xlsx", tmp_path / "state.sqlite"
    source = tmp_path / "main_like.py"
    source.write_text(textwrap.dedent(f"""
        import functions_framework
        from datetime import date, datetime, UTC
        from functions.business import Business
        from functions.config import open_backend, open_state_store
        from functions.store.workbook import Workbook
        from functions.reminders.entry import handle_cloud_event

        CLOCK = lambda: datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

        def business():
            return Business(Workbook(open_backend({str(workbook)!r})), open_state_store({str(state)!r}), clock=CLOCK)

        @functions_framework.cloud_event
        def reminders_pubsub(cloud_event):
            handle_cloud_event(cloud_event, business)
    """))
    from functions.business import Business
    from functions.config import open_backend, open_state_store
    from functions.store.workbook import Workbook
    from tests.reminders.conftest import fill

    b = Business(Workbook(open_backend(str(workbook))), open_state_store(str(state)),
                 clock=lambda: datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
    b.init({"business_name": "Chez Awa", "phone": "90 11 22 33", "timezone": "Africa/Lome"})
    fill(b, datetime(2026, 3, 14).date())
    monkeypatch.setenv("WHATSAPP_TOKEN", "EAAG-test-token")
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", "109876543210")
    monkeypatch.setenv("WHATSAPP_API_URL", whatsapp.url)
    client = functions_framework.create_app("reminders_pubsub", str(source), "cloudevent").test_client()
    event = pubsub_event()
    headers = {"ce-id": "1", "ce-specversion": "1.0", "ce-source": event["source"], "ce-type": event["type"],
               "Content-Type": "application/json"}
    r = client.post("/", headers=headers, data=json.dumps(event.data))
    assert r.status_code == 200, r.data
    assert len(whatsapp.sent()) == 5
    r = client.post("/", headers={**headers, "ce-id": "2"}, data=json.dumps(event.data))
    assert r.status_code == 200 and len(whatsapp.sent()) == 5


def app_for(b, env, ch: Channels) -> Flask:
    app = Flask(__name__)
    app.config.update(TTR_BUSINESS=lambda: b, TTR_BUSINESSES=lambda: [b], TTR_ENV=env, TTR_REMINDER_CHANNELS=ch)
    app.register_blueprint(entry.bp)
    return app


def test_http_needs_the_shared_token(shop, whatsapp):
    b, _ = shop
    client = app_for(b, {"TTR_REMINDER_TOKEN": "jeton-secret"}, channels(whatsapp)).test_client()
    assert entry.bp.deferred_functions and entry.reminders_http.ttr_access == "server"
    r = client.post("/rappels")
    assert r.status_code == 401 and "Jeton" in r.get_json()["erreur"] and whatsapp.sent() == []
    r = client.post("/rappels", headers={"X-TTR-Token": "faux"})
    assert r.status_code == 401 and whatsapp.sent() == []
    r = client.post("/rappels?essai=1", headers={"X-TTR-Token": "jeton-secret"})
    assert r.status_code == 200 and r.get_json()["essai"] and whatsapp.sent() == []
    r = client.post("/rappels?date=14-03-2026", headers={"X-TTR-Token": "jeton-secret"})
    assert r.status_code == 400 and "AAAA-MM-JJ" in r.get_json()["erreur"]
    r = client.post("/rappels", headers={"X-TTR-Token": "jeton-secret"})
    assert r.status_code == 200 and r.get_json()["envoyes"] == 5 and len(whatsapp.sent()) == 5


def test_http_generated_token_under_ttr_serve(shop):
    b, _ = shop
    token = entry.reminder_token(b, {})
    assert len(token) > 30 and entry.reminder_token(b, {}) == token
    assert entry.authorized({"X-TTR-Token": token}, b, {})
    assert not entry.authorized({"X-TTR-Token": token + "x"}, b, {})


def jwt(claims: dict) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{part}.c2lnbmF0dXJl"


def test_oidc_only_under_cloud_run(shop):
    b, _ = shop
    sa = "scheduler@ttr.iam.gserviceaccount.com"
    good = {"Authorization": "Bearer " + jwt({"email": sa, "exp": time.time() + 600})}
    cloud = {"K_SERVICE": "rappels", "TTR_REMINDER_INVOKER": sa}
    assert entry.authorized(good, b, cloud)
    assert not entry.authorized(good, b, {})  # no Cloud Run in front to check the signature: refused
    assert not entry.authorized({"Authorization": "Bearer " + jwt({"email": "x@y.z", "exp": time.time() + 600})},
                                b, cloud)
    assert not entry.authorized({"Authorization": "Bearer " + jwt({"email": sa, "exp": time.time() - 1})}, b, cloud)
    assert not entry.authorized({"Authorization": "Bearer pas-un-jwt"}, b, cloud)


def test_cli_dry_run_then_run(tmp_path, monkeypatch):
    from functions.business import Business
    from functions.config import open_backend, open_state_store
    from functions.store.workbook import Workbook
    from tests.reminders.conftest import fill

    workbook, state = tmp_path / "ttr.xlsx", tmp_path / "state.sqlite"
    b = Business(Workbook(open_backend(str(workbook))), open_state_store(str(state)))
    b.init({"business_name": "Chez Awa", "phone": "90 11 22 33"})
    today = b.now().date()
    fill(b, today)
    args = ["-w", str(workbook), "-s", str(state), "--date", today.isoformat()]
    r = CliRunner().invoke(remind, args + ["--dry-run"])
    assert r.exit_code == 0, r.output
    assert "3 message(s) à envoyer" in r.output and "Livraison farine" in r.output
    r = CliRunner().invoke(remind, args)
    assert r.exit_code == 0, r.output
    assert "3 envoyé(s)" in r.output and "wa.me/22891000001" in r.output
    r = CliRunner().invoke(remind, args)
    assert "0 envoyé(s), 3 déjà envoyé(s)" in r.output
    r = CliRunner().invoke(remind, ["-w", str(workbook), "-s", str(state), "--date", "demain"])
    assert r.exit_code != 0 and "AAAA-MM-JJ" in r.output
    assert b.verify_journal().ok
