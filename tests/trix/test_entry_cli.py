"""The function handler (server token), the cold start, and ``ttr trix``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from flask import Flask, request

from functions.trix import entry
from functions.trix.cli import trix
from tests.fakes.openai_server import Turn
from tests.trix.conftest import SERVER_TOKEN, env_of, sse_events


def test_importing_the_handler_does_not_import_openai():
    code = ("import sys, functions.trix.entry, functions.trix.web; "
            "print(sorted(m for m in ('openai', 'httpx2', 'markdown_it', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_handler_needs_the_server_token(shop, fake, settings, monkeypatch):
    for k, v in env_of(settings, TTR_SERVER_TOKEN=SERVER_TOKEN).items():
        monkeypatch.setenv(k, v)
    app = Flask(__name__)
    with app.test_request_context("/", method="POST", json={"question": "Bonjour"}):
        res = entry.chat(request, business=shop)
        assert res.status_code == 401 and "TTR_SERVER_TOKEN" in res.get_json()["erreur"]
    fake.script(Turn(content="Bonjour de TRIX"))
    with app.test_request_context("/", method="POST", json={"question": "Bonjour"},
                                  headers={"Authorization": f"Bearer {SERVER_TOKEN}"}):
        res = entry.chat(request, business=shop)
        events = sse_events(res.get_data())
    assert res.status_code == 200 and "".join(e.get("t", "") for e in events) == "Bonjour de TRIX"
    with app.test_request_context("/", method="GET"):
        assert entry.chat(request, business=shop).status_code == 405


def test_cli_asks_and_prints_the_whatsapp_link(tmp_path, fake, settings, monkeypatch):
    from functions.config import Config, open_business

    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "ttr.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "ttr.state.sqlite"))
    biz = open_business(Config.from_env())
    biz.init({"business_name": "Chez Awa", "currency": "XOF"})
    biz.state.close()
    for k, v in env_of(settings).items():
        monkeypatch.setenv(k, v)
    fake.script(Turn(tool_calls=[("whatsapp_link", {"phone": "90112233", "message": "Bonjour"})]),
                Turn(content="Message prêt."))
    result = CliRunner().invoke(trix, ["Rédige", "un", "message"])
    assert result.exit_code == 0, result.output
    assert "Message prêt." in result.output and "https://wa.me/22890112233?text=Bonjour" in result.output
    monkeypatch.delenv("TRIX_API_KEY")
    result = CliRunner().invoke(trix, ["Bonjour"])
    assert result.exit_code == 1 and "TRIX_API_KEY" in result.output
    assert CliRunner().invoke(trix, []).exit_code == 2
