"""The edges in-process: the CloudEvent handler through functions-framework, the HTTP trigger, the CLI."""

from __future__ import annotations

import base64
import json
import textwrap
import time
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from cloudevents.http import CloudEvent
from flask import Flask

from functions.reminders import entry
from functions.reminders.channels import Channels
from functions.reminders.cli import remind
from functions.reminders.oidc import IdTokenVerifier
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


class GoogleKeys:
    """Google's side of an ID token: an RSA key pair, its public key served at a local certs URL (the
    format of https://www.googleapis.com/oauth2/v1/certs), and tokens signed with google-auth's crypt."""

    def __init__(self, kid: str = "cle-1") -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.kid = kid
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        self.certs = {kid: public.decode()}
        self.fetches = 0

    def sign(self, claims: dict, private_pem: bytes | None = None) -> str:
        from google.auth import crypt
        from google.auth import jwt as gjwt

        signer = crypt.RSASigner.from_string(private_pem or self.private_pem, key_id=self.kid)
        return gjwt.encode(signer, claims).decode()


@pytest.fixture
def google_keys():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    keys = GoogleKeys()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            keys.fetches += 1
            body = json.dumps(keys.certs).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    keys.url = f"http://127.0.0.1:{server.server_address[1]}/oauth2/v1/certs"
    yield keys
    server.shutdown()
    server.server_close()
    thread.join(5)


SA = "ttr-invoker@ttr-demo.iam.gserviceaccount.com"
URL = "https://rappels-abc123-ew.a.run.app/rappels"
CLOUD = {"K_SERVICE": "rappels", "TTR_REMINDER_INVOKER": SA}


def claims(**over) -> dict:
    now = int(time.time())
    return {"iss": "https://accounts.google.com", "aud": URL, "email": SA, "email_verified": True,
            "sub": "1234567890", "iat": now, "exp": now + 600, **over}


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def test_a_google_signed_token_of_the_invoker_runs_the_reminders(shop, google_keys):
    b, _ = shop
    verifier = IdTokenVerifier(certs_url=google_keys.url)
    ok = bearer(google_keys.sign(claims()))
    assert entry.authorized(ok, b, CLOUD, url=URL, verifier=verifier)
    assert entry.authorized(bearer(google_keys.sign(claims(iss="accounts.google.com"))), b, CLOUD, url=URL,
                            verifier=verifier)
    assert entry.authorized(bearer(google_keys.sign(claims(aud="https://ttr.example/rappels"))), b,
                            {**CLOUD, "TTR_REMINDER_AUDIENCE": "https://ttr.example/rappels"}, url=URL,
                            verifier=verifier)


def test_forged_and_unsigned_tokens_are_refused(shop, google_keys):
    """Issue 13, item 1: an unsigned JWT whose email is the invoker's ran the reminders."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    b, _ = shop
    verifier = IdTokenVerifier(certs_url=google_keys.url)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    good = google_keys.sign(claims())
    head, body, sig = good.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    tampered = base64.urlsafe_b64encode(json.dumps({**payload, "email": SA, "exp": payload["exp"] + 9999})
                                        .encode()).decode().rstrip("=")
    none_alg = base64.urlsafe_b64encode(b'{"alg":"none","kid":"cle-1"}').decode().rstrip("=")
    refused = {
        "unsigned (the attack)": jwt(claims()),
        "signed by another key": google_keys.sign(claims(), private_pem=other),
        "payload changed after signing": f"{head}.{tampered}.{sig}",
        "alg none": f"{none_alg}.{body}.",
        "no signature": f"{head}.{body}.",
        "wrong audience": google_keys.sign(claims(aud="https://autre-service.a.run.app")),
        "expired": google_keys.sign(claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
        "wrong email": google_keys.sign(claims(email="pirate@autre.iam.gserviceaccount.com")),
        "email not verified": google_keys.sign(claims(email_verified=False)),
        "email_verified missing": google_keys.sign({k: v for k, v in claims().items() if k != "email_verified"}),
        "wrong issuer": google_keys.sign(claims(iss="https://pirate.example")),
        "not a jwt": "pas-un-jwt",
        "empty": "",
    }
    for why, token in refused.items():
        assert not entry.authorized(bearer(token), b, CLOUD, url=URL, verifier=verifier), why
    assert entry.authorized(bearer(good), b, CLOUD, url=URL, verifier=verifier)  # the same verifier accepts


def test_no_configured_invoker_accepts_no_identity_token(shop, google_keys):
    """Any Google account can mint an ID token for any audience: without TTR_REMINDER_INVOKER, none counts."""
    b, _ = shop
    verifier = IdTokenVerifier(certs_url=google_keys.url)
    token = bearer(google_keys.sign(claims()))
    assert not entry.authorized(token, b, {"K_SERVICE": "rappels"}, url=URL, verifier=verifier)
    assert not entry.authorized(token, b, {"K_SERVICE": "rappels", "TTR_REMINDER_INVOKER": " "}, url=URL,
                                verifier=verifier)


def test_http_trigger_refuses_a_forged_token_and_sends_nothing(shop, whatsapp, google_keys):
    b, _ = shop
    app = app_for(b, {**CLOUD, "TTR_REMINDER_TOKEN": "jeton-secret"}, channels(whatsapp))
    app.config["TTR_ID_TOKEN_VERIFIER"] = IdTokenVerifier(certs_url=google_keys.url)
    client = app.test_client()
    base = "https://rappels-abc123-ew.a.run.app"
    r = client.post("/rappels", base_url=base, headers=bearer(jwt(claims())))
    assert r.status_code == 401 and whatsapp.sent() == []
    r = client.post("/rappels?essai=1", base_url=base, headers=bearer(google_keys.sign(claims())))
    assert r.status_code == 200, r.get_json()
    assert google_keys.fetches == 1  # the certificates are cached, not fetched per request
    r = client.post("/rappels", base_url=base, headers=bearer(google_keys.sign(claims(aud=base + "/sync"))))
    assert r.status_code == 401 and whatsapp.sent() == []


def test_shared_token_compared_whole_and_never_empty(shop):
    b, _ = shop
    env = {"TTR_REMINDER_TOKEN": "jeton-secret-de-32-caracteres-au-moins"}
    assert entry.authorized({"X-TTR-Token": env["TTR_REMINDER_TOKEN"]}, b, env)
    for given in ["", " ", "jeton-secret", env["TTR_REMINDER_TOKEN"] + "x", env["TTR_REMINDER_TOKEN"][:-1]]:
        assert not entry.authorized({"X-TTR-Token": given}, b, env), given
    # a blank configured token is no token: the generated one is used, never ""
    assert not entry.authorized({"X-TTR-Token": " "}, b, {"TTR_REMINDER_TOKEN": " "})
    assert entry.reminder_token(b, {"TTR_REMINDER_TOKEN": "  "}).strip()


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
    # three Agenda reminders, and the owner's low-stock alert and morning summary to the business phone
    assert "5 message(s) à envoyer" in r.output and "Livraison farine" in r.output
    r = CliRunner().invoke(remind, args)
    assert r.exit_code == 0, r.output
    # Without WhatsApp API nor SMTP nothing is sent: the links are ready, and said so (never "envoyé").
    assert "0 envoyé(s), 5 lien(s) WhatsApp prêt(s) à envoyer" in r.output and "wa.me/22891000001" in r.output
    assert "[lien prêt]" in r.output and "[envoyé]" not in r.output
    r = CliRunner().invoke(remind, args)
    assert "0 envoyé(s), 0 lien(s) WhatsApp prêt(s) à envoyer (Agenda › À envoyer), 5 déjà traité(s)" in r.output
    r = CliRunner().invoke(remind, ["-w", str(workbook), "-s", str(state), "--date", "demain"])
    assert r.exit_code != 0 and "AAAA-MM-JJ" in r.output
    assert "Erreur : " in r.output and "Error" not in r.output
    assert b.verify_journal().ok
