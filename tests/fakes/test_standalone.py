"""The fake Sheets API on its own (``python -m tests.fakes.sheets_api --port N``), and the toolkit pointed at
it by ``TTR_SHEETS_API_URL`` with anonymous credentials: no Google account needed."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from functions.config import Config, open_business

ROOT = Path(__file__).resolve().parents[2]
SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_toolkit_runs_against_the_standalone_fake(tmp_path, monkeypatch):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.fakes.sheets_api", "--port", str(port),
                               "--quota", "10000"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert "TTR_SHEETS_API_URL=" in (server.stdout.readline() if server.stdout else "")
        url = f"http://127.0.0.1:{port}"
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        env = {"TTR_SHEETS_API_URL": url, "TTR_WORKBOOK": SHEET, "TTR_STATE": str(tmp_path / "etat.sqlite")}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        biz = open_business(Config.from_env())
        biz.init({"business_name": "Chez Awa"})
        from functions.store.backend import AppendRows

        biz.workbook.backend.write([AppendRows("Clients", ({"Nom": "Awa", "Téléphone": "0707123456"},))])
        assert biz.sync().ids_assigned
        (awa,) = biz.load().rows("clients")
        assert awa.id and awa.cells["Téléphone"] == "0707123456"
        assert biz.workbook.backend.spreadsheet_id == SHEET and "Journal" in biz.workbook.backend.titles()
    finally:
        server.terminate()
        server.wait(timeout=10)
