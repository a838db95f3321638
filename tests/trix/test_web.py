"""The blueprint in a tiny Flask app: the page, the streamed chat, who may ask, and safe Markdown."""

from __future__ import annotations

import re

from functions.templating import money
from tests.fakes.openai_server import Turn
from tests.trix.conftest import CANARY, SERVER_TOKEN, env_of, sse_events, tool_data

USER = {"id": "u1", "name": "Awa", "email": "awa@example.com"}


def post(client, body, **headers):
    return client.post("/trix/chat", json=body, headers=headers)


def test_the_chat_page_renders(shop, settings, make_app):
    client = make_app(shop, env_of(settings), USER).test_client()
    page = client.get("/trix")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "TRIX, votre consultant IA" in html
    for label in ("Augmenter mes ventes", "Comprendre mon stock", "Écrire à un client", "Améliorer ma trésorerie"):
        assert label in html
    assert "n'est pas encore configuré" not in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == ["/trix/trix.js"] and "<script>" not in html  # no CDN, no inline script (CSP)
    js = client.get("/trix/trix.js")
    assert js.status_code == 200 and js.mimetype == "application/javascript" and b"text/event-stream" in js.data
    unconfigured = make_app(shop, {}, USER).test_client().get("/trix").get_data(as_text=True)
    assert "n'est pas encore configuré" in unconfigured and "TRIX_API_KEY" in unconfigured


def test_chat_streams_with_a_session(shop, fake, settings, make_app):
    fake.script(Turn(tool_calls=[("kpis", {})]),
                lambda body: Turn(content=f"**Entrées du mois** : {tool_data(body)['entrees']}"))
    client = make_app(shop, env_of(settings), USER).test_client()
    res = post(client, {"messages": [{"role": "user", "content": "Mes ventes ?"}]})
    assert res.status_code == 200 and res.mimetype == "text/event-stream"
    events = sse_events(res.data)
    assert events[0] == {"type": "tool", "nom": "kpis"}
    text = "".join(e["t"] for e in events if e["type"] == "text")
    assert money(53100, "XOF") in text
    done = events[-1]
    assert done["type"] == "done" and "<strong>Entrées du mois</strong>" in done["html"]
    assert CANARY not in res.get_data(as_text=True)


def test_who_may_ask(shop, fake, settings, make_app):
    env = env_of(settings, TTR_SERVER_TOKEN=SERVER_TOKEN)
    anonymous = make_app(shop, env, None).test_client()
    res = post(anonymous, {"question": "Bonjour"})
    assert res.status_code == 401 and "Connectez-vous" in res.get_json()["erreur"]
    assert post(anonymous, {"question": "Bonjour"}, Authorization="Bearer mauvais-jeton-0123456789").status_code == 401
    fake.script(Turn(content="Bonjour, je suis TRIX."))
    res = post(anonymous, {"question": "Bonjour"}, Authorization=f"Bearer {SERVER_TOKEN}")
    assert res.status_code == 200 and sse_events(res.data)[-1]["type"] == "done"
    # a logged-in browser must send JSON: a cross-site form cannot
    logged = make_app(shop, env, USER).test_client()
    assert logged.post("/trix/chat", data={"question": "Bonjour"}).status_code == 401
    assert len(fake.chat_requests()) == 1


def test_refusals_are_json_with_their_status(shop, fake, settings, make_app):
    env = env_of(settings, TRIX_DAILY_QUESTIONS="1", TRIX_MAX_REQUEST_CHARS="300")
    client = make_app(shop, env, USER).test_client()
    res = post(client, {"question": "y" * 301})
    assert res.status_code == 413 and "trop long" in res.get_json()["erreur"]
    fake.script(Turn(content="ok"), Turn(status=401))
    assert post(client, {"question": "un"}).status_code == 200
    res = post(client, {"question": "deux"})
    assert res.status_code == 429 and "aujourd'hui" in res.get_json()["erreur"]
    res = post(make_app(shop, {}, USER).test_client(), {"question": "sans clé"})
    assert res.status_code == 503 and "TRIX_API_KEY" in res.get_json()["erreur"]
    res = post(make_app(shop, env_of(settings), USER).test_client(), {"question": "clé refusée"})
    assert res.status_code == 502 and "401" in res.get_json()["erreur"] and CANARY not in res.get_data(as_text=True)


def test_markdown_with_script_is_escaped(shop, fake, settings, make_app):
    fake.script(Turn(content="Voici **tout** <script>alert('x')</script> [lien](javascript:alert(1)) "
                             "<img src=x onerror=alert(1)>"))
    client = make_app(shop, env_of(settings), USER).test_client()
    html = sse_events(post(client, {"question": "Bonjour"}).data)[-1]["html"]
    assert "<strong>tout</strong>" in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and 'href="javascript' not in html


def test_a_provider_failure_mid_stream_is_said_in_the_stream(shop, fake, settings, make_app):
    fake.script(Turn(tool_calls=[("kpis", {})]), Turn(status=500))
    # the first answer (a tool round) starts the stream; the second fails: an error event ends it
    res = post(make_app(shop, env_of(settings), USER).test_client(), {"question": "Mes ventes ?"})
    events = sse_events(res.data)
    assert res.status_code == 200 and events[0] == {"type": "tool", "nom": "kpis"}
    assert events[-1]["type"] == "error" and "5xx" in events[-1]["erreur"]
    assert CANARY not in res.get_data(as_text=True)


def test_an_employee_sees_only_the_figures_of_their_modules(shop, fake, settings, make_app):
    shop.set_settings({"perm_caisse": "Non", "perm_clients": "Non", "perm_stock": "Oui"}, "Awa")
    employee = {"id": "u2", "name": "Kofi", "phone": "+22890112233", "role": "employee"}
    fake.script(Turn(tool_calls=[("kpis", {}), ("stock_status", {})]), Turn(content="Voici."))
    client = make_app(shop, env_of(settings), employee).test_client()
    res = post(client, {"messages": [{"role": "user", "content": "Mes ventes et mon stock ?"}]})
    assert res.status_code == 200, res.data
    assert sse_events(res.data)[-1]["type"] == "done", res.data
    first, second = fake.chat_requests()[-2:]
    offered = {t["function"]["name"] for t in first["tools"]}
    assert "stock_status" in offered and not offered & {"kpis", "cash_by_category", "client_balances"}
    results = [m for m in second["messages"] if m["role"] == "tool"]
    assert "ne sont pas accessibles" in results[-2]["content"]  # kpis: refused even when asked for
    assert "ne sont pas accessibles" not in results[-1]["content"]  # stock_status: answered
